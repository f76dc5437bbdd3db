import type { Command, CommandRequest, NewCommand, StoredRequest } from '../../domain/commands/command.js';
import { assertTransition, canMove, CommandState } from '../../domain/commands/command-state.js';
import type { AcceptResult, CommandOutcome, CommandQueue, Confirmation } from '../../ports/command-queue.port.js';
import type { NewOutbound } from '../../ports/outbox.port.js';
import { insertOutbound } from './outbox.postgres.js';
import { migratePg, transaction, type Client, type Pool, type Queryable } from './pg-database.js';
import { RunAlone, StatementBatch } from './statement-batch.js';
import { COMMAND_MIGRATIONS } from './command-schema.postgres.js';
import { fromJson, requestFromJson, toCommand, toRequest, type JsonRow, type RequestRow, type Row } from './command-rows.postgres.js';

const OPEN = `('accepted', 'queued', 'sent')`;

/** Columns finish / retry set, with their types for the batched UPDATE's unnest. */
const UPDATE_TYPES: Record<string, string> = { detail: 'text', result_values: 'jsonb', lease_until: 'timestamptz', next_attempt_at: 'timestamptz' };

interface Update { commandId: string; now: Date; values: unknown[] }

const byDispatchOrder = (a: Command, b: Command) => b.priority - a.priority || a.seq - b.seq;

/**
 * The command queue on PostgreSQL, for several gateway instances on one database. Replies are
 * queued into the same database's outbox (create PgOutbox on the pool first).
 */
export class PgCommandQueue implements CommandQueue {
  /** finish / retry, one batch per (target state, columns set). */
  private readonly updates = new Map<string, StatementBatch<Update, Row | undefined>>();
  /** The workers' reads of the commands they were handed, one SELECT per event-loop turn. */
  private readonly reads: StatementBatch<string, Row | undefined>;

  private constructor(private readonly pool: Pool) {
    this.reads = new StatementBatch((id) => this.row(pool, id), async (ids) => {
      const rows = new Map((await pool.query<Row>({ name: 'commands-get-many', text: 'SELECT * FROM commands WHERE command_id = ANY($1::text[])', values: [ids] }))
        .rows.map((r) => [r.command_id, r]));
      return ids.map((id) => rows.get(id));
    });
  }

  static async create(pool: Pool): Promise<PgCommandQueue> {
    const outbox = await pool.query<{ t: string | null }>(`SELECT to_regclass('outbox')::text AS t`);
    if (!outbox.rows[0]?.t) throw new Error('PgCommandQueue needs the outbox table: create PgOutbox on this pool first');
    await migratePg(pool, COMMAND_MIGRATIONS);
    return new PgCommandQueue(pool);
  }

  /**
   * The request and its commands in one transaction, in one round trip (command_accept, migration
   * commands-002). A concurrent accept of the same key makes this wait for its commit, then insert
   * nothing and answer the stored request. Sequence numbers are taken at insert but become visible
   * at commit: without the meter lock, an instance could commit seq 11 of a meter, have it leased,
   * and only then another commit seq 10 — two in flight for one meter. Holding the meters' rows
   * until commit makes per-meter seq order the commit order. Sorted, so two accepts lock in the
   * same order and cannot deadlock; a DO UPDATE that never updates locks the existing rows without
   * writing new versions. The lock reads the request's RETURNING, so it runs only once the request
   * is in (a duplicate waiting on the key holds no meter meanwhile) and still before any seq is taken.
   */
  async accept(request: CommandRequest, commands: NewCommand[], now: Date): Promise<AcceptResult> {
    const col = <K extends keyof NewCommand>(k: K) => commands.map((x) => x[k] ?? null);
    const res = await this.pool.query<{ r: { created: boolean; request: JsonRow<RequestRow>; commands: JsonRow<Row>[] } }>({
      name: 'command-accept',
      text: `SELECT command_accept($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::text[], $13::text[], $14::text[], $15::text[], $16::text[],
        $17::text[], $18::text[], $19::text[], $20::jsonb[], $21::int[], $22::timestamptz[], $23::timestamptz[], $24::text[]) AS r`,
      values: [request.source, request.messageId, request.correlationId, request.verb, request.replyAddress ?? null, request.protocol ?? null, request.typed,
        JSON.stringify(request.rewrite), JSON.stringify(request.rejected), request.replyAddress ? 'waiting' : 'none', now, col('meter'),
        col('commandId'), col('commandKey'), col('deviceLabel'), col('kind'), col('controlType'), col('controlMRID'), col('source'),
        commands.map((x) => JSON.stringify(x.params)), col('priority'), col('notBefore'), col('notAfter'), col('reason')],
    });
    const { created, request: stored, commands: rows } = res.rows[0]!.r;
    const items = rows.map((r) => toCommand(fromJson(r)));
    return { request: toRequest(requestFromJson(stored), items), commands: items, created };
  }

