import type { CollectionKind, CollectionRun, ReadSchedule, ReadScheduleStore, RunResult } from '../../ports/read-schedule-store.port.js';
import { migratePg, transaction, type Pool } from './pg-database.js';

const MIGRATIONS = [{
  name: 'schedules-001-read-schedules-and-runs',
  sql: `
    CREATE TABLE read_schedules (
      mrid TEXT PRIMARY KEY, reading_types JSONB NOT NULL, recurrence JSONB NOT NULL, start_at TIMESTAMPTZ NOT NULL, end_at TIMESTAMPTZ,
      status TEXT NOT NULL CHECK (status IN ('active', 'canceled', 'ended')), source TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL,
      canceled_at TIMESTAMPTZ, last_run_at TIMESTAMPTZ, next_run_at TIMESTAMPTZ
    );
    CREATE INDEX read_schedules_due ON read_schedules (next_run_at) WHERE status = 'active';
    -- One row per scheduled meter, so removing a meter is one indexed delete, whatever the schedule count.
    CREATE TABLE read_schedule_meters (schedule TEXT NOT NULL, meter TEXT NOT NULL, PRIMARY KEY (schedule, meter));
    CREATE INDEX read_schedule_meters_meter ON read_schedule_meters (meter);
    CREATE TABLE collection_runs (
      id BIGSERIAL PRIMARY KEY, target TEXT NOT NULL, kind TEXT NOT NULL, trigger_kind TEXT NOT NULL, started_at TIMESTAMPTZ NOT NULL,
      finished_at TIMESTAMPTZ, outcome TEXT, meters INTEGER NOT NULL, readings INTEGER NOT NULL, events INTEGER NOT NULL, error TEXT
    );
    CREATE INDEX collection_runs_target ON collection_runs (target, kind, id);
  `,
}];

interface ScheduleRow {
  mrid: string; reading_types: string[]; recurrence: ReadSchedule['recurrence']; start_at: Date; end_at: Date | null; status: ReadSchedule['status'];
  source: string; created_at: Date; canceled_at: Date | null; last_run_at: Date | null; next_run_at: Date | null; meters: string[];
}
interface RunRow {
  id: string; target: string; kind: CollectionKind; trigger_kind: CollectionRun['trigger']; started_at: Date; finished_at: Date | null;
  outcome: CollectionRun['outcome'] | null; meters: number; readings: number; events: number; error: string | null;
}

const toRun = (r: RunRow): CollectionRun => ({
  id: Number(r.id), target: r.target, kind: r.kind, trigger: r.trigger_kind, startedAt: r.started_at.getTime(), meters: r.meters, readings: r.readings, events: r.events,
  ...(r.finished_at !== null ? { finishedAt: r.finished_at.getTime() } : {}), ...(r.outcome !== null ? { outcome: r.outcome } : {}), ...(r.error !== null ? { error: r.error } : {}),
});

const toSchedule = (r: ScheduleRow): ReadSchedule => ({
  mRID: r.mrid, readingTypes: r.reading_types, recurrence: r.recurrence, start: r.start_at.getTime(), meters: r.meters, status: r.status,
  source: r.source, createdAt: r.created_at.getTime(),
  ...(r.end_at !== null ? { end: r.end_at.getTime() } : {}), ...(r.canceled_at !== null ? { canceledAt: r.canceled_at.getTime() } : {}),
  ...(r.last_run_at !== null ? { lastRunAt: r.last_run_at.getTime() } : {}), ...(r.next_run_at !== null ? { nextRunAt: r.next_run_at.getTime() } : {}),
});

/** Epoch ms of the port → timestamptz; a non-finite number is refused here rather than stored as nonsense. */
function ts(ms: number): Date;
function ts(ms: number | undefined): Date | null;
function ts(ms: number | undefined): Date | null {
  if (ms === undefined) return null;
  if (!Number.isFinite(ms)) throw new RangeError(`not a time: ${ms}`);
  return new Date(ms);
}

// Meters in byte order, as the SQLite adapter returns them, whatever the database's collation.
const SCHEDULE = `SELECT s.*, COALESCE((SELECT array_agg(m.meter ORDER BY m.meter COLLATE "C") FROM read_schedule_meters m WHERE m.schedule = s.mrid), '{}') AS meters
  FROM read_schedules s`;

/** Read schedules and collection runs on PostgreSQL (times as timestamptz; the port's epoch ms at the edge). */
export class PgReadScheduleStore implements ReadScheduleStore {
  private constructor(private readonly pool: Pool) {}

  static async create(pool: Pool): Promise<PgReadScheduleStore> {
    await migratePg(pool, MIGRATIONS);
    return new PgReadScheduleStore(pool);
  }

