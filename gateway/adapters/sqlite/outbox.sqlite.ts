import type { DeliveryProtocol, NewOutbound, Outbox, OutboundEntry, OutboxState } from '../../ports/outbox.port.js';
import { migrate, statements, type Db } from './sqlite-database.js';

const MIGRATIONS = [{
  name: 'core-002-outbox',
  sql: `
    CREATE TABLE outbox (
      id INTEGER PRIMARY KEY,
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
      next_attempt_at INTEGER NOT NULL,
      lease_until INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      created_at INTEGER NOT NULL,
      delivered_at INTEGER
    );
    CREATE INDEX outbox_pending ON outbox (state, next_attempt_at);
    CREATE INDEX outbox_order ON outbox (ordering_key, id) WHERE state = 'pending';
    CREATE INDEX outbox_request ON outbox (request_message_id);
  `,
}];

interface Row {
  id: number; kind: 'reply' | 'event'; destination: string; protocol: DeliveryProtocol; message_id: string;
  correlation_id: string | null; request_message_id: string | null; ordering_key: string | null;
  soap_action: string | null; body: string; state: OutboxState; attempts: number; next_attempt_at: number;
  last_error: string | null; created_at: number; delivered_at: number | null;
}

function toEntry(r: Row): OutboundEntry {
  const e: OutboundEntry = {
    id: r.id, kind: r.kind, destination: r.destination, protocol: r.protocol, messageId: r.message_id, body: r.body,
    state: r.state, attempts: r.attempts, nextAttemptAt: new Date(r.next_attempt_at), createdAt: new Date(r.created_at),
  };
  if (r.correlation_id) e.correlationId = r.correlation_id;
  if (r.request_message_id) e.requestMessageId = r.request_message_id;
  if (r.ordering_key) e.orderingKey = r.ordering_key;
  if (r.soap_action) e.soapAction = r.soap_action;
  if (r.last_error) e.lastError = r.last_error;
  if (r.delivered_at) e.deliveredAt = new Date(r.delivered_at);
  return e;
}

export class SqliteOutbox implements Outbox {
  private readonly insert;
  private readonly due;
  private readonly lease;
  private readonly sql;

  constructor(private readonly db: Db) {
    migrate(db, MIGRATIONS);
    this.sql = statements(db);
    this.insert = db.prepare(`INSERT INTO outbox (kind, destination, protocol, message_id, correlation_id, request_message_id,
      ordering_key, soap_action, body, state, next_attempt_at, created_at)
      VALUES (@kind, @destination, @protocol, @messageId, @correlationId, @requestMessageId, @orderingKey, @soapAction, @body, 'pending', @now, @now)`);
    // The head of each ordering key only: a later entry waits while an earlier one is pending.
    this.due = db.prepare(`SELECT * FROM outbox o WHERE o.state = 'pending' AND o.next_attempt_at <= @now AND o.lease_until <= @now
      AND (o.ordering_key IS NULL OR NOT EXISTS (
        SELECT 1 FROM outbox p WHERE p.ordering_key = o.ordering_key AND p.state = 'pending' AND p.id < o.id))
      ORDER BY o.id LIMIT @limit`);
    this.lease = db.prepare('UPDATE outbox SET lease_until = ? WHERE id = ?');
  }

  /** Synchronous insert, for adapters that enqueue inside their own transaction. */
  enqueueSync(entry: NewOutbound, now = Date.now()): number {
    return Number(this.insert.run({
      kind: entry.kind, destination: entry.destination, protocol: entry.protocol, messageId: entry.messageId,
      correlationId: entry.correlationId ?? null, requestMessageId: entry.requestMessageId ?? null,
      orderingKey: entry.orderingKey ?? null, soapAction: entry.soapAction ?? null, body: entry.body, now,
    }).lastInsertRowid);
  }

  async enqueue(entry: NewOutbound, now: Date = new Date()): Promise<number> {
    return this.enqueueSync(entry, now.getTime());
  }

  async claimDue(now: Date, limit: number, leaseMs: number): Promise<OutboundEntry[]> {
    return this.db.transaction(() => {
      const rows = this.due.all({ now: now.getTime(), limit }) as Row[];
      for (const r of rows) this.lease.run(now.getTime() + leaseMs, r.id);
      return rows.map(toEntry);
    })();
  }

  async markDelivered(id: number, now: Date): Promise<void> {
    this.sql(`UPDATE outbox SET state = 'delivered', delivered_at = ?, attempts = attempts + 1, lease_until = 0 WHERE id = ?`).run(now.getTime(), id);
  }

  async markFailed(id: number, error: string, retryAt: Date | undefined): Promise<void> {
    this.sql(`UPDATE outbox SET attempts = attempts + 1, last_error = ?, lease_until = 0,
      state = CASE WHEN ? IS NULL THEN 'dead' ELSE state END, next_attempt_at = COALESCE(?, next_attempt_at) WHERE id = ?`)
      .run(error.slice(0, 2000), retryAt?.getTime() ?? null, retryAt?.getTime() ?? null, id);
  }

  async forRequest(requestMessageId: string): Promise<OutboundEntry[]> {
    return (this.sql('SELECT * FROM outbox WHERE request_message_id = ? ORDER BY id').all(requestMessageId) as Row[]).map(toEntry);
  }

  async backlog(): Promise<{ destination: string; pending: number; dead: number; oldest?: Date }[]> {
    const rows = this.sql(`SELECT destination, SUM(state = 'pending') AS pending, SUM(state = 'dead') AS dead,
      MIN(CASE WHEN state = 'pending' THEN created_at END) AS oldest FROM outbox GROUP BY destination ORDER BY destination`).all() as
      { destination: string; pending: number; dead: number; oldest: number | null }[];
    return rows.map((r) => ({ destination: r.destination, pending: r.pending, dead: r.dead, ...(r.oldest ? { oldest: new Date(r.oldest) } : {}) }));
  }
}
