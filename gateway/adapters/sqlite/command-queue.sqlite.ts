import type Database from 'better-sqlite3';
import type { Command, CommandRequest, NewCommand, StoredRequest } from '../../domain/commands/command.js';
import { assertTransition, CommandState } from '../../domain/commands/command-state.js';
import type { AcceptResult, CommandOutcome, CommandQueue, Confirmation } from '../../ports/command-queue.port.js';
import type { NewOutbound } from '../../ports/outbox.port.js';
import type { SqliteOutbox } from './outbox.sqlite.js';
import { groupCommit, type GroupCommit } from './group-commit.js';
import { migrate, statements, type Db } from './sqlite-database.js';

const MIGRATIONS = [{
  name: 'commands-001-queue',
  sql: `
    CREATE TABLE command_requests (
      id INTEGER PRIMARY KEY, source TEXT NOT NULL, message_id TEXT NOT NULL, correlation_id TEXT NOT NULL, verb TEXT NOT NULL,
      reply_address TEXT, protocol TEXT, typed INTEGER NOT NULL, rewrite TEXT NOT NULL, rejected TEXT NOT NULL,
      reply_state TEXT NOT NULL, created_at INTEGER NOT NULL, UNIQUE (source, message_id)
    );
    CREATE INDEX command_requests_waiting ON command_requests (reply_state) WHERE reply_state = 'waiting';
    CREATE TABLE commands (
      seq INTEGER PRIMARY KEY, command_id TEXT NOT NULL UNIQUE, command_key TEXT NOT NULL UNIQUE,
      meter TEXT NOT NULL, device_label TEXT NOT NULL, kind TEXT NOT NULL, control_type TEXT NOT NULL, control_mrid TEXT,
      source TEXT NOT NULL, params TEXT NOT NULL, priority INTEGER NOT NULL, not_before INTEGER, not_after INTEGER, reason TEXT,
      state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, lease_until INTEGER NOT NULL DEFAULT 0,
      detail TEXT, result_values TEXT, confirmed_by TEXT, confirmed_at INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
    );
    CREATE INDEX commands_meter_open ON commands (meter, seq) WHERE state IN ('accepted', 'queued', 'sent');
    CREATE INDEX commands_dispatch ON commands (state, priority DESC, seq);
    CREATE INDEX commands_control ON commands (source, control_mrid);
    CREATE TABLE command_request_items (
      request_id INTEGER NOT NULL, position INTEGER NOT NULL, command_id TEXT NOT NULL,
      PRIMARY KEY (request_id, position)
    ) WITHOUT ROWID;
    CREATE INDEX command_request_items_command ON command_request_items (command_id);
  `,
}, {
  // No query looks items up by command (they are read by request, joined to commands by its
  // unique command_id); the index cost a write to a random page on every accept.
  name: 'commands-002-drop-unused-item-index',
  sql: `DROP INDEX IF EXISTS command_request_items_command;`,
}];

const OPEN = `('accepted', 'queued', 'sent')`;

interface Row {
  seq: number; command_id: string; command_key: string; meter: string; device_label: string; kind: Command['kind']; control_type: string;
  control_mrid: string | null; source: string; params: string; priority: number; not_before: number | null; not_after: number | null;
  reason: string | null; state: CommandState; attempts: number; next_attempt_at: number; detail: string | null; result_values: string | null;
  confirmed_by: string | null; confirmed_at: number | null; created_at: number; updated_at: number;
}

interface RequestRow {
  id: number; source: string; message_id: string; correlation_id: string; verb: string; reply_address: string | null; protocol: 'SOAP' | 'REST' | null;
  typed: number; rewrite: string; rejected: string; reply_state: StoredRequest['replyState'];
}

function toCommand(r: Row): Command {
  const c: Command = {
    commandId: r.command_id, commandKey: r.command_key, meter: r.meter, deviceLabel: r.device_label, kind: r.kind, controlType: r.control_type,
    source: r.source, params: JSON.parse(r.params) as Command['params'], priority: r.priority, state: r.state, seq: r.seq, attempts: r.attempts,
    nextAttemptAt: new Date(r.next_attempt_at), createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at),
  };
  if (r.control_mrid !== null) c.controlMRID = r.control_mrid;
  if (r.not_before !== null) c.notBefore = new Date(r.not_before);
  if (r.not_after !== null) c.notAfter = new Date(r.not_after);
  if (r.reason !== null) c.reason = r.reason;
  if (r.detail !== null) c.detail = r.detail;
  if (r.result_values !== null) c.values = JSON.parse(r.result_values) as Record<string, number>;
  if (r.confirmed_by !== null) c.confirmedBy = r.confirmed_by;
  if (r.confirmed_at !== null) c.confirmedAt = new Date(r.confirmed_at);
  return c;
}

