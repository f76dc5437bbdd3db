import type { DeliveryProtocol, NewOutbound, Outbox, OutboundEntry, OutboxState } from '../../ports/outbox.port.js';
import { migratePg, type Pool, type Queryable } from './pg-database.js';

const MIGRATIONS = [{
  name: 'core-002-outbox',
  sql: `
    CREATE TABLE outbox (
      id BIGSERIAL PRIMARY KEY,
      kind TEXT NOT NULL,
      destination TEXT NOT NULL,
      protocol TEXT NOT NULL,
      message_id TEXT NOT NULL,
      correlation_id TEXT,
      request_message_id TEXT,
      ordering_key TEXT,
      soap_action TEXT,
      body TEXT NOT NULL,
      state TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at TIMESTAMPTZ NOT NULL,
      lease_until TIMESTAMPTZ NOT NULL DEFAULT 'epoch',
      last_error TEXT,
      created_at TIMESTAMPTZ NOT NULL,
      delivered_at TIMESTAMPTZ
    );
    CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE state = 'pending';
    CREATE INDEX outbox_order ON outbox (ordering_key, id) WHERE state = 'pending';
    CREATE INDEX outbox_request ON outbox (request_message_id);
  `,
}];

interface Row {
  id: string; kind: 'reply' | 'event'; destination: string; protocol: DeliveryProtocol; message_id: string;
  correlation_id: string | null; request_message_id: string | null; ordering_key: string | null; soap_action: string | null;
  body: string; state: OutboxState; attempts: number; next_attempt_at: Date; last_error: string | null; created_at: Date; delivered_at: Date | null;
}

function toEntry(r: Row): OutboundEntry {
  const e: OutboundEntry = {
    id: Number(r.id), kind: r.kind, destination: r.destination, protocol: r.protocol, messageId: r.message_id, body: r.body,
    state: r.state, attempts: r.attempts, nextAttemptAt: r.next_attempt_at, createdAt: r.created_at,
  };
  if (r.correlation_id) e.correlationId = r.correlation_id;
  if (r.request_message_id) e.requestMessageId = r.request_message_id;
  if (r.ordering_key) e.orderingKey = r.ordering_key;
  if (r.soap_action) e.soapAction = r.soap_action;
  if (r.last_error) e.lastError = r.last_error;
  if (r.delivered_at) e.deliveredAt = r.delivered_at;
  return e;
}

/**
 * The outbox columns an insert writes, and their values $1..$10 for `entry` ($10: now, due and
 * created). Typed, so they also serve as the select list of an INSERT … SELECT.
 */
export const OUTBOUND_COLUMNS = `kind, destination, protocol, message_id, correlation_id, request_message_id,
      ordering_key, soap_action, body, state, next_attempt_at, created_at`;
export const OUTBOUND_VALUES = `$1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, 'pending', $10::timestamptz, $10::timestamptz`;
export function outboundParams(entry: NewOutbound, now: Date): unknown[] {
  return [entry.kind, entry.destination, entry.protocol, entry.messageId, entry.correlationId ?? null, entry.requestMessageId ?? null,
    entry.orderingKey ?? null, entry.soapAction ?? null, entry.body, now];
}

/** Inserts on any connection, so other adapters can enqueue inside their own transaction. */
export async function insertOutbound(db: Queryable, entry: NewOutbound, now: Date): Promise<number> {
  const res = await db.query<{ id: string }>(`INSERT INTO outbox (${OUTBOUND_COLUMNS}) VALUES (${OUTBOUND_VALUES}) RETURNING id`, outboundParams(entry, now));
  return Number(res.rows[0]!.id);
}

export class PgOutbox implements Outbox {
  private constructor(private readonly pool: Pool) {}

  static async create(pool: Pool): Promise<PgOutbox> {
    await migratePg(pool, MIGRATIONS);
    return new PgOutbox(pool);
  }

  enqueue(entry: NewOutbound, now: Date = new Date()): Promise<number> {
    return insertOutbound(this.pool, entry, now);
  }

  async claimDue(now: Date, limit: number, leaseMs: number): Promise<OutboundEntry[]> {
    // SKIP LOCKED lets several instances work the outbox without handing one entry out twice;
    // the NOT EXISTS keeps a key's later entries behind its pending (even leased) head.
    const res = await this.pool.query<Row>(`WITH due AS (
        SELECT o.id FROM outbox o
        WHERE o.state = 'pending' AND o.next_attempt_at <= $1 AND o.lease_until <= $1
          AND (o.ordering_key IS NULL OR NOT EXISTS (
            SELECT 1 FROM outbox p WHERE p.ordering_key = o.ordering_key AND p.state = 'pending' AND p.id < o.id))
        ORDER BY o.id LIMIT $2 FOR UPDATE SKIP LOCKED)
      UPDATE outbox SET lease_until = $3 FROM due WHERE outbox.id = due.id RETURNING outbox.*`,
    [now, limit, new Date(now.getTime() + leaseMs)]);
    return res.rows.map(toEntry).sort((a, b) => a.id - b.id);
  }

  async markDelivered(id: number, now: Date): Promise<void> {
    await this.pool.query(`UPDATE outbox SET state = 'delivered', delivered_at = $1, attempts = attempts + 1, lease_until = 'epoch' WHERE id = $2`, [now, id]);
  }

  async markFailed(id: number, error: string, retryAt: Date | undefined): Promise<void> {
    await this.pool.query(`UPDATE outbox SET attempts = attempts + 1, last_error = $1, lease_until = 'epoch',
      state = CASE WHEN $2::timestamptz IS NULL THEN 'dead' ELSE state END, next_attempt_at = COALESCE($2::timestamptz, next_attempt_at) WHERE id = $3`,
    [error.slice(0, 2000), retryAt ?? null, id]);
  }

  async forRequest(requestMessageId: string): Promise<OutboundEntry[]> {
    return (await this.pool.query<Row>('SELECT * FROM outbox WHERE request_message_id = $1 ORDER BY id', [requestMessageId])).rows.map(toEntry);
  }

  async backlog(): Promise<{ destination: string; pending: number; dead: number; oldest?: Date }[]> {
    const res = await this.pool.query<{ destination: string; pending: string; dead: string; oldest: Date | null }>(`SELECT destination,
      COUNT(*) FILTER (WHERE state = 'pending') AS pending, COUNT(*) FILTER (WHERE state = 'dead') AS dead,
      MIN(created_at) FILTER (WHERE state = 'pending') AS oldest FROM outbox GROUP BY destination ORDER BY destination`);
    return res.rows.map((r) => ({ destination: r.destination, pending: Number(r.pending), dead: Number(r.dead), ...(r.oldest ? { oldest: r.oldest } : {}) }));
  }
}
