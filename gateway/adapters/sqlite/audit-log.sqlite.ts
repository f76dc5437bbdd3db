import type { AuditEntry, AuditFilter, AuditKind, AuditLog } from '../../ports/audit-log.port.js';
import { auditPageSize, checkAuditEntry } from '../../ports/audit-log.port.js';
import { groupCommit, type GroupCommit } from './group-commit.js';
import { migrate, statements, type Db } from './sqlite-database.js';

const MIGRATIONS = [{
  name: 'security-001-audit',
  sql: `
    CREATE TABLE security_audit (
      id INTEGER PRIMARY KEY,
      at INTEGER NOT NULL,
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
    -- Append-only even for code that holds the database handle.
    CREATE TRIGGER security_audit_no_update BEFORE UPDATE ON security_audit BEGIN SELECT RAISE(ABORT, 'security_audit is append-only'); END;
    CREATE TRIGGER security_audit_no_delete BEFORE DELETE ON security_audit BEGIN SELECT RAISE(ABORT, 'security_audit is append-only'); END;
  `,
}, {
  // I8 / I7 data access: what was read and how much (issue 8); old rows keep NULLs.
  name: 'security-002-data-access',
  sql: `
    ALTER TABLE security_audit ADD COLUMN resource TEXT;
    ALTER TABLE security_audit ADD COLUMN filters TEXT;
    ALTER TABLE security_audit ADD COLUMN rows INTEGER;
  `,
}];

interface Row {
  id: number; at: number; kind: AuditKind; peer: string | null; interface: string | null; remote_address: string | null;
  verb: string | null; noun: string | null; source: string | null; message_id: string | null; code: string | null;
  devices: number | null; detail: string | null; resource: string | null; filters: string | null; rows: number | null;
}

export class SqliteAuditLog implements AuditLog {
  private readonly insert;
  private readonly sql;
  /**
   * Appends on the message path (disconnect admissions, I8/I7 data reads) commit with the other
   * requests' writes of the same event-loop turn; each resolves only once its entry is committed,
   * so a request that awaits its entry never answers unaudited.
   */
  private readonly writes: GroupCommit;
  constructor(db: Db) {
    migrate(db, MIGRATIONS);
    this.sql = statements(db);
    this.writes = groupCommit(db);
    // Positional parameters: cheaper to bind than fifteen named ones (an append is on the message path).
    this.insert = db.prepare(`INSERT INTO security_audit (at, kind, peer, interface, remote_address, verb, noun, source, message_id, code, devices, detail, resource, filters, rows)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  }

  async append(e: AuditEntry): Promise<void> {
    checkAuditEntry(e);
    const row = [e.at.getTime(), e.kind, e.peer ?? null, e.interface ?? null, e.remoteAddress ?? null, e.verb ?? null, e.noun ?? null, e.source ?? null,
      e.messageId ?? null, e.code ?? null, e.devices ?? null, e.detail ?? null, e.resource ?? null, e.filters ?? null, e.rows ?? null];
    await this.writes.run(() => this.insert.run(row));
  }

  async query(f: AuditFilter): Promise<(AuditEntry & { id: number })[]> {
    const where: string[] = [];
    const args: Record<string, unknown> = { limit: auditPageSize(f.limit) };
    if (f.since) { where.push('at >= @since'); args.since = f.since.getTime(); }
    if (f.until) { where.push('at < @until'); args.until = f.until.getTime(); }
    if (f.kind) { where.push('kind = @kind'); args.kind = f.kind; }
    if (f.peer) { where.push('peer = @peer'); args.peer = f.peer; }
    if (f.afterId !== undefined) { where.push('id > @afterId'); args.afterId = f.afterId; }
    const rows = this.sql(`SELECT * FROM security_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT @limit`).all(args) as Row[];
    return rows.map((r) => {
      const e: AuditEntry & { id: number } = { id: r.id, at: new Date(r.at), kind: r.kind };
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
    });
  }
}
