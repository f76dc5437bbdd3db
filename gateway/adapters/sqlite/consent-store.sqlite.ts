import { randomUUID } from 'node:crypto';
import type { Consent, ConsentFilter, ConsentStore } from '../../ports/consent-store.port.js';
import { migrate, statements, type Db } from './sqlite-database.js';

const MIGRATIONS = [{
  name: 'i8-002-consents',
  sql: `
    CREATE TABLE i8_consents (
      id TEXT PRIMARY KEY, client_id TEXT NOT NULL, usage_point TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER,
      reference TEXT, granted_at INTEGER NOT NULL, revoked_at INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX i8_consents_client ON i8_consents (client_id, usage_point);
    -- A consent is evidence: only revoked_at may ever change, and only once.
    CREATE TRIGGER i8_consents_no_delete BEFORE DELETE ON i8_consents BEGIN SELECT RAISE(ABORT, 'consents are kept'); END;
    CREATE TRIGGER i8_consents_revoke_only BEFORE UPDATE ON i8_consents
      WHEN OLD.revoked_at IS NOT NULL OR NEW.client_id IS NOT OLD.client_id OR NEW.usage_point IS NOT OLD.usage_point
        OR NEW.start IS NOT OLD.start OR NEW.end IS NOT OLD.end
      BEGIN SELECT RAISE(ABORT, 'a consent can only be revoked'); END;
  `,
}];

interface Row { id: string; client_id: string; usage_point: string; start: number; end: number | null; reference: string | null; granted_at: number; revoked_at: number | null }

const toConsent = (r: Row): Consent => ({
  id: r.id, clientId: r.client_id, usagePoint: r.usage_point, start: new Date(r.start), grantedAt: new Date(r.granted_at),
  ...(r.end !== null ? { end: new Date(r.end) } : {}), ...(r.reference !== null ? { reference: r.reference } : {}),
  ...(r.revoked_at !== null ? { revokedAt: new Date(r.revoked_at) } : {}),
});

export class SqliteConsentStore implements ConsentStore {
  /** The consents in force are read on every third-party request: statements prepared once. */
  private readonly sql;

  constructor(db: Db) {
    migrate(db, MIGRATIONS);
    this.sql = statements(db);
  }

  async grant(c: Omit<Consent, 'revokedAt'>): Promise<Consent> {
    const id = c.id || randomUUID();
    this.sql('INSERT INTO i8_consents (id, client_id, usage_point, start, end, reference, granted_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(id, c.clientId, c.usagePoint, c.start.getTime(), c.end?.getTime() ?? null, c.reference ?? null, c.grantedAt.getTime());
    return (await this.get(id))!;
  }

  async revoke(id: string, at: Date): Promise<Consent | undefined> {
    this.sql('UPDATE i8_consents SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at.getTime(), id);
    return this.get(id);
  }

  async get(id: string): Promise<Consent | undefined> {
    const row = this.sql('SELECT * FROM i8_consents WHERE id = ?').get(id) as Row | undefined;
    return row ? toConsent(row) : undefined;
  }

  async list(f: ConsentFilter): Promise<Consent[]> {
    return (this.sql(`SELECT * FROM i8_consents WHERE (@client IS NULL OR client_id = @client) AND (@up IS NULL OR usage_point = @up)
      ORDER BY granted_at, id`).all({ client: f.clientId ?? null, up: f.usagePoint ?? null }) as Row[]).map(toConsent);
  }

  async inForce(clientId: string, at: Date): Promise<Consent[]> {
    const t = at.getTime();
    return (this.sql(`SELECT * FROM i8_consents WHERE client_id = ? AND start <= ?
      AND (end IS NULL OR end > ?) AND (revoked_at IS NULL OR revoked_at > ?) ORDER BY usage_point, start, id`).all(clientId, t, t, t) as Row[]).map(toConsent);
  }
}
