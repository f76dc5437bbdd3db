import type { Command, CommandRequest, NewCommand, StoredRequest } from '../../domain/commands/command.js';
import { assertTransition, canMove, CommandState } from '../../domain/commands/command-state.js';
import type { AcceptResult, CommandOutcome, CommandQueue, Confirmation } from '../../ports/command-queue.port.js';
import type { NewOutbound } from '../../ports/outbox.port.js';
import { insertOutbound } from './outbox.postgres.js';
import { migratePg, transaction, type Client, type Pool, type Queryable } from './pg-database.js';
import { StatementBatch } from './statement-batch.js';

const MIGRATIONS = [{
  name: 'commands-001-queue',
  sql: `
    CREATE TABLE command_requests (
      id BIGSERIAL PRIMARY KEY, source TEXT NOT NULL, message_id TEXT NOT NULL, correlation_id TEXT NOT NULL, verb TEXT NOT NULL,
      reply_address TEXT, protocol TEXT, typed BOOLEAN NOT NULL, rewrite JSONB NOT NULL, rejected JSONB NOT NULL,
      reply_state TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL, UNIQUE (source, message_id)
    );
    CREATE INDEX command_requests_waiting ON command_requests (id) WHERE reply_state = 'waiting';
    CREATE TABLE commands (
      seq BIGSERIAL PRIMARY KEY, command_id TEXT NOT NULL UNIQUE, command_key TEXT NOT NULL UNIQUE,
      meter TEXT NOT NULL, device_label TEXT NOT NULL, kind TEXT NOT NULL, control_type TEXT NOT NULL, control_mrid TEXT,
      source TEXT NOT NULL, params JSONB NOT NULL, priority INTEGER NOT NULL, not_before TIMESTAMPTZ, not_after TIMESTAMPTZ, reason TEXT,
      state TEXT NOT NULL CHECK (state IN ('accepted', 'queued', 'sent', 'succeeded', 'failed', 'expired', 'canceled', 'dead')),
      attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TIMESTAMPTZ NOT NULL, lease_until TIMESTAMPTZ NOT NULL DEFAULT 'epoch',
      detail TEXT, result_values JSONB, confirmed_by TEXT, confirmed_at TIMESTAMPTZ, created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL
    );
    -- Partial: the "older open command of this meter?" probe of every lease must not walk a meter's whole history.
    CREATE INDEX commands_meter_open ON commands (meter, seq) WHERE state IN ('accepted', 'queued', 'sent');
    CREATE INDEX commands_meter ON commands (meter, seq);
    CREATE INDEX commands_dispatch ON commands (priority DESC, seq) WHERE state IN ('queued', 'sent');
    CREATE INDEX commands_waiting ON commands (not_before) WHERE state = 'accepted';
    CREATE INDEX commands_window ON commands (not_after) WHERE state IN ('accepted', 'queued') AND not_after IS NOT NULL;
    CREATE INDEX commands_control ON commands (source, control_mrid);
    CREATE TABLE command_request_items (
      request_id BIGINT NOT NULL REFERENCES command_requests (id), position INTEGER NOT NULL, command_id TEXT NOT NULL,
      PRIMARY KEY (request_id, position)
    );
    CREATE INDEX command_request_items_command ON command_request_items (command_id);
    -- One row per meter that ever had a command: accept locks its meters' rows until commit, so two
    -- instances accepting for one meter commit in seq order (see accept).
    CREATE TABLE command_meters (meter TEXT PRIMARY KEY);
  `,
}, {
  // accept's statements, unchanged and in the same order, run server-side: one round trip (and its
  // autocommit) instead of BEGIN, three statements and COMMIT, each of which costs this process an
  // event-loop turn while it holds a pooled connection (docs/benchmarks.md, "Cluster profile").
  // VOLATILE: in READ COMMITTED each statement takes a fresh snapshot, exactly as the separate
  // statements of one transaction did — the items statement sees the commands inserted (or committed
  // by a concurrent accept of the same key) before it, and the lookup of an existing request sees the
  // request whose key we waited on.
  name: 'commands-002-accept-function',
  sql: `
    CREATE FUNCTION command_accept(
      p_source TEXT, p_message_id TEXT, p_correlation_id TEXT, p_verb TEXT, p_reply_address TEXT, p_protocol TEXT, p_typed BOOLEAN,
      p_rewrite JSONB, p_rejected JSONB, p_reply_state TEXT, p_now TIMESTAMPTZ, p_meters TEXT[],
      p_command_id TEXT[], p_command_key TEXT[], p_device_label TEXT[], p_kind TEXT[], p_control_type TEXT[], p_control_mrid TEXT[],
      p_command_source TEXT[], p_params JSONB[], p_priority INTEGER[], p_not_before TIMESTAMPTZ[], p_not_after TIMESTAMPTZ[], p_reason TEXT[]
    ) RETURNS JSONB LANGUAGE plpgsql VOLATILE AS $fn$
    DECLARE
      req command_requests;
      created BOOLEAN := true;
    BEGIN
      -- The request and its meters' locks (see accept in command-queue.postgres.ts for why).
      WITH r AS (
        INSERT INTO command_requests (source, message_id, correlation_id, verb, reply_address, protocol, typed, rewrite, rejected, reply_state, created_at)
        VALUES (p_source, p_message_id, p_correlation_id, p_verb, p_reply_address, p_protocol, p_typed, p_rewrite, p_rejected, p_reply_state, p_now)
        ON CONFLICT (source, message_id) DO NOTHING RETURNING *),
      locked AS (
        INSERT INTO command_meters (meter) SELECT m FROM unnest(p_meters) AS m WHERE EXISTS (SELECT 1 FROM r) GROUP BY m ORDER BY m COLLATE "C"
        ON CONFLICT (meter) DO UPDATE SET meter = EXCLUDED.meter WHERE false)
      SELECT * INTO req FROM r;
      IF req.id IS NULL THEN
        created := false;
        SELECT * INTO req FROM command_requests WHERE source = p_source AND message_id = p_message_id;
        IF req.id IS NULL THEN
          RAISE EXCEPTION 'command request %/% vanished during accept', p_source, p_message_id;
        END IF;
      ELSIF cardinality(p_command_key) > 0 THEN
        -- A command key seen before (the same control re-sent without MessageID) joins this request as it is.
        INSERT INTO commands (command_id, command_key, meter, device_label, kind, control_type, control_mrid, source, params,
          priority, not_before, not_after, reason, state, next_attempt_at, created_at, updated_at)
        SELECT x.command_id, x.command_key, x.meter, x.device_label, x.kind, x.control_type, x.control_mrid, x.source, x.params,
          x.priority, x.not_before, x.not_after, x.reason, 'accepted', COALESCE(x.not_before, p_now), p_now, p_now
        FROM unnest(p_command_id, p_command_key, p_meters, p_device_label, p_kind, p_control_type, p_control_mrid, p_command_source, p_params,
          p_priority, p_not_before, p_not_after, p_reason) WITH ORDINALITY
          AS x(command_id, command_key, meter, device_label, kind, control_type, control_mrid, source, params, priority, not_before, not_after, reason, ord)
        ORDER BY x.ord
        ON CONFLICT DO NOTHING;
        INSERT INTO command_request_items (request_id, position, command_id)
        SELECT req.id, k.ord - 1, c.command_id FROM unnest(p_command_key) WITH ORDINALITY AS k(key, ord) JOIN commands c ON c.command_key = k.key;
      END IF;
      RETURN jsonb_build_object('created', created, 'request', to_jsonb(req), 'commands', COALESCE((
        SELECT jsonb_agg(to_jsonb(c) ORDER BY i.position) FROM command_request_items i JOIN commands c ON c.command_id = i.command_id
        WHERE i.request_id = req.id), '[]'::jsonb));
    END
    $fn$;
  `,
}];

