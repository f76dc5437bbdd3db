import type { CollectionKind, CollectionRun, ReadSchedule, ReadScheduleStore, RunResult } from '../../ports/read-schedule-store.port.js';
import { migrate, type Db } from './sqlite-database.js';

const MIGRATIONS = [{
  name: 'schedules-001-read-schedules-and-runs',
  sql: `
    CREATE TABLE read_schedules (
      mrid TEXT PRIMARY KEY, reading_types TEXT NOT NULL, recurrence TEXT NOT NULL, start_at INTEGER NOT NULL, end_at INTEGER,
      status TEXT NOT NULL, source TEXT NOT NULL, created_at INTEGER NOT NULL, canceled_at INTEGER, last_run_at INTEGER, next_run_at INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX read_schedules_due ON read_schedules (next_run_at) WHERE status = 'active';
    -- One row per scheduled meter, so removing a meter is one indexed delete, whatever the schedule count.
    CREATE TABLE read_schedule_meters (schedule TEXT NOT NULL, meter TEXT NOT NULL, PRIMARY KEY (schedule, meter)) WITHOUT ROWID;
    CREATE INDEX read_schedule_meters_meter ON read_schedule_meters (meter);
    CREATE TABLE collection_runs (
      id INTEGER PRIMARY KEY, target TEXT NOT NULL, kind TEXT NOT NULL, trigger_kind TEXT NOT NULL, started_at INTEGER NOT NULL,
      finished_at INTEGER, outcome TEXT, meters INTEGER NOT NULL, readings INTEGER NOT NULL, events INTEGER NOT NULL, error TEXT
    );
    CREATE INDEX collection_runs_target ON collection_runs (target, kind, id);
  `,
}];

interface ScheduleRow { mrid: string; reading_types: string; recurrence: string; start_at: number; end_at: number | null; status: ReadSchedule['status']; source: string; created_at: number; canceled_at: number | null; last_run_at: number | null; next_run_at: number | null }
interface RunRow { id: number; target: string; kind: CollectionKind; trigger_kind: CollectionRun['trigger']; started_at: number; finished_at: number | null; outcome: CollectionRun['outcome'] | null; meters: number; readings: number; events: number; error: string | null }

const toRun = (r: RunRow): CollectionRun => ({
  id: r.id, target: r.target, kind: r.kind, trigger: r.trigger_kind, startedAt: r.started_at, meters: r.meters, readings: r.readings, events: r.events,
  ...(r.finished_at !== null ? { finishedAt: r.finished_at } : {}), ...(r.outcome !== null ? { outcome: r.outcome } : {}), ...(r.error !== null ? { error: r.error } : {}),
});

export class SqliteReadScheduleStore implements ReadScheduleStore {
  constructor(private readonly db: Db) {
    migrate(db, MIGRATIONS);
  }