  promote(now: Date): Promise<number> {
    return transaction(this.pool, async (c) => {
      const expired = await this.moveWhere(c, ['accepted', 'queued'], 'expired', 'not_after IS NOT NULL AND not_after < $1', now,
        'execution window ended at {end} before the command could be sent');
      const opened = await this.moveWhere(c, ['accepted'], 'queued', '(not_before IS NULL OR not_before <= $1)', now);
      return expired + opened;
    });
  }

  lease(now: Date, limit: number, leaseMs: number): Promise<Command[]> {
    return transaction(this.pool, async (c) => {
      // SKIP LOCKED: two instances never take one command; a row another instance leased and committed
      // meanwhile is re-checked on its new version (lease_until in the future) and dropped. The NOT
      // EXISTS keeps each meter to its oldest unfinished command; accept's meter lock makes "oldest"
      // visible before anything newer of that meter is.
      const rows = (await c.query<Row>(`SELECT c.* FROM commands c
        WHERE c.state IN ('queued', 'sent') AND c.next_attempt_at <= $1 AND c.lease_until <= $1
          AND NOT EXISTS (SELECT 1 FROM commands p WHERE p.meter = c.meter AND p.seq < c.seq AND p.state IN ${OPEN})
        ORDER BY c.priority DESC, c.seq LIMIT $2 FOR UPDATE OF c SKIP LOCKED`, [now, limit])).rows;
      if (rows.length === 0) return [];
      // A resend of a command already sent (its lease ran out: the process died mid-call) keeps its state.
      for (const r of rows) if (r.state !== 'sent') assertTransition(r.command_id, r.state, 'sent');
      const updated = await c.query<Row>(`UPDATE commands SET state = 'sent', attempts = attempts + 1, lease_until = $1, updated_at = $2
        WHERE seq = ANY($3::bigint[]) RETURNING *`, [new Date(now.getTime() + leaseMs), now, rows.map((r) => r.seq)]);
      return updated.rows.map(toCommand).sort(byDispatchOrder);
    });
  }

  finish(commandId: string, outcome: CommandOutcome, now: Date): Promise<Command> {
    return this.update(commandId, outcome.state, now,
      { detail: outcome.detail ?? null, result_values: outcome.values ? JSON.stringify(outcome.values) : null, lease_until: new Date(0) });
  }

  retry(commandId: string, error: string, retryAt: Date, now: Date): Promise<Command> {
    return this.update(commandId, 'queued', now, { detail: error.slice(0, 2000), next_attempt_at: retryAt, lease_until: new Date(0) });
  }

  cancel(commandIds: string[], reason: string, now: Date): Promise<Command[]> {
    return transaction(this.pool, async (c) => {
      // Locked together in seq order, so concurrent cancels and updates cannot deadlock.
      const locked = (await c.query<Row>('SELECT * FROM commands WHERE command_id = ANY($1::text[]) ORDER BY seq FOR UPDATE', [commandIds])).rows;
      const rows = new Map(locked.map((r) => [r.command_id, r]));
      const out: Command[] = [];
      for (const id of commandIds) {
        const row = rows.get(id);
        if (!row) throw new Error(`no command ${id}`);
        if (row.state !== 'accepted' && row.state !== 'queued') {
          out.push(toCommand(row));
          continue;
        }
        const changed = await this.updateLocked(c, row, 'canceled', now, { detail: reason });
        rows.set(id, changed);
        out.push(toCommand(changed));
      }
      return out;
    });
  }

  async byControl(source: string, controlMRID: string, meters?: string[]): Promise<Command[]> {
    const rows = await this.pool.query<Row>(`SELECT * FROM commands WHERE source = $1 AND control_mrid = $2
      AND ($3::text[] IS NULL OR meter = ANY($3::text[])) ORDER BY seq`, [source, controlMRID, meters ?? null]);
    return rows.rows.map(toCommand);
  }

  async pendingFor(meters: string[]): Promise<Command[]> {
    const rows = await this.pool.query<Row>(`SELECT * FROM commands WHERE meter = ANY($1::text[]) AND state IN ('accepted', 'queued') ORDER BY seq`, [meters]);
    return rows.rows.map(toCommand);
  }

