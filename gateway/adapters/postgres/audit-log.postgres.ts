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

/** Taken shared by every append (appends never wait for each other), exclusively by a reader for an instant. */
const APPEND_LOCK = `hashtext(current_schema() || ':security-audit-append')`;

const COLUMNS = `at, kind, peer, interface, remote_address, verb, noun, source, message_id, code, devices, detail, resource, filters, "rows"`;

const valuesOf = (e: AuditEntry): unknown[] => [e.at, e.kind, e.peer ?? null, e.interface ?? null, e.remoteAddress ?? null, e.verb ?? null, e.noun ?? null,
  e.source ?? null, e.messageId ?? null, e.code ?? null, e.devices ?? null, e.detail ?? null, e.resource ?? null, e.filters ?? null, e.rows ?? null];

/**
 * The security audit trail on PostgreSQL, shared by every instance. Ids come from a sequence in
 * call order while entries become visible in commit order, so an entry committed late can carry a
 * lower id than one a reader already paged past (afterId). A query therefore answers only ids up to
 * a bound below which nothing is still in flight: each append takes its id while holding a shared
 * advisory lock until its commit; a query reads the sequence, then takes the lock exclusively for an
 * instant — once it has it, every id handed out before the read is committed (or rolled back, a gap
 * nobody waits for) — and then reads rows up to that bound under a fresh snapshot.
 * Appends do not serialise among themselves (shared locks); a query waits for the appends in flight
 * (one statement each) and holds new ones back for that long.
 */
export class PgAuditLog implements AuditLog {
  /** Entries appended in the same loop turn (every audited disconnect) go in one INSERT, in call order. */
  private readonly appends: StatementBatch<AuditEntry, void>;

  private constructor(private readonly pool: Pool) {
    this.appends = new StatementBatch(async (e) => {
      // Named: every audited disconnect runs it, so each connection parses and plans it once.
      // One autocommitted statement: the materialised CTE takes the shared lock before the row (and
      // its id from the column default) is produced, and the lock is held until the commit.
      await pool.query({ name: 'security-audit-append', text: `WITH appending AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(${APPEND_LOCK}))
        INSERT INTO security_audit (${COLUMNS})
        SELECT $1::timestamptz, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text,
          $11::integer, $12::text, $13::text, $14::text, $15::integer FROM appending`, values: valuesOf(e) });
    }, async (es) => {
      const rows = es.map(valuesOf);
      const col = (i: number) => rows.map((r) => r[i]);
      await pool.query({ name: 'security-audit-append-many', text: `WITH appending AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(${APPEND_LOCK}))
        INSERT INTO security_audit (${COLUMNS})
        SELECT ${COLUMNS} FROM appending, unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
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

  /** The highest id below which every append has ended (three statements: read, wait, then the caller's fresh snapshot). */
  private async settledBound(): Promise<number> {
    const seq = (await this.pool.query<{ last_value: string; is_called: boolean }>('SELECT last_value, is_called FROM security_audit_id_seq')).rows[0]!;
    await this.pool.query(`SELECT pg_advisory_xact_lock(${APPEND_LOCK})`);
    return seq.is_called ? Number(seq.last_value) : Number(seq.last_value) - 1;
  }

  async query(f: AuditFilter): Promise<(AuditEntry & { id: number })[]> {
    const where: string[] = [];
    const args: unknown[] = [auditPageSize(f.limit), await this.settledBound()];
    const add = (sql: string, v: unknown) => {
      args.push(v);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (f.since) add('at >= ?', f.since);
    if (f.until) add('at < ?', f.until);
    if (f.kind) add('kind = ?', f.kind);
    if (f.peer) add('peer = ?', f.peer);
    if (f.afterId !== undefined) add('id > ?', f.afterId);
    // The bound as a filter (`id + 0`), not an index condition: a two-sided id range made the planner
    // (on a table not analysed yet) sort every row of the range instead of walking the primary key.
    const rows = await this.pool.query<Row>(`SELECT * FROM security_audit WHERE id + 0 <= $2 ${where.map((w) => `AND ${w}`).join(' ')} ORDER BY id LIMIT $1`, args);
    return rows.rows.map(toEntry);
  }
}