  async add(items: ReadSchedule[]): Promise<void> {
    const s = this.db.prepare(`INSERT INTO read_schedules (mrid, reading_types, recurrence, start_at, end_at, status, source, created_at, canceled_at, last_run_at, next_run_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const m = this.db.prepare('INSERT OR IGNORE INTO read_schedule_meters (schedule, meter) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const i of items) {
        s.run(i.mRID, JSON.stringify(i.readingTypes), JSON.stringify(i.recurrence), i.start, i.end ?? null, i.status, i.source, i.createdAt,
          i.canceledAt ?? null, i.lastRunAt ?? null, i.nextRunAt ?? null);
        for (const meter of i.meters) m.run(i.mRID, meter);
      }
    })();
  }

  async get(mRIDs: string[]): Promise<Map<string, ReadSchedule>> {
    const out = new Map<string, ReadSchedule>();
    const s = this.db.prepare('SELECT * FROM read_schedules WHERE mrid = ?');
    for (const id of mRIDs) {
      const r = s.get(id) as ScheduleRow | undefined;
      if (r) out.set(id, this.toSchedule(r));
    }
    return out;
  }

  async cancel(mRID: string, at: number): Promise<'canceled' | 'already' | 'unknown'> {
    const r = this.db.prepare('SELECT status FROM read_schedules WHERE mrid = ?').get(mRID) as { status: string } | undefined;
    if (!r) return 'unknown';
    if (r.status !== 'active') return 'already';
    this.db.prepare("UPDATE read_schedules SET status = 'canceled', canceled_at = ?, next_run_at = NULL WHERE mrid = ?").run(at, mRID);
    return 'canceled';
  }

  async due(now: number, limit: number): Promise<ReadSchedule[]> {
    const rows = this.db.prepare("SELECT * FROM read_schedules WHERE status = 'active' AND next_run_at <= ? ORDER BY next_run_at, mrid LIMIT ?").all(now, limit) as ScheduleRow[];
    return rows.map((r) => this.toSchedule(r));
  }

  async advance(mRID: string, lastRunAt: number, nextRunAt: number | undefined): Promise<void> {
    this.db.prepare(`UPDATE read_schedules SET last_run_at = ?, next_run_at = ?, status = CASE WHEN ? IS NULL THEN 'ended' ELSE status END
      WHERE mrid = ? AND status = 'active'`).run(lastRunAt, nextRunAt ?? null, nextRunAt ?? null, mRID);
  }

  async dropMeters(mRIDs: string[]): Promise<number> {
    const find = this.db.prepare('SELECT DISTINCT schedule FROM read_schedule_meters WHERE meter = ?');
    const del = this.db.prepare('DELETE FROM read_schedule_meters WHERE meter = ?');
    const end = this.db.prepare(`UPDATE read_schedules SET status = 'ended', next_run_at = NULL
      WHERE mrid = ? AND status = 'active' AND NOT EXISTS (SELECT 1 FROM read_schedule_meters WHERE schedule = ?)`);
    return this.db.transaction(() => {
      const touched = new Set<string>();
      for (const meter of mRIDs) {
        for (const r of find.all(meter) as { schedule: string }[]) touched.add(r.schedule);
        del.run(meter);
      }
      for (const s of touched) end.run(s, s);
      return touched.size;
    })();
  }

  async startRun(run: Omit<CollectionRun, 'id' | 'outcome' | 'finishedAt' | 'readings' | 'events' | 'error'>): Promise<CollectionRun> {
    const r = this.db.prepare('INSERT INTO collection_runs (target, kind, trigger_kind, started_at, meters, readings, events) VALUES (?, ?, ?, ?, ?, 0, 0) RETURNING *')
      .get(run.target, run.kind, run.trigger, run.startedAt, run.meters) as RunRow;
    return toRun(r);
  }

  async finishRun(id: number, result: RunResult): Promise<CollectionRun> {
    const r = this.db.prepare('UPDATE collection_runs SET finished_at = ?, outcome = ?, readings = ?, events = ?, error = ? WHERE id = ? RETURNING *')
      .get(result.finishedAt, result.outcome, result.readings, result.events, result.error ?? null, id) as RunRow | undefined;
    if (!r) throw new Error(`collection run ${id} does not exist`);
    return toRun(r);
  }

  async runs(target: string, kind: CollectionKind | undefined, limit: number): Promise<CollectionRun[]> {
    const rows = kind
      ? this.db.prepare('SELECT * FROM collection_runs WHERE target = ? AND kind = ? ORDER BY id DESC LIMIT ?').all(target, kind, limit)
      : this.db.prepare('SELECT * FROM collection_runs WHERE target = ? ORDER BY id DESC LIMIT ?').all(target, limit);
    return (rows as RunRow[]).map(toRun);
  }

  async lastRuns(targets: string[]): Promise<CollectionRun[]> {
    const s = this.db.prepare('SELECT * FROM collection_runs WHERE id IN (SELECT MAX(id) FROM collection_runs WHERE target = ? GROUP BY kind) ORDER BY kind');
    return targets.flatMap((t) => (s.all(t) as RunRow[]).map(toRun));
  }

  private toSchedule(r: ScheduleRow): ReadSchedule {
    const meters = (this.db.prepare('SELECT meter FROM read_schedule_meters WHERE schedule = ? ORDER BY meter').all(r.mrid) as { meter: string }[]).map((m) => m.meter);
    return {
      mRID: r.mrid, readingTypes: JSON.parse(r.reading_types) as string[], recurrence: JSON.parse(r.recurrence) as ReadSchedule['recurrence'],
      start: r.start_at, meters, status: r.status, source: r.source, createdAt: r.created_at,
      ...(r.end_at !== null ? { end: r.end_at } : {}), ...(r.canceled_at !== null ? { canceledAt: r.canceled_at } : {}),
      ...(r.last_run_at !== null ? { lastRunAt: r.last_run_at } : {}), ...(r.next_run_at !== null ? { nextRunAt: r.next_run_at } : {}),
    };
  }
}
