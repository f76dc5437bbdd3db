import type { NewOutbound } from '../../ports/outbox.port.js';
import type { ClaimResult, InboundJob, MessageKey, MessageStatus, MessageStore, NewJob, StoredResponse } from '../../ports/message-store.port.js';
import type { SqliteOutbox } from './outbox.sqlite.js';
import { groupCommit, type GroupCommit } from './group-commit.js';
import { migrate, statements, type Db } from './sqlite-database.js';

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
      lease_until INTEGER NOT NULL,
      received_at INTEGER NOT NULL,
      PRIMARY KEY (source, message_id)
    ) WITHOUT ROWID;
    CREATE INDEX idempotency_message ON idempotency (message_id);
    CREATE TABLE inbound_jobs (
      id INTEGER PRIMARY KEY,
      source TEXT NOT NULL,
      message_id TEXT NOT NULL,
      message TEXT NOT NULL,
      reply_address TEXT NOT NULL,
      protocol TEXT NOT NULL,
      typed INTEGER NOT NULL,
      rewrite TEXT NOT NULL,
      state TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      lease_until INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      created_at INTEGER NOT NULL,
      finished_at INTEGER,
      UNIQUE (source, message_id)
    );
    CREATE INDEX inbound_jobs_pending ON inbound_jobs (state, lease_until);
  `,
}];

interface JobRow {
  id: number; source: string; message_id: string; message: string; reply_address: string; protocol: 'SOAP' | 'REST';
  typed: number; rewrite: string; attempts: number;
}

export class SqliteMessageStore implements MessageStore {
  private readonly sql;
  /** The request path's writes (claim, complete, release, acceptAsync) commit with other requests'. */
  private readonly writes: GroupCommit;

  constructor(private readonly db: Db, private readonly outbox: SqliteOutbox) {
    migrate(db, MIGRATIONS);
    this.sql = statements(db);
    this.writes = groupCommit(db);
  }

  async claim(key: MessageKey, meta: { verb: string; noun: string }, now: Date, leaseSeconds: number): Promise<ClaimResult> {
    return this.writes.run((): ClaimResult => {
      const leaseUntil = now.getTime() + leaseSeconds * 1000;
      // Insert first, read only when the key exists: a new key is the common case.
      const added = this.sql(`INSERT INTO idempotency (source, message_id, verb, noun, state, lease_until, received_at)
        VALUES (?, ?, ?, ?, 'in-progress', ?, ?) ON CONFLICT (source, message_id) DO NOTHING`).run(key.source, key.messageId, meta.verb, meta.noun, leaseUntil, now.getTime());
      if (added.changes === 1) return { state: 'claimed' };
      const row = this.sql('SELECT state, response, lease_until FROM idempotency WHERE source = ? AND message_id = ?')
        .get(key.source, key.messageId) as { state: string; response: string | null; lease_until: number };
      if (row.state === 'done' && row.response) return { state: 'done', response: { message: row.response } };
      // An abandoned claim (the process died mid-way) is taken over: handlers are idempotent.
      if (row.lease_until <= now.getTime()) {
        this.sql('UPDATE idempotency SET lease_until = ? WHERE source = ? AND message_id = ?').run(leaseUntil, key.source, key.messageId);
        return { state: 'claimed' };
      }
      return { state: 'in-progress' };
    });
  }

  async complete(key: MessageKey, response: StoredResponse): Promise<void> {
    await this.writes.run(() => this.sql(`UPDATE idempotency SET state = 'done', response = ? WHERE source = ? AND message_id = ?`)
      .run(response.message, key.source, key.messageId));
  }

  async release(key: MessageKey): Promise<void> {
    await this.writes.run(() => this.sql(`DELETE FROM idempotency WHERE source = ? AND message_id = ? AND state = 'in-progress'`).run(key.source, key.messageId));
  }

  async acceptAsync(key: MessageKey, ack: StoredResponse, job: NewJob, now: Date): Promise<void> {
    await this.writes.run(() => {
      this.sql(`UPDATE idempotency SET state = 'done', response = ? WHERE source = ? AND message_id = ?`)
        .run(ack.message, key.source, key.messageId);
      this.sql(`INSERT INTO inbound_jobs (source, message_id, message, reply_address, protocol, typed, rewrite, state, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (source, message_id) DO NOTHING`)
        .run(key.source, key.messageId, job.message, job.replyAddress, job.protocol, job.typed ? 1 : 0, JSON.stringify(job.rewrite), now.getTime());
    });
  }

  async nextJobs(limit: number, now: Date, leaseSeconds: number): Promise<InboundJob[]> {
    return this.db.transaction(() => {
      const rows = this.sql(`SELECT * FROM inbound_jobs WHERE state = 'pending' AND lease_until <= ? ORDER BY id LIMIT ?`)
        .all(now.getTime(), limit) as JobRow[];
      const lease = this.sql('UPDATE inbound_jobs SET lease_until = ?, attempts = attempts + 1 WHERE id = ?');
      for (const r of rows) lease.run(now.getTime() + leaseSeconds * 1000, r.id);
      return rows.map((r) => ({
        id: r.id, source: r.source, messageId: r.message_id, message: r.message, replyAddress: r.reply_address,
        protocol: r.protocol, typed: r.typed === 1, rewrite: JSON.parse(r.rewrite) as [string, string][], attempts: r.attempts + 1,
      }));
    })();
  }

  async finishJob(id: number, reply: NewOutbound | undefined, now: Date): Promise<void> {
    this.db.transaction(() => {
      const changed = this.sql(`UPDATE inbound_jobs SET state = 'done', finished_at = ? WHERE id = ? AND state = 'pending'`).run(now.getTime(), id);
      // Finishing twice (a lease expired while the first run was still going) must not reply twice.
      if (changed.changes === 1 && reply) this.outbox.enqueueSync(reply, now.getTime());
    })();
  }

  async failJob(id: number, error: string, retry: boolean): Promise<void> {
    this.sql(`UPDATE inbound_jobs SET last_error = ?, state = CASE WHEN ? THEN state ELSE 'failed' END, lease_until = 0 WHERE id = ?`)
      .run(error.slice(0, 2000), retry ? 1 : 0, id);
  }

  async status(messageId: string, source?: string): Promise<MessageStatus | undefined> {
    const row = this.sql(`SELECT source, message_id, verb, noun, state, received_at FROM idempotency
      WHERE message_id = ? AND (? IS NULL OR source = ?) ORDER BY received_at DESC LIMIT 1`).get(messageId, source ?? null, source ?? null) as
      { source: string; message_id: string; verb: string; noun: string; state: 'in-progress' | 'done'; received_at: number } | undefined;
    if (!row) return undefined;
    const job = this.sql('SELECT state, attempts, last_error FROM inbound_jobs WHERE source = ? AND message_id = ?').get(row.source, row.message_id) as
      { state: 'pending' | 'done' | 'failed'; attempts: number; last_error: string | null } | undefined;
    const status: MessageStatus = { source: row.source, messageId: row.message_id, verb: row.verb, noun: row.noun, state: row.state, receivedAt: new Date(row.received_at) };
    if (job) status.job = { state: job.state, attempts: job.attempts, ...(job.last_error ? { lastError: job.last_error } : {}) };
    return status;
  }
}