  async get(commandId: string): Promise<Command | undefined> {
    const row = await this.reads.run(commandId);
    return row ? toCommand(row) : undefined;
  }

  async request(source: string, messageId: string): Promise<{ request: StoredRequest; commands: Command[] } | undefined> {
    const row = await this.requestRow(this.pool, source, messageId);
    if (!row) return undefined;
    const commands = (await this.itemsOf(this.pool, [row.id])).get(row.id) ?? [];
    return { request: toRequest(row, commands), commands };
  }

  async dueReplies(limit: number): Promise<{ request: StoredRequest; commands: Command[] }[]> {
    const rows = (await this.pool.query<RequestRow>(`SELECT r.* FROM command_requests r WHERE r.reply_state = 'waiting' AND NOT EXISTS (
      SELECT 1 FROM command_request_items i JOIN commands c ON c.command_id = i.command_id WHERE i.request_id = r.id AND c.state IN ${OPEN})
      ORDER BY r.id LIMIT $1`, [limit])).rows;
    const items = await this.itemsOf(this.pool, rows.map((r) => r.id));
    return rows.map((r) => {
      const commands = items.get(r.id) ?? [];
      return { request: toRequest(r, commands), commands };
    });
  }

  closeRequest(requestId: number, reply: NewOutbound, now: Date): Promise<boolean> {
    return transaction(this.pool, async (c) => {
      // Two instances may both see the request due: the guarded UPDATE lets exactly one queue its reply.
      const changed = await c.query(`UPDATE command_requests SET reply_state = 'queued' WHERE id = $1 AND reply_state = 'waiting'`, [requestId]);
      if (changed.rowCount === 1) await insertOutbound(c, reply, now);
      return changed.rowCount === 1;
    });
  }

  async confirm(conf: Confirmation): Promise<string | undefined> {
    const row = (conf.commandId ? await this.row(this.pool, conf.commandId) : undefined) ?? (await this.pool.query<Row>(`SELECT * FROM commands
      WHERE meter = $1 AND confirmed_by IS NULL AND state IN ('sent', 'succeeded') AND kind = ANY($2::text[]) ORDER BY seq DESC LIMIT 1`,
    [conf.meter, conf.kinds])).rows[0];
    if (!row || row.meter !== conf.meter) return undefined;
    await this.pool.query('UPDATE commands SET confirmed_by = $1, confirmed_at = $2 WHERE seq = $3 AND confirmed_by IS NULL', [conf.eventType, conf.at, row.seq]);
    return row.command_id;
  }

  async counts(): Promise<Record<CommandState, number>> {
    const out = Object.fromEntries(Object.values(CommandState).map((s) => [s, 0])) as Record<CommandState, number>;
    const rows = await this.pool.query<{ state: CommandState; n: string }>('SELECT state, COUNT(*) AS n FROM commands GROUP BY state');
    for (const r of rows.rows) out[r.state] = Number(r.n);
    return out;
  }

  /**
   * Bulk move, checked per source state through the one transition table. SKIP LOCKED: a row
   * another instance holds (being leased, canceled) is left to the next pass instead of waited
   * for, so concurrent promotes never deadlock on each other's row order.
   */
  private async moveWhere(c: Client, from: CommandState[], to: CommandState, where: string, now: Date, detail?: string): Promise<number> {
    for (const f of from) assertTransition('(bulk)', f, to);
    const detailSql = detail ? `, detail = replace($4, '{end}', to_char(commands.not_after AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))` : '';
    const res = await c.query(`WITH m AS (SELECT seq FROM commands WHERE state = ANY($2::text[]) AND ${where} FOR UPDATE SKIP LOCKED)
      UPDATE commands SET state = $3, updated_at = $1, lease_until = 'epoch'${detailSql}
      FROM m WHERE commands.seq = m.seq AND commands.state = ANY($2::text[])`, [now, from, to, ...(detail ? [detail] : [])]);
    return res.rowCount ?? 0;
  }