/** The row an accepted command's INSERT wrote (same columns and values, so toCommand reads it alike). */
function asInserted(c: NewCommand, seq: number, params: string, t: number): Row {
  return {
    seq, command_id: c.commandId, command_key: c.commandKey, meter: c.meter, device_label: c.deviceLabel, kind: c.kind, control_type: c.controlType,
    control_mrid: c.controlMRID ?? null, source: c.source, params, priority: c.priority, not_before: c.notBefore?.getTime() ?? null,
    not_after: c.notAfter?.getTime() ?? null, reason: c.reason ?? null, state: 'accepted', attempts: 0, next_attempt_at: c.notBefore?.getTime() ?? t,
    detail: null, result_values: null, confirmed_by: null, confirmed_at: null, created_at: t, updated_at: t,
  };
}

/** The command queue in the embedded store; replies are queued into the same database's outbox. */
export class SqliteCommandQueue implements CommandQueue {
  /** Prepared once per SQL text: preparing costs more than running these small statements. */
  private readonly q: (sql: string) => Database.Statement;
  /** accept is on the request path: it commits together with other requests' writes. */
  private readonly writes: GroupCommit;

  constructor(private readonly db: Db, private readonly outbox: SqliteOutbox) {
    migrate(db, MIGRATIONS);
    this.writes = groupCommit(db);
    this.q = statements(db);
  }

  async accept(request: CommandRequest, commands: NewCommand[], now: Date): Promise<AcceptResult> {
    const t = now.getTime();
    return this.writes.run((): AcceptResult => {
      const replyState = request.replyAddress ? 'waiting' : 'none';
      const rewrite = JSON.stringify(request.rewrite);
      const rejected = JSON.stringify(request.rejected);
      // Insert first, read only on a repeat: a new request is the common case.
      const added = this.q(`INSERT INTO command_requests (source, message_id, correlation_id, verb, reply_address, protocol, typed, rewrite,
        rejected, reply_state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, message_id) DO NOTHING`).run(request.source, request.messageId,
        request.correlationId, request.verb, request.replyAddress ?? null, request.protocol ?? null, request.typed ? 1 : 0, rewrite, rejected, replyState, t);
      if (added.changes === 0) {
        const existing = this.requestRow(request.source, request.messageId)!;
        return { request: this.toRequest(existing), commands: this.itemsOf(existing.id), created: false };
      }
      const id = Number(added.lastInsertRowid);
      const insert = this.q(`INSERT INTO commands (command_id, command_key, meter, device_label, kind, control_type, control_mrid, source, params,
        priority, not_before, not_after, reason, state, next_attempt_at, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'accepted', ?, ?, ?) ON CONFLICT DO NOTHING`);
      const item = this.q('INSERT INTO command_request_items (request_id, position, command_id) VALUES (?, ?, ?)');
      const stored = commands.map((c, position): Command => {
        const params = JSON.stringify(c.params);
        const added = insert.run(c.commandId, c.commandKey, c.meter, c.deviceLabel, c.kind, c.controlType, c.controlMRID ?? null, c.source, params,
          c.priority, c.notBefore?.getTime() ?? null, c.notAfter?.getTime() ?? null, c.reason ?? null, c.notBefore?.getTime() ?? t, t, t);
        // A command key seen before (the same control re-sent without MessageID) joins this request as it is.
        const command = added.changes === 1 ? toCommand(asInserted(c, Number(added.lastInsertRowid), params, t)) : toCommand(this.byKey(c.commandKey));
        item.run(id, position, command.commandId);
        return command;
      });
      // What was just written, as toRequest(requestRow(…)) would read it back (no second read on the hot path).
      const storedRequest: StoredRequest = {
        id, source: request.source, messageId: request.messageId, correlationId: request.correlationId, verb: request.verb, typed: request.typed,
        rewrite: JSON.parse(rewrite) as StoredRequest['rewrite'], rejected: JSON.parse(rejected) as StoredRequest['rejected'], replyState,
        commandIds: stored.map((c) => c.commandId),
        ...(request.replyAddress ? { replyAddress: request.replyAddress } : {}), ...(request.protocol ? { protocol: request.protocol } : {}),
      };
      return { request: storedRequest, commands: stored, created: true };
    });
  }