  async add(items: ReadSchedule[]): Promise<void> {
    if (items.length === 0) return;
    const rows = items.map((i) => [i.mRID, JSON.stringify(i.readingTypes), JSON.stringify(i.recurrence), ts(i.start), ts(i.end), i.status, i.source,
      ts(i.createdAt), ts(i.canceledAt), ts(i.lastRunAt), ts(i.nextRunAt)] as const);
    const col = (k: number) => rows.map((r) => r[k]);
    await transaction(this.pool, async (c) => {
      await c.query(`INSERT INTO read_schedules (mrid, reading_types, recurrence, start_at, end_at, status, source, created_at, canceled_at, last_run_at, next_run_at)
        SELECT * FROM unnest($1::text[], $2::jsonb[], $3::jsonb[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::text[], $8::timestamptz[],
          $9::timestamptz[], $10::timestamptz[], $11::timestamptz[])`, Array.from({ length: 11 }, (_, k) => col(k)));
      const pairs = items.flatMap((i) => i.meters.map((m) => [i.mRID, m] as const));
      await c.query(`INSERT INTO read_schedule_meters (schedule, meter) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
        [pairs.map((p) => p[0]), pairs.map((p) => p[1])]);
    });
  }

  async get(mRIDs: string[]): Promise<Map<string, ReadSchedule>> {
    const rows = await this.pool.query<ScheduleRow>(`${SCHEDULE} WHERE s.mrid = ANY($1::text[])`, [mRIDs]);
    const found = new Map(rows.rows.map((r) => [r.mrid, toSchedule(r)]));
    // In the order asked, as the SQLite adapter answers.
    const out = new Map<string, ReadSchedule>();
    for (const id of mRIDs) {
      const s = found.get(id);
      if (s) out.set(id, s);
    }
    return out;
  }

  async cancel(mRID: string, at: number): Promise<'canceled' | 'already' | 'unknown'> {
    // One guarded statement: of two instances canceling at once, the second waits on the row and gets 'already'.
    const res = await this.pool.query<{ was: string }>(`WITH old AS (SELECT 1 FROM read_schedules WHERE mrid = $1),
        upd AS (UPDATE read_schedules SET status = 'canceled', canceled_at = $2, next_run_at = NULL WHERE mrid = $1 AND status = 'active' RETURNING 1)
      SELECT CASE WHEN EXISTS (SELECT 1 FROM upd) THEN 'canceled' ELSE 'already' END AS was FROM old`, [mRID, ts(at)]);
    return (res.rows[0]?.was as 'canceled' | 'already' | undefined) ?? 'unknown';
  }

  async due(now: number, limit: number): Promise<ReadSchedule[]> {
    const rows = await this.pool.query<ScheduleRow>(`${SCHEDULE} WHERE s.status = 'active' AND s.next_run_at <= $1
      ORDER BY s.next_run_at, s.mrid COLLATE "C" LIMIT $2`, [ts(now), limit]);
    return rows.rows.map(toSchedule);
  }

  async advance(mRID: string, lastRunAt: number, nextRunAt: number | undefined): Promise<void> {
    await this.pool.query(`UPDATE read_schedules SET last_run_at = $1, next_run_at = $2, status = CASE WHEN $2::timestamptz IS NULL THEN 'ended' ELSE status END
      WHERE mrid = $3 AND status = 'active'`, [ts(lastRunAt), ts(nextRunAt), mRID]);
  }

  async dropMeters(mRIDs: string[]): Promise<number> {
    if (mRIDs.length === 0) return 0;
    return transaction(this.pool, async (c) => {
      const touched = [...new Set((await c.query<{ schedule: string }>('DELETE FROM read_schedule_meters WHERE meter = ANY($1::text[]) RETURNING schedule',
        [mRIDs])).rows.map((r) => r.schedule))];
      await c.query(`UPDATE read_schedules s SET status = 'ended', next_run_at = NULL
        WHERE s.mrid = ANY($1::text[]) AND s.status = 'active' AND NOT EXISTS (SELECT 1 FROM read_schedule_meters m WHERE m.schedule = s.mrid)`, [touched]);
      return touched.length;
    });
  }

  async startRun(run: Omit<CollectionRun, 'id' | 'outcome' | 'finishedAt' | 'readings' | 'events' | 'error'>): Promise<CollectionRun> {
    const r = await this.pool.query<RunRow>(`INSERT INTO collection_runs (target, kind, trigger_kind, started_at, meters, readings, events)
      VALUES ($1, $2, $3, $4, $5, 0, 0) RETURNING *`, [run.target, run.kind, run.trigger, ts(run.startedAt), run.meters]);
    return toRun(r.rows[0]!);
  }

  async finishRun(id: number, result: RunResult): Promise<CollectionRun> {
    const r = await this.pool.query<RunRow>('UPDATE collection_runs SET finished_at = $1, outcome = $2, readings = $3, events = $4, error = $5 WHERE id = $6 RETURNING *',
      [ts(result.finishedAt), result.outcome, result.readings, result.events, result.error ?? null, id]);
    if (!r.rows[0]) throw new Error(`collection run ${id} does not exist`);
    return toRun(r.rows[0]);
  }

  async runs(target: string, kind: CollectionKind | undefined, limit: number): Promise<CollectionRun[]> {
    const r = await this.pool.query<RunRow>(`SELECT * FROM collection_runs WHERE target = $1 AND ($2::text IS NULL OR kind = $2) ORDER BY id DESC LIMIT $3`,
      [target, kind ?? null, limit]);
    return r.rows.map(toRun);
  }

  async lastRuns(targets: string[]): Promise<CollectionRun[]> {
    const r = await this.pool.query<RunRow>(`SELECT DISTINCT ON (target, kind) * FROM collection_runs WHERE target = ANY($1::text[])
      ORDER BY target, kind, id DESC`, [targets]);
    const byTarget = new Map<string, CollectionRun[]>();
    for (const run of r.rows.map(toRun)) byTarget.set(run.target, [...(byTarget.get(run.target) ?? []), run]);
    // Per target in the order asked, each target's runs by kind (byte order), as the SQLite adapter answers.
    return targets.flatMap((t) => (byTarget.get(t) ?? []).sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0)));
  }
}