  /**
   * One autocommitted statement (a worker records every outcome through it), shared by the outcomes
   * of the same kind recorded in one event-loop turn: the UPDATE takes each row lock and re-checks
   * its guard — a state from which the transition table allows `to` — on the row's latest version.
   * Only when nothing matched is the row read, to name what was wrong.
   */
  private async update(commandId: string, to: CommandState, now: Date, set: Record<string, unknown>): Promise<Command> {
    const cols = Object.keys(set);
    const key = `${to}:${cols.join(',')}`;
    let batch = this.updates.get(key);
    if (!batch) this.updates.set(key, (batch = this.updateBatch(to, cols)));
    const updated = await batch.run({ commandId, now, values: Object.values(set) });
    if (updated) return toCommand(updated);
    const row = await this.row(this.pool, commandId);
    if (!row) throw new Error(`no command ${commandId}`);
    assertTransition(row.command_id, row.state, to);
    throw new Error(`command ${commandId} changed underneath (→ ${to})`);
  }

  private updateBatch(to: CommandState, cols: string[]): StatementBatch<Update, Row | undefined> {
    const from = Object.values(CommandState).filter((s) => canMove(s, to));
    const name = `command-update-${to}-${cols.join('-')}`;
    const types = cols.map((k) => {
      const t = UPDATE_TYPES[k];
      if (!t) throw new Error(`command update: no type known for column ${k}`);
      return t;
    });
    return new StatementBatch<Update, Row | undefined>(async (u) => (await this.pool.query<Row>({ name,
      text: `UPDATE commands SET state = $1, updated_at = $2${cols.map((k, i) => `, ${k} = $${i + 5}`).join('')}
        WHERE command_id = $3 AND state = ANY($4::text[]) RETURNING *`, values: [to, u.now, u.commandId, from, ...u.values] })).rows[0], async (us) => {
      // One command twice in one batch (a redelivery racing its first delivery): one by one, as before.
      if (new Set(us.map((u) => u.commandId)).size !== us.length) throw new RunAlone('a command twice in one batch');
      const rows = (await this.pool.query<Row>({ name: `${name}-many`,
        text: `UPDATE commands c SET state = $1, updated_at = v.updated_at${cols.map((k) => `, ${k} = v.${k}`).join('')}
          FROM unnest($3::text[], $4::timestamptz[]${types.map((t, i) => `, $${i + 5}::${t}[]`).join('')}) AS v(command_id, updated_at${cols.map((k) => `, ${k}`).join('')})
          WHERE c.command_id = v.command_id AND c.state = ANY($2::text[]) RETURNING c.*`,
        values: [to, from, us.map((u) => u.commandId), us.map((u) => u.now), ...cols.map((_, i) => us.map((u) => u.values[i]))] })).rows;
      const byId = new Map(rows.map((r) => [r.command_id, r]));
      return us.map((u) => byId.get(u.commandId));
    });
  }

  /** `row` is locked by the caller's transaction; the state guard is a second line behind that lock. */
  private async updateLocked(c: Client, row: Row, to: CommandState, now: Date, set: Record<string, unknown>): Promise<Row> {
    assertTransition(row.command_id, row.state, to);
    const cols = Object.keys(set);
    const res = await c.query<Row>(`UPDATE commands SET state = $1, updated_at = $2${cols.map((k, i) => `, ${k} = $${i + 5}`).join('')}
      WHERE seq = $3 AND state = $4 RETURNING *`, [to, now, row.seq, row.state, ...Object.values(set)]);
    if (res.rowCount !== 1) throw new Error(`command ${row.command_id} changed underneath (${row.state} → ${to})`);
    return res.rows[0]!;
  }

  private async row(db: Queryable, commandId: string): Promise<Row | undefined> {
    return (await db.query<Row>({ name: 'commands-get', text: 'SELECT * FROM commands WHERE command_id = $1', values: [commandId] })).rows[0];
  }

  private async requestRow(db: Queryable, source: string, messageId: string): Promise<RequestRow | undefined> {
    return (await db.query<RequestRow>('SELECT * FROM command_requests WHERE source = $1 AND message_id = $2', [source, messageId])).rows[0];
  }

  /** Each request's commands in request order, keyed by request id (as PostgreSQL returns it). */
  private async itemsOf(db: Queryable, requestIds: string[]): Promise<Map<string, Command[]>> {
    const out = new Map<string, Command[]>();
    if (requestIds.length === 0) return out;
    const rows = await db.query<Row & { request_id: string }>(`SELECT i.request_id, c.* FROM command_request_items i JOIN commands c ON c.command_id = i.command_id
      WHERE i.request_id = ANY($1::bigint[]) ORDER BY i.request_id, i.position`, [requestIds]);
    for (const r of rows.rows) {
      const list = out.get(r.request_id) ?? [];
      list.push(toCommand(r));
      out.set(r.request_id, list);
    }
    return out;
  }
}
