import type { AuditEntry, AuditFilter, AuditKind, AuditLog } from '../../ports/audit-log.port.js';
import { auditPageSize, checkAuditEntry } from '../../ports/audit-log.port.js';
import { migratePg, type Pool } from './pg-database.js';
import { StatementBatch } from './statement-batch.js';

const MIGRATIONS = [{
  name: 'security-001-audit',
  sql: `
    CREATE TABLE security_audit (
      id BIGSERIAL PRIMARY KEY,
      at TIMESTAMPTZ NOT NULL,
      kind TEXT NOT NULL,
      peer TEXT,
      interface TEXT,
      remote_address TEXT,
      verb TEXT,
      noun TEXT,
      source TEXT,
      message_id TEXT,
      code TEXT,
      devices INTEGER,
      detail TEXT
    );
    CREATE INDEX security_audit_at ON security_audit (at);
    CREATE INDEX security_audit_kind ON security_audit (kind, at);
    -- Append-only even for code that holds a connection (TRUNCATE too, which skips row triggers).
    CREATE FUNCTION security_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'security_audit is append-only'; END $$;
    CREATE TRIGGER security_audit_no_change BEFORE UPDATE OR DELETE ON security_audit
      FOR EACH ROW EXECUTE FUNCTION security_audit_append_only();
    CREATE TRIGGER security_audit_no_truncate BEFORE TRUNCATE ON security_audit
      FOR EACH STATEMENT EXECUTE FUNCTION security_audit_append_only();
  `,
}, {
  // I8 / I7 data access: what was read and how much (issue 8); old rows keep NULLs.
  name: 'security-002-data-access',
  sql: `
    ALTER TABLE security_audit ADD COLUMN resource TEXT;
    ALTER TABLE security_audit ADD COLUMN filters TEXT;
    ALTER TABLE security_audit ADD COLUMN "rows" INTEGER;
  `,
}];

interface Row {
  id: string; at: Date; kind: AuditKind; peer: string | null; interface: string | null; remote_address: string | null;
  verb: string | null; noun: string | null; source: string | null; message_id: string | null; code: string | null;
  devices: number | null; detail: string | null; resource: string | null; filters: string | null; rows: number | null;
}

function toEntry(r: Row): AuditEntry & { id: number } {
  const e: AuditEntry & { id: number } = { id: Number(r.id), at: r.at, kind: r.kind };
  if (r.peer !== null) e.peer = r.peer;
  if (r.interface !== null) e.interface = r.interface;
  if (r.remote_address !== null) e.remoteAddress = r.remote_address;
  if (r.verb !== null) e.verb = r.verb;
  if (r.noun !== null) e.noun = r.noun;
  if (r.source !== null) e.source = r.source;
  if (r.message_id !== null) e.messageId = r.message_id;
  if (r.code !== null) e.code = r.code;
  if (r.devices !== null) e.devices = r.devices;
  if (r.detail !== null) e.detail = r.detail;
  if (r.resource !== null) e.resource = r.resource;
  if (r.filters !== null) e.filters = r.filters;
  if (r.rows !== null) e.rows = r.rows;
  return e;
}

/**
 * The security audit trail on PostgreSQL, shared by every instance. Ids come from a sequence: an
 * entry committed late can carry a lower id than one already read, so paging by afterId while
 * other instances append may pass over it (re-query by time to be exhaustive).
 */
const COLUMNS = `at, kind, peer, interface, remote_address, verb, noun, source, message_id, code, devices, detail, resource, filters, "rows"`;

const valuesOf = (e: AuditEntry): unknown[] => [e.at, e.kind, e.peer ?? null, e.interface ?? null, e.remoteAddress ?? null, e.verb ?? null, e.noun ?? null,
  e.source ?? null, e.messageId ?? null, e.code ?? null, e.devices ?? null, e.detail ?? null, e.resource ?? null, e.filters ?? null, e.rows ?? null];

export class PgAuditLog implements AuditLog {
  /** Entries appended in the same loop turn (every audited disconnect) go in one INSERT, in call order. */
  private readonly appends: StatementBatch<AuditEntry, void>;

  private constructor(private readonly pool: Pool) {
    this.appends = new StatementBatch(async (e) => {
      // Named: every audited disconnect runs it, so each connection parses and plans it once.
      await pool.query({ name: 'security-audit-append', text: `INSERT INTO security_audit (${COLUMNS})
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`, values: valuesOf(e) });
    }, async (es) => {
      const rows = es.map(valuesOf);
      const col = (i: number) => rows.map((r) => r[i]);
      await pool.query({ name: 'security-audit-append-many', text: `INSERT INTO security_audit (${COLUMNS})
        SELECT ${COLUMNS} FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
          $10::text[], $11::int[], $12::text[], $13::text[], $14::text[], $15::int[]) WITH ORDINALITY
          AS e(at, kind, peer, interface, remote_address, verb, noun, source, message_id, code, devices, detail, resource, filters, "rows", ord)
        ORDER BY e.ord`, values: Array.from({ length: 15 }, (_, i) => col(i)) });
      return es.map(() => undefined);
    });
  }

  static async create(pool: Pool): Promise<PgAuditLog> {
    await migratePg(pool, MIGRATIONS);
    return new PgAuditLog(pool);
  }

  async append(e: AuditEntry): Promise<void> {
    checkAuditEntry(e);
    await this.appends.run(e);
  }

  async query(f: AuditFilter): Promise<(AuditEntry & { id: number })[]> {
    const where: string[] = [];
    const args: unknown[] = [auditPageSize(f.limit)];
    const add = (sql: string, v: unknown) => {
      args.push(v);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (f.since) add('at >= ?', f.since);
    if (f.until) add('at < ?', f.until);
    if (f.kind) add('kind = ?', f.kind);
    if (f.peer) add('peer = ?', f.peer);
    if (f.afterId !== undefined) add('id > ?', f.afterId);
    const rows = await this.pool.query<Row>(`SELECT * FROM security_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT $1`, args);
    return rows.rows.map(toEntry);
  }
}
