export interface DeliveryQuery {
  resource: 'readings' | 'events' | 'interruptions';
  meter?: string[];
  usagePoint?: string[];
  readingType?: string[];
  eventType?: string[];
  /** Each run covers (scheduled time − lookback, scheduled time]. */
  lookbackMinutes?: number;
  format?: 'json' | 'csv' | 'xml';
}

export type DeliveryTarget = { kind: 'webhook'; url: string } | { kind: 'file' };

export interface DeliveryJob {
  id: string;
  clientId: string;
  name?: string;
  cron: string;
  timeZone: string;
  query: DeliveryQuery;
  target: DeliveryTarget;
  createdAt: Date;
  nextRunAt?: Date;
}

export type DeliveryRunState = 'pending' | 'delivered' | 'failed';

export interface DeliveryRun {
  id: number;
  jobId: string;
  scheduledFor: Date;
  state: DeliveryRunState;
  attempts: number;
  rows: number;
  nextAttemptAt: Date;
  lastError?: string;
  deliveredAt?: Date;
  location?: string;
}

/** Clients' scheduled deliveries and the history of their runs. */
export interface DeliveryJobStore {
  create(job: DeliveryJob): Promise<void>;
  get(id: string): Promise<DeliveryJob | undefined>;
  byClient(clientId: string): Promise<DeliveryJob[]>;
  /** Deletes the job if it is the client's; its runs stay as history. */
  remove(clientId: string, id: string): Promise<boolean>;
  /** Jobs whose next run time has come (several instances may see the same job: addRun is what is idempotent). */
  due(now: Date): Promise<DeliveryJob[]>;
  setNextRun(id: string, at: Date | undefined): Promise<void>;
  /** The run of the job at that scheduled time, created once whoever asks (a repeated tick delivers nothing twice). */
  addRun(jobId: string, scheduledFor: Date): Promise<number>;
  /**
   * Pending runs due at `now`, to execute. Where several gateway instances share the store, each
   * run is handed to one of them, leased until `updateRun` or until the lease lapses (a crash).
   */
  runnable(now: Date): Promise<DeliveryRun[]>;
  /** Stores the run's outcome (state, attempts, next attempt…) and ends its lease. */
  updateRun(run: DeliveryRun): Promise<void>;
  runs(jobId: string, limit: number): Promise<DeliveryRun[]>;
}
