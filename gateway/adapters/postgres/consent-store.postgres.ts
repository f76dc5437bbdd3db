import { randomUUID } from 'node:crypto';
import type { Consent, ConsentFilter, ConsentStore } from '../../ports/consent-store.port.js';
import { migratePg, type Pool } from './pg-database.js';

const MIGRATIONS = [{
  name: 'i8-002-consents',
  sql: `
    CREATE TABLE i8_consents (
      id TEXT PRIMARY KEY, client_id TEXT NOT NULL, usage_point TEXT NOT NULL, start_at TIMESTAMPTZ NOT NULL, end_at TIMESTAMPTZ,
      reference TEXT, granted_at TIMESTAMPTZ NOT NULL, revoked_at TIMESTAMPTZ
    );
    CREATE INDEX i8_consents_client ON i8_consents (client_id, usage_point);
    -- A consent is evidence: only revoked_at may ever change, and only once.
    CREATE FUNCTION i8_consents_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP IN ('DELETE', 'TRUNCATE') THEN RAISE EXCEPTION 'consents are kept'; END IF;
      IF OLD.revoked_at IS NOT NULL OR NEW.id IS DISTINCT FROM OLD.id OR NEW.client_id IS DISTINCT FROM OLD.client_id
        OR NEW.usage_point IS DISTINCT FROM OLD.usage_point OR NEW.start_at IS DISTINCT FROM OLD.start_at
        OR NEW.end_at IS DISTINCT FROM OLD.end_at OR NEW.reference IS DISTINCT FROM OLD.reference
        OR NEW.granted_at IS DISTINCT FROM OLD.granted_at THEN
        RAISE EXCEPTION 'a consent can only be revoked';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER i8_consents_no_delete BEFORE DELETE ON i8_consents FOR EACH ROW EXECUTE FUNCTION i8_consents_guard();
    CREATE TRIGGER i8_consents_revoke_only BEFORE UPDATE ON i8_consents FOR EACH ROW EXECUTE FUNCTION i8_consents_guard();
    -- TRUNCATE bypasses row triggers.
    CREATE TRIGGER i8_consents_no_truncate BEFORE TRUNCATE ON i8_consents EXECUTE FUNCTION i8_consents_guard();
  `,
}];

interface Row { id: string; client_id: string; usage_point: string; start_at: Date; end_at: Date | null; reference: string | null; granted_at: Date; revoked_at: Date | null }

const toConsent = (r: Row): Consent => ({
  id: r.id, clientId: r.client_id, usagePoint: r.usage_point, start: r.start_at, grantedAt: r.granted_at,
  ...(r.end_at !== null ? { end: r.end_at } : {}), ...(r.reference !== null ? { reference: r.reference } : {}),
  ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
});

export class PgConsentStore implements ConsentStore {
  private constructor(private readonly pool: Pool) {}

  static async create(pool: Pool): Promise<PgConsentStore> {
    await migratePg(pool, MIGRATIONS);
    return new PgConsentStore(pool);
  }

  async grant(c: Omit<Consent, 'revokedAt'>): Promise<Consent> {
    const res = await this.pool.query<Row>(`INSERT INTO i8_consents (id, client_id, usage_point, start_at, end_at, reference, granted_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [c.id || randomUUID(), c.clientId, c.usagePoint, c.start, c.end ?? null, c.reference ?? null, c.grantedAt]);
    return toConsent(res.rows[0]!);
  }

  async revoke(id: string, at: Date): Promise<Consent | undefined> {
    // The condition in the statement keeps the first revocation time when two revoke at once.
    await this.pool.query('UPDATE i8_consents SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id]);
    return this.get(id);
  }

  async get(id: string): Promise<Consent | undefined> {
    const row = (await this.pool.query<Row>('SELECT * FROM i8_consents WHERE id = $1', [id])).rows[0];
    return row ? toConsent(row) : undefined;
  }

  async list(f: ConsentFilter): Promise<Consent[]> {
    return (await this.pool.query<Row>(`SELECT * FROM i8_consents WHERE ($1::text IS NULL OR client_id = $1) AND ($2::text IS NULL OR usage_point = $2)
      ORDER BY granted_at, id COLLATE "C"`, [f.clientId ?? null, f.usagePoint ?? null])).rows.map(toConsent);
  }

  async inForce(clientId: string, at: Date): Promise<Consent[]> {
    return (await this.pool.query<Row>(`SELECT * FROM i8_consents
      WHERE client_id = $1 AND start_at <= $2 AND (end_at IS NULL OR end_at > $2) AND (revoked_at IS NULL OR revoked_at > $2)
      ORDER BY usage_point COLLATE "C", start_at, id COLLATE "C"`, [clientId, at])).rows.map(toConsent);
  }
}
