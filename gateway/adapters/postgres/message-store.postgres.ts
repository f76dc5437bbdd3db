import type { NewOutbound } from '../../ports/outbox.port.js';
import type { ClaimResult, InboundJob, MessageKey, MessageStatus, MessageStore, NewJob, StoredResponse } from '../../ports/message-store.port.js';
import { insertOutbound } from './outbox.postgres.js';
import { migratePg, transaction, type Pool } from './pg-database.js';
import { RunAlone, StatementBatch } from './statement-batch.js';

const MIGRATIONS = [{
  name: 'core-001-messages',
  sql: `
    CREATE TABLE idempotency (
      source TEXT NOT NULL,
      message_id TEXT NOT NULL,
      verb TEXT,
      noun TEXT,
      state TEXT NOT NULL,
      response TEXT,
      lease_until TIMESTAMPTZ NOT NULL,
      received_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (source, message_id)
    );
    CREATE INDEX idempotency_message ON idempotency (message_id);
    CREATE TABLE inbound_jobs (
      id BIGSERIAL PRIMARY KEY,
      source TEXT NOT NULL,
      message_id TEXT NOT NULL,
      message TEXT NOT NULL,
      reply_address TEXT NOT NULL,
      protocol TEXT NOT NULL,
      typed BOOLEAN NOT NULL,
      rewrite TEXT NOT NULL,
      state TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      lease_until TIMESTAMPTZ NOT NULL DEFAULT 'epoch',
      last_error TEXT,
      created_at TIMESTAMPTZ NOT NULL,
      finished_at TIMESTAMPTZ,
      UNIQUE (source, message_id)
    );
    CREATE INDEX inbound_jobs_pending ON inbound_jobs (lease_until) WHERE state = 'pending';
  `,
}];

const INSERT_CLAIM = `INSERT INTO idempotency (source, message_id, verb, noun, state, lease_until, received_at)
  VALUES ($1, $2, $3, $4, 'in-progress', $5, $6) ON CONFLICT DO NOTHING`;

interface ClaimRow { source: string; messageId: string; verb: string; noun: string; leaseUntil: Date; now: Date }
interface CompleteRow { source: string; messageId: string; message: string }

interface JobRow {
  id: string; source: string; message_id: string; message: string; reply_address: string; protocol: 'SOAP' | 'REST';
  typed: boolean; rewrite: string; attempts: number;
}

export class PgMessageStore implements MessageStore {
  /** First claims of new keys and completions, group-committed per event-loop turn (statement-batch.ts). */
  private readonly claims: StatementBatch<ClaimRow, boolean>;
  private readonly completions: StatementBatch<CompleteRow, void>;

  private constructor(private readonly pool: Pool) {
    this.claims = new StatementBatch(async (k) => (await pool.query({ name: 'idempotency-claim', text: INSERT_CLAIM,
      values: [k.source, k.messageId, k.verb, k.noun, k.leaseUntil, k.now] })).rowCount === 1, async (ks) => {
      const won = new Set((await pool.query<{ source: string; message_id: string }>({ name: 'idempotency-claim-many',
        text: `INSERT INTO idempotency (source, message_id, verb, noun, state, lease_until, received_at)
          SELECT k.source, k.message_id, k.verb, k.noun, 'in-progress', k.lease_until, k.received_at
          FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[]) WITH ORDINALITY
            AS k(source, message_id, verb, noun, lease_until, received_at, ord)
          ORDER BY k.ord ON CONFLICT DO NOTHING RETURNING source, message_id`,
        values: [ks.map((k) => k.source), ks.map((k) => k.messageId), ks.map((k) => k.verb), ks.map((k) => k.noun), ks.map((k) => k.leaseUntil), ks.map((k) => k.now)],
      })).rows.map((r) => JSON.stringify([r.source, r.message_id])));
      // The same key twice in one batch: the row went in once, so only the first of them holds the claim.
      return ks.map((k) => won.delete(JSON.stringify([k.source, k.messageId])));
    });
    this.completions = new StatementBatch(async (k) => {
      await pool.query({ name: 'idempotency-complete', text: `UPDATE idempotency SET state = 'done', response = $1 WHERE source = $2 AND message_id = $3`,
        values: [k.message, k.source, k.messageId] });
    }, async (ks) => {
      // Which of two answers for one key an UPDATE … FROM keeps is unspecified: such a batch goes one by one.
      if (new Set(ks.map((k) => JSON.stringify([k.source, k.messageId]))).size !== ks.length) throw new RunAlone('a key twice in one batch');
      await pool.query({ name: 'idempotency-complete-many', text: `UPDATE idempotency i SET state = 'done', response = k.response
        FROM unnest($1::text[], $2::text[], $3::text[]) AS k(source, message_id, response) WHERE i.source = k.source AND i.message_id = k.message_id`,
      values: [ks.map((k) => k.source), ks.map((k) => k.messageId), ks.map((k) => k.message)] });
      return ks.map(() => undefined);
    });
  }

  static async create(pool: Pool): Promise<PgMessageStore> {
    await migratePg(pool, MIGRATIONS);
    return new PgMessageStore(pool);
  }

