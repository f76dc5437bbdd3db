/** How often a read schedule runs: a cron expression (in the configured zone) or a fixed period. */
export type Recurrence = { cron: string } | { periodSeconds: number };

export interface ReadSchedule {
  mRID: string;
  readingTypes: string[];
  recurrence: Recurrence;
  /** The window (epoch ms): no run before start, none after end. */
  start: number;
  end?: number;
  /** Resolved at creation (groups are expanded then); removed meters are dropped. */
  meters: string[];
  /** active: runs when due; canceled: by a cancel message; ended: window over or no meter left. */
  status: 'active' | 'canceled' | 'ended';
  /** Header/Source of the create. */
  source: string;
  createdAt: number;
  canceledAt?: number;
  lastRunAt?: number;
  /** Next due instant; undefined once the schedule is no longer active. */
  nextRunAt?: number;
}

export type CollectionKind = 'load-profile' | 'events' | 'schedule';

/** One collection: a concentrator's (load profile or events) or a read schedule's. */
export interface CollectionRun {
  id: number;
  /** Concentrator id, or the read schedule's mRID when kind is 'schedule'. */
  target: string;
  kind: CollectionKind;
  trigger: 'scheduled' | 'on-demand';
  startedAt: number;
  finishedAt?: number;
  /** Undefined while running. */
  outcome?: 'ok' | 'failed';
  meters: number;
  readings: number;
  events: number;
  error?: string;
}

export type RunResult = Pick<CollectionRun, 'outcome' | 'readings' | 'events'> & { finishedAt: number; error?: string };

/** Read schedules and the record of collection runs. */
export interface ReadScheduleStore {
  /** Inserts new schedules (mRIDs must not exist yet). */
  add(items: ReadSchedule[]): Promise<void>;
  get(mRIDs: string[]): Promise<Map<string, ReadSchedule>>;
  /** canceled now, already canceled/ended before (idempotent), or unknown. */
  cancel(mRID: string, at: number): Promise<'canceled' | 'already' | 'unknown'>;
  /** Active schedules whose nextRunAt <= now, oldest due first. */
  due(now: number, limit: number): Promise<ReadSchedule[]>;
  /** After a run: the next due instant, or undefined to end the schedule (window over). */
  advance(mRID: string, lastRunAt: number, nextRunAt: number | undefined): Promise<void>;
  /** Drops removed meters from every schedule; an active schedule left with none ends. Returns schedules touched. */
  dropMeters(mRIDs: string[]): Promise<number>;
  startRun(run: Omit<CollectionRun, 'id' | 'outcome' | 'finishedAt' | 'readings' | 'events' | 'error'>): Promise<CollectionRun>;
  finishRun(id: number, result: RunResult): Promise<CollectionRun>;
  /** Runs of a target (newest first). */
  runs(target: string, kind: CollectionKind | undefined, limit: number): Promise<CollectionRun[]>;
  /** The latest run per (target, kind) for the given targets. */
  lastRuns(targets: string[]): Promise<CollectionRun[]>;
}
