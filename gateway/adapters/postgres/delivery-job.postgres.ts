import type { DeliveryJob, DeliveryJobStore, DeliveryRun } from '../../ports/delivery-job.port.js';
import { migratePg, type Pool } from './pg-database.js';

const MIGRATIONS = [{
  name: 'i8-003-deliveries',
  sql: `
    CREATE TABLE i8_delivery_jobs (
      id TEXT PRIMARY KEY, client_id TEXT NOT NULL, name TEXT, cron TEXT NOT NULL, time_zone TEXT NOT NULL,
      query JSONB NOT NULL, target JSONB NOT NULL, created_at TIMESTAMPTZ NOT NULL, next_run_at TIMESTAMPTZ
    );
    CREATE INDEX i8_delivery_jobs_client ON i8_delivery_jobs (client_id);
    CREATE INDEX i8_delivery_jobs_due ON i8_delivery_jobs (next_run_at);
    -- UNIQUE (job_id, scheduled_for): however many instances tick at once, one run per scheduled time.
    CREATE TABLE i8_delivery_runs (
      id BIGSERIAL PRIMARY KEY, job_id TEXT NOT NULL, scheduled_for TIMESTAMPTZ NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
      rows BIGINT NOT NULL, next_attempt_at TIMESTAMPTZ NOT NULL, last_error TEXT, delivered_at TIMESTAMPTZ, location TEXT,
      lease_until TIMESTAMPTZ NOT NULL DEFAULT 'epoch',
      UNIQUE (job_id, scheduled_for)
    );
    CREATE INDEX i8_delivery_runs_pending ON i8_delivery_runs (next_attempt_at) WHERE state = 'pending';
  `,
}];

interface JobRow { id: string; client_id: string; name: string | null; cron: string; time_zone: string; query: DeliveryJob['query']; target: DeliveryJob['target']; created_at: Date; next_run_at: Date | null }
interface RunRow { id: string; job_id: string; scheduled_for: Date; state: DeliveryRun['state']; attempts: number; rows: string; next_attempt_at: Date; last_error: string | null; delivered_at: Date | null; location: string | null }

const toJob = (r: JobRow): DeliveryJob => ({
  id: r.id, clientId: r.client_id, cron: r.cron, timeZone: r.time_zone, query: r.query, target: r.target,
  createdAt: r.created_at, ...(r.name !== null ? { name: r.name } : {}), ...(r.next_run_at !== null ? { nextRunAt: r.next_run_at } : {}),
});
const toRun = (r: RunRow): DeliveryRun => ({
  id: Number(r.id), jobId: r.job_id, scheduledFor: r.scheduled_for, state: r.state, attempts: r.attempts, rows: Number(r.rows), nextAttemptAt: r.next_attempt_at,
  ...(r.last_error !== null ? { lastError: r.last_error } : {}), ...(r.delivered_at !== null ? { deliveredAt: r.delivered_at } : {}), ...(r.location !== null ? { location: r.location } : {}),
});

export interface PgDeliveryJobOptions {
  /** How long a run handed out by `runnable` stays with that instance; longer than rendering and sending a batch. */
  runLeaseMs?: number;
  /** Runs handed out per `runnable` call, so one instance does not lease more than it can finish within the lease. */
  claimLimit?: number;
}

export class PgDeliveryJobStore implements DeliveryJobStore {
  private constructor(private readonly pool: Pool, private readonly leaseMs: number, private readonly claimLimit: number) {}

  static async create(pool: Pool, options: PgDeliveryJobOptions = {}): Promise<PgDeliveryJobStore> {
    await migratePg(pool, MIGRATIONS);
    return new PgDeliveryJobStore(pool, options.runLeaseMs ?? 15 * 60_000, options.claimLimit ?? 20);
  }

  async create(j: DeliveryJob): Promise<void> {
    await this.pool.query('INSERT INTO i8_delivery_jobs (id, client_id, name, cron, time_zone, query, target, created_at, next_run_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [j.id, j.clientId, j.name ?? null, j.cron, j.timeZone, JSON.stringify(j.query), JSON.stringify(j.target), j.createdAt, j.nextRunAt ?? null]);
  }

  async get(id: string): Promise<DeliveryJob | undefined> {
    const r = (await this.pool.query<JobRow>('SELECT * FROM i8_delivery_jobs WHERE id = $1', [id])).rows[0];
    return r ? toJob(r) : undefined;
  }

  async byClient(clientId: string): Promise<DeliveryJob[]> {
    return (await this.pool.query<JobRow>('SELECT * FROM i8_delivery_jobs WHERE client_id = $1 ORDER BY created_at, id COLLATE "C"', [clientId])).rows.map(toJob);
  }

  async remove(clientId: string, id: string): Promise<boolean> {
    return (await this.pool.query('DELETE FROM i8_delivery_jobs WHERE id = $1 AND client_id = $2', [id, clientId])).rowCount === 1;
  }

  async due(now: Date): Promise<DeliveryJob[]> {
    return (await this.pool.query<JobRow>('SELECT * FROM i8_delivery_jobs WHERE next_run_at <= $1 ORDER BY next_run_at, id COLLATE "C"', [now])).rows.map(toJob);
  }

  async setNextRun(id: string, at: Date | undefined): Promise<void> {
    await this.pool.query('UPDATE i8_delivery_jobs SET next_run_at = $1 WHERE id = $2', [at ?? null, id]);
  }

  async addRun(jobId: string, scheduledFor: Date): Promise<number> {
    // Two statements on purpose: after a concurrent insert of the same run commits, ON CONFLICT
    // skips, and only a new statement's snapshot sees the winner's row.
    await this.pool.query(`INSERT INTO i8_delivery_runs (job_id, scheduled_for, state, attempts, rows, next_attempt_at) VALUES ($1, $2, 'pending', 0, 0, $2)
      ON CONFLICT (job_id, scheduled_for) DO NOTHING`, [jobId, scheduledFor]);
    return Number((await this.pool.query<{ id: string }>('SELECT id FROM i8_delivery_runs WHERE job_id = $1 AND scheduled_for = $2', [jobId, scheduledFor])).rows[0]!.id);
  }

  async runnable(now: Date): Promise<DeliveryRun[]> {
    const res = await this.pool.query<RunRow>(`WITH due AS (
        SELECT id FROM i8_delivery_runs WHERE state = 'pending' AND next_attempt_at <= $1 AND lease_until <= $1
        ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
      UPDATE i8_delivery_runs r SET lease_until = $2 FROM due WHERE r.id = due.id RETURNING r.*`,
    [now, new Date(now.getTime() + this.leaseMs), this.claimLimit]);
    return res.rows.map(toRun).sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.id - b.id);
  }

  async updateRun(r: DeliveryRun): Promise<void> {
    await this.pool.query(`UPDATE i8_delivery_runs SET state = $1, attempts = $2, rows = $3, next_attempt_at = $4, last_error = $5, delivered_at = $6, location = $7,
      lease_until = 'epoch' WHERE id = $8`,
    [r.state, r.attempts, r.rows, r.nextAttemptAt, r.lastError ?? null, r.deliveredAt ?? null, r.location ?? null, r.id]);
  }

  async runs(jobId: string, limit: number): Promise<DeliveryRun[]> {
    return (await this.pool.query<RunRow>('SELECT * FROM i8_delivery_runs WHERE job_id = $1 ORDER BY scheduled_for DESC LIMIT $2', [jobId, limit])).rows.map(toRun);
  }
}