const OPEN = `('accepted', 'queued', 'sent')`;

interface Row {
  seq: string; command_id: string; command_key: string; meter: string; device_label: string; kind: Command['kind']; control_type: string;
  control_mrid: string | null; source: string; params: Command['params']; priority: number; not_before: Date | null; not_after: Date | null;
  reason: string | null; state: CommandState; attempts: number; next_attempt_at: Date; detail: string | null; result_values: Record<string, number> | null;
  confirmed_by: string | null; confirmed_at: Date | null; created_at: Date; updated_at: Date;
}

interface RequestRow {
  id: string; source: string; message_id: string; correlation_id: string; verb: string; reply_address: string | null; protocol: 'SOAP' | 'REST' | null;
  typed: boolean; rewrite: [string, string][]; rejected: StoredRequest['rejected']; reply_state: StoredRequest['replyState'];
}

function toCommand(r: Row): Command {
  const c: Command = {
    commandId: r.command_id, commandKey: r.command_key, meter: r.meter, deviceLabel: r.device_label, kind: r.kind, controlType: r.control_type,
    source: r.source, params: r.params, priority: r.priority, state: r.state, seq: Number(r.seq), attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at, createdAt: r.created_at, updatedAt: r.updated_at,
  };
  if (r.control_mrid !== null) c.controlMRID = r.control_mrid;
  if (r.not_before !== null) c.notBefore = r.not_before;
  if (r.not_after !== null) c.notAfter = r.not_after;
  if (r.reason !== null) c.reason = r.reason;
  if (r.detail !== null) c.detail = r.detail;
  if (r.result_values !== null) c.values = r.result_values;
  if (r.confirmed_by !== null) c.confirmedBy = r.confirmed_by;
  if (r.confirmed_at !== null) c.confirmedAt = r.confirmed_at;
  return c;
}

function toRequest(r: RequestRow, commands: Command[]): StoredRequest {
  return {
    id: Number(r.id), source: r.source, messageId: r.message_id, correlationId: r.correlation_id, verb: r.verb, typed: r.typed,
    rewrite: r.rewrite, rejected: r.rejected, replyState: r.reply_state, commandIds: commands.map((c) => c.commandId),
    ...(r.reply_address ? { replyAddress: r.reply_address } : {}), ...(r.protocol ? { protocol: r.protocol } : {}),
  };
}

/** A row as to_jsonb writes it: timestamps are ISO strings, bigints numbers. */
type JsonRow<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

const dateOf = (v: string | null): Date | null => (v === null ? null : new Date(v));

function fromJson(r: JsonRow<Row>): Row {
  return {
    ...r, seq: String(r.seq), not_before: dateOf(r.not_before), not_after: dateOf(r.not_after), next_attempt_at: new Date(r.next_attempt_at),
    confirmed_at: dateOf(r.confirmed_at), created_at: new Date(r.created_at), updated_at: new Date(r.updated_at),
  };
}

const requestFromJson = (r: JsonRow<RequestRow>): RequestRow => ({ ...r, id: String(r.id) });

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
    await migratePg(pool, MIGRATIONS);
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
      if (new Set(us.map((u) => u.commandId)).size !== us.length) throw new Error('a command twice in one batch');
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