  async promote(now: Date): Promise<number> {
    const t = now.getTime();
    return this.db.transaction(() => {
      const expired = this.moveWhere(['accepted', 'queued'], 'expired', 'not_after IS NOT NULL AND not_after < @t', t,
        `execution window ended at ${'{end}'} before the command could be sent`);
      const opened = this.moveWhere(['accepted'], 'queued', '(not_before IS NULL OR not_before <= @t)', t);
      return expired + opened;
    })();
  }

  async lease(now: Date, limit: number, leaseMs: number): Promise<Command[]> {
    const t = now.getTime();
    return this.db.transaction(() => {
      const rows = this.q(`SELECT c.* FROM commands c
        WHERE c.state IN ('queued', 'sent') AND c.next_attempt_at <= @t AND c.lease_until <= @t
          AND NOT EXISTS (SELECT 1 FROM commands p WHERE p.meter = c.meter AND p.seq < c.seq AND p.state IN ${OPEN})
        ORDER BY c.priority DESC, c.seq LIMIT @limit`).all({ t, limit }) as Row[];
      const mark = this.q(`UPDATE commands SET state = 'sent', attempts = attempts + 1, lease_until = ?, updated_at = ? WHERE seq = ?`);
      for (const r of rows) {
        // A resend of a command already sent (its lease ran out: the process died mid-call) keeps its state.
        if (r.state !== 'sent') assertTransition(r.command_id, r.state, 'sent');
        mark.run(t + leaseMs, t, r.seq);
      }
      return rows.map((r) => toCommand({ ...r, state: 'sent', attempts: r.attempts + 1, updated_at: t }));
    })();
  }

  async finish(commandId: string, outcome: CommandOutcome, now: Date): Promise<Command> {
    return this.update(commandId, outcome.state, now, { detail: outcome.detail ?? null, result_values: outcome.values ? JSON.stringify(outcome.values) : null, lease_until: 0 });
  }

  async retry(commandId: string, error: string, retryAt: Date, now: Date): Promise<Command> {
    return this.update(commandId, 'queued', now, { detail: error.slice(0, 2000), next_attempt_at: retryAt.getTime(), lease_until: 0 });
  }

  async cancel(commandIds: string[], reason: string, now: Date): Promise<Command[]> {
    return this.db.transaction(() => commandIds.map((id) => {
      const row = this.row(id);
      if (!row) throw new Error(`no command ${id}`);
      if (row.state !== 'accepted' && row.state !== 'queued') return toCommand(row);
      return this.updateSync(row, 'canceled', now, { detail: reason });
    }))();
  }

  async byControl(source: string, controlMRID: string, meters?: string[]): Promise<Command[]> {
    const rows = this.q('SELECT * FROM commands WHERE source = ? AND control_mrid = ? ORDER BY seq').all(source, controlMRID) as Row[];
    return rows.filter((r) => !meters || meters.includes(r.meter)).map(toCommand);
  }

  async pendingFor(meters: string[]): Promise<Command[]> {
    const rows = this.q(`SELECT * FROM commands WHERE meter IN (SELECT value FROM json_each(?)) AND state IN ('accepted', 'queued') ORDER BY seq`).all(JSON.stringify(meters)) as Row[];
    return rows.map(toCommand);
  }

  async get(commandId: string): Promise<Command | undefined> {
    const row = this.row(commandId);
    return row ? toCommand(row) : undefined;
  }

  async request(source: string, messageId: string) {
    const row = this.requestRow(source, messageId);
    return row ? { request: this.toRequest(row), commands: this.itemsOf(row.id) } : undefined;
  }

  async dueReplies(limit: number) {
    const rows = this.q(`SELECT r.* FROM command_requests r WHERE r.reply_state = 'waiting' AND NOT EXISTS (
      SELECT 1 FROM command_request_items i JOIN commands c ON c.command_id = i.command_id WHERE i.request_id = r.id AND c.state IN ${OPEN})
      ORDER BY r.id LIMIT ?`).all(limit) as RequestRow[];
    return rows.map((r) => ({ request: this.toRequest(r), commands: this.itemsOf(r.id) }));
  }

  async closeRequest(requestId: number, reply: NewOutbound, now: Date): Promise<boolean> {
    return this.db.transaction(() => {
      const changed = this.q(`UPDATE command_requests SET reply_state = 'queued' WHERE id = ? AND reply_state = 'waiting'`).run(requestId);
      if (changed.changes === 1) this.outbox.enqueueSync(reply, now.getTime());
      return changed.changes === 1;
    })();
  }