  async claim(key: MessageKey, meta: { verb: string; noun: string }, now: Date, leaseSeconds: number): Promise<ClaimResult> {
    const leaseUntil = new Date(now.getTime() + leaseSeconds * 1000);
    // The common case — a key never seen — is one autocommitted statement shared with the claims
    // of the same loop turn: no BEGIN/COMMIT round trips, one WAL flush for all of them. A concurrent
    // duplicate conflicts on the primary key either way.
    if (await this.claims.run({ source: key.source, messageId: key.messageId, verb: meta.verb, noun: meta.noun, leaseUntil, now })) return { state: 'claimed' };
    return transaction(this.pool, async (c): Promise<ClaimResult> => {
      // Released (deleted) since the insert above: claim it now, as a first insert would have.
      const again = await c.query({ name: 'idempotency-claim', text: INSERT_CLAIM, values: [key.source, key.messageId, meta.verb, meta.noun, leaseUntil, now] });
      if (again.rowCount === 1) return { state: 'claimed' };
      const row = (await c.query<{ state: string; response: string | null; lease_until: Date }>(
        'SELECT state, response, lease_until FROM idempotency WHERE source = $1 AND message_id = $2 FOR UPDATE', [key.source, key.messageId])).rows[0];
      if (!row) return { state: 'in-progress' };
      if (row.state === 'done' && row.response) return { state: 'done', response: { message: row.response } };
      if (row.lease_until.getTime() <= now.getTime()) {
        await c.query('UPDATE idempotency SET lease_until = $1 WHERE source = $2 AND message_id = $3', [leaseUntil, key.source, key.messageId]);
        return { state: 'claimed' };
      }
      return { state: 'in-progress' };
    });
  }

  async complete(key: MessageKey, response: StoredResponse): Promise<void> {
    await this.completions.run({ source: key.source, messageId: key.messageId, message: response.message });
  }

  async release(key: MessageKey): Promise<void> {
    await this.pool.query(`DELETE FROM idempotency WHERE source = $1 AND message_id = $2 AND state = 'in-progress'`, [key.source, key.messageId]);
  }

  async acceptAsync(key: MessageKey, ack: StoredResponse, job: NewJob, now: Date): Promise<void> {
    await transaction(this.pool, async (c) => {
      await c.query(`UPDATE idempotency SET state = 'done', response = $1 WHERE source = $2 AND message_id = $3`, [ack.message, key.source, key.messageId]);
      await c.query(`INSERT INTO inbound_jobs (source, message_id, message, reply_address, protocol, typed, rewrite, state, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8) ON CONFLICT (source, message_id) DO NOTHING`,
      [key.source, key.messageId, job.message, job.replyAddress, job.protocol, job.typed, JSON.stringify(job.rewrite), now]);
    });
  }

  async nextJobs(limit: number, now: Date, leaseSeconds: number): Promise<InboundJob[]> {
    const res = await this.pool.query<JobRow>(`WITH due AS (
        SELECT id FROM inbound_jobs WHERE state = 'pending' AND lease_until <= $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
      UPDATE inbound_jobs j SET lease_until = $3, attempts = attempts + 1 FROM due WHERE j.id = due.id RETURNING j.*`,
    [now, limit, new Date(now.getTime() + leaseSeconds * 1000)]);
    return res.rows.sort((a, b) => Number(a.id) - Number(b.id)).map((r) => ({
      id: Number(r.id), source: r.source, messageId: r.message_id, message: r.message, replyAddress: r.reply_address,
      protocol: r.protocol, typed: r.typed, rewrite: JSON.parse(r.rewrite) as [string, string][], attempts: r.attempts,
    }));
  }

  async finishJob(id: number, reply: NewOutbound | undefined, now: Date): Promise<void> {
    await transaction(this.pool, async (c) => {
      const changed = await c.query(`UPDATE inbound_jobs SET state = 'done', finished_at = $1 WHERE id = $2 AND state = 'pending'`, [now, id]);
      if (changed.rowCount === 1 && reply) await insertOutbound(c, reply, now);
    });
  }

  async failJob(id: number, error: string, retry: boolean): Promise<void> {
    await this.pool.query(`UPDATE inbound_jobs SET last_error = $1, state = CASE WHEN $2 THEN state ELSE 'failed' END, lease_until = 'epoch' WHERE id = $3`,
      [error.slice(0, 2000), retry, id]);
  }

  async status(messageId: string, source?: string): Promise<MessageStatus | undefined> {
    const row = (await this.pool.query<{ source: string; message_id: string; verb: string; noun: string; state: 'in-progress' | 'done'; received_at: Date }>(
      `SELECT source, message_id, verb, noun, state, received_at FROM idempotency WHERE message_id = $1 AND ($2::text IS NULL OR source = $2)
       ORDER BY received_at DESC LIMIT 1`, [messageId, source ?? null])).rows[0];
    if (!row) return undefined;
    const job = (await this.pool.query<{ state: 'pending' | 'done' | 'failed'; attempts: number; last_error: string | null }>(
      'SELECT state, attempts, last_error FROM inbound_jobs WHERE source = $1 AND message_id = $2', [row.source, row.message_id])).rows[0];
    const status: MessageStatus = { source: row.source, messageId: row.message_id, verb: row.verb, noun: row.noun, state: row.state, receivedAt: row.received_at };
    if (job) status.job = { state: job.state, attempts: job.attempts, ...(job.last_error ? { lastError: job.last_error } : {}) };
    return status;
  }
}
