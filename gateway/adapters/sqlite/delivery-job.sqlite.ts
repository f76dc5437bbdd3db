import type { DeliveryJob, DeliveryJobStore, DeliveryRun } from '../../ports/delivery-job.port.js';
import { migrate, type Db } from './sqlite-database.js';

const MIGRATIONS = [{
  name: 'i8-003-deliveries',
  sql: `
    CREATE TABLE i8_delivery_jobs (
      id TEXT PRIMARY KEY, client_id TEXT NOT NULL, name TEXT, cron TEXT NOT NULL, time_zone TEXT NOT NULL,
      query TEXT NOT NULL, target TEXT NOT NULL, created_at INTEGER NOT NULL, next_run_at INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX i8_delivery_jobs_client ON i8_delivery_jobs (client_id);
    CREATE INDEX i8_delivery_jobs_due ON i8_delivery_jobs (next_run_at);
    CREATE TABLE i8_delivery_runs (
      id INTEGER PRIMARY KEY, job_id TEXT NOT NULL, scheduled_for INTEGER NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
      rows INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, last_error TEXT, delivered_at INTEGER, location TEXT,
      UNIQUE (job_id, scheduled_for)
    );
    CREATE INDEX i8_delivery_runs_pending ON i8_delivery_runs (next_attempt_at) WHERE state = 'pending';
  `,
}];

interface JobRow { id: string; client_id: string; name: string | null; cron: string; time_zone: string; query: string; target: string; created_at: number; next_run_at: number | null }
interface RunRow { id: number; job_id: string; scheduled_for: number; state: DeliveryRun['state']; attempts: number; rows: number; next_attempt_at: number; last_error: string | null; delivered_at: number | null; location: string | null }

const toJob = (r: JobRow): DeliveryJob => ({
  id: r.id, clientId: r.client_id, cron: r.cron, timeZone: r.time_zone, query: JSON.parse(r.query) as DeliveryJob['query'], target: JSON.parse(r.target) as DeliveryJob['target'],
  createdAt: new Date(r.created_at), ...(r.name !== null ? { name: r.name } : {}), ...(r.next_run_at !== null ? { nextRunAt: new Date(r.next_run_at) } : {}),
});
const toRun = (r: RunRow): DeliveryRun => ({
  id: r.id, jobId: r.job_id, scheduledFor: new Date(r.scheduled_for), state: r.state, attempts: r.attempts, rows: r.rows, nextAttemptAt: new Date(r.next_attempt_at),
  ...(r.last_error !== null ? { lastError: r.last_error } : {}), ...(r.delivered_at !== null ? { deliveredAt: new Date(r.delivered_at) } : {}), ...(r.location !== null ? { location: r.location } : {}),
});

export class SqliteDeliveryJobStore implements DeliveryJobStore {
  constructor(private readonly db: Db) {
    migrate(db, MIGRATIONS);
  }

  async create(j: DeliveryJob): Promise<void> {
    this.db.prepare('INSERT INTO i8_delivery_jobs (id, client_id, name, cron, time_zone, query, target, created_at, next_run_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(j.id, j.clientId, j.name ?? null, j.cron, j.timeZone, JSON.stringify(j.query), JSON.stringify(j.target), j.createdAt.getTime(), j.nextRunAt?.getTime() ?? null);
  }

  async get(id: string): Promise<DeliveryJob | undefined> {
    const r = this.db.prepare('SELECT * FROM i8_delivery_jobs WHERE id = ?').get(id) as JobRow | undefined;
    return r ? toJob(r) : undefined;
  }

  async byClient(clientId: string): Promise<DeliveryJob[]> {
    return (this.db.prepare('SELECT * FROM i8_delivery_jobs WHERE client_id = ? ORDER BY created_at, id').all(clientId) as JobRow[]).map(toJob);
  }

  async remove(clientId: string, id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM i8_delivery_jobs WHERE id = ? AND client_id = ?').run(id, clientId).changes > 0;
  }

  async due(now: Date): Promise<DeliveryJob[]> {
    return (this.db.prepare('SELECT * FROM i8_delivery_jobs WHERE next_run_at <= ? ORDER BY next_run_at').all(now.getTime()) as JobRow[]).map(toJob);
  }

  async setNextRun(id: string, at: Date | undefined): Promise<void> {
    this.db.prepare('UPDATE i8_delivery_jobs SET next_run_at = ? WHERE id = ?').run(at?.getTime() ?? null, id);
  }

  async addRun(jobId: string, scheduledFor: Date): Promise<number> {
    // One run per (job, scheduled time): a tick repeated after a crash does not deliver twice.
    this.db.prepare(`INSERT OR IGNORE INTO i8_delivery_runs (job_id, scheduled_for, state, attempts, rows, next_attempt_at) VALUES (?, ?, 'pending', 0, 0, ?)`)
      .run(jobId, scheduledFor.getTime(), scheduledFor.getTime());
    return (this.db.prepare('SELECT id FROM i8_delivery_runs WHERE job_id = ? AND scheduled_for = ?').get(jobId, scheduledFor.getTime()) as { id: number }).id;
  }

  async runnable(now: Date): Promise<DeliveryRun[]> {
    return (this.db.prepare(`SELECT * FROM i8_delivery_runs WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id`).all(now.getTime()) as RunRow[]).map(toRun);
  }

  async updateRun(r: DeliveryRun): Promise<void> {
    this.db.prepare('UPDATE i8_delivery_runs SET state = ?, attempts = ?, rows = ?, next_attempt_at = ?, last_error = ?, delivered_at = ?, location = ? WHERE id = ?')
      .run(r.state, r.attempts, r.rows, r.nextAttemptAt.getTime(), r.lastError ?? null, r.deliveredAt?.getTime() ?? null, r.location ?? null, r.id);
  }

  async runs(jobId: string, limit: number): Promise<DeliveryRun[]> {
    return (this.db.prepare('SELECT * FROM i8_delivery_runs WHERE job_id = ? ORDER BY scheduled_for DESC LIMIT ?').all(jobId, limit) as RunRow[]).map(toRun);
  }
}