  async confirm(c: Confirmation): Promise<string | undefined> {
    const row = (c.commandId ? this.row(c.commandId) : undefined) ?? (this.q(`SELECT * FROM commands WHERE meter = ? AND confirmed_by IS NULL
      AND state IN ('sent', 'succeeded') AND kind IN (SELECT value FROM json_each(?)) ORDER BY seq DESC LIMIT 1`).get(c.meter, JSON.stringify(c.kinds)) as Row | undefined);
    if (!row || row.meter !== c.meter) return undefined;
    this.q('UPDATE commands SET confirmed_by = ?, confirmed_at = ? WHERE seq = ? AND confirmed_by IS NULL').run(c.eventType, c.at.getTime(), row.seq);
    return row.command_id;
  }

  async counts(): Promise<Record<CommandState, number>> {
    const out = Object.fromEntries(Object.values(CommandState).map((s) => [s, 0])) as Record<CommandState, number>;
    for (const r of this.q('SELECT state, COUNT(*) AS n FROM commands GROUP BY state').all() as { state: CommandState; n: number }[]) out[r.state] = r.n;
    return out;
  }

  /** Bulk move, checked per source state through the one transition table. */
  private moveWhere(from: CommandState[], to: CommandState, where: string, t: number, detail?: string): number {
    for (const f of from) assertTransition('(bulk)', f, to);
    const states = from.map((s) => `'${s}'`).join(', ');
    const detailSql = detail ? `, detail = replace(@detail, '{end}', strftime('%Y-%m-%dT%H:%M:%SZ', not_after / 1000, 'unixepoch'))` : '';
    return this.q(`UPDATE commands SET state = @to, updated_at = @t, lease_until = 0${detailSql} WHERE state IN (${states}) AND ${where}`)
      .run({ to, t, ...(detail ? { detail } : {}) }).changes;
  }

  private update(commandId: string, to: CommandState, now: Date, set: Record<string, string | number | null>): Promise<Command> {
    return Promise.resolve(this.db.transaction(() => {
      const row = this.row(commandId);
      if (!row) throw new Error(`no command ${commandId}`);
      return this.updateSync(row, to, now, set);
    })());
  }

  private updateSync(row: Row, to: CommandState, now: Date, set: Record<string, string | number | null>): Command {
    assertTransition(row.command_id, row.state, to);
    const cols = Object.keys(set);
    const t = now.getTime();
    const changed = this.q(`UPDATE commands SET state = @to, updated_at = @t${cols.map((k) => `, ${k} = @${k}`).join('')} WHERE seq = @seq AND state = @from`)
      .run({ ...set, to, t, seq: row.seq, from: row.state });
    if (changed.changes !== 1) throw new Error(`command ${row.command_id} changed underneath (${row.state} → ${to})`);
    return toCommand(this.row(row.command_id)!);
  }

  private byKey(commandKey: string): Row {
    return this.q('SELECT * FROM commands WHERE command_key = ?').get(commandKey) as Row;
  }

  private row(commandId: string): Row | undefined {
    return this.q('SELECT * FROM commands WHERE command_id = ?').get(commandId) as Row | undefined;
  }

  private requestRow(source: string, messageId: string): RequestRow | undefined {
    return this.q('SELECT * FROM command_requests WHERE source = ? AND message_id = ?').get(source, messageId) as RequestRow | undefined;
  }

  private itemsOf(requestId: number): Command[] {
    return (this.q(`SELECT c.* FROM command_request_items i JOIN commands c ON c.command_id = i.command_id
      WHERE i.request_id = ? ORDER BY i.position`).all(requestId) as Row[]).map(toCommand);
  }

  private toRequest(r: RequestRow): StoredRequest {
    const ids = (this.q('SELECT command_id FROM command_request_items WHERE request_id = ? ORDER BY position').all(r.id) as { command_id: string }[]).map((x) => x.command_id);
    return {
      id: r.id, source: r.source, messageId: r.message_id, correlationId: r.correlation_id, verb: r.verb, typed: r.typed === 1,
      rewrite: JSON.parse(r.rewrite) as [string, string][], rejected: JSON.parse(r.rejected) as StoredRequest['rejected'], replyState: r.reply_state, commandIds: ids,
      ...(r.reply_address ? { replyAddress: r.reply_address } : {}), ...(r.protocol ? { protocol: r.protocol } : {}),
    };
  }
}

