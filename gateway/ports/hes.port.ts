import type { DeviceEvent } from '../domain/events/device-event.js';
import type { Reading } from '../domain/readings/reading.js';

export type HesCommandKind = 'connect' | 'disconnect' | 'arm' | 'load-limit-set' | 'load-limit-clear' | 'time-sync' | 'read';

export interface HesCommand {
  /** Stable across retries and restarts: the head-end recognises a resend by it. */
  commandId: string;
  kind: HesCommandKind;
  meter: string;
  params?: Record<string, string | number>;
}

export type HesOutcome =
  /** values: what the head-end measured while executing (e.g. clockOffsetSeconds before a time sync). */
  | { status: 'succeeded'; detail?: string; readings?: Reading[]; values?: Record<string, number> }
  | { status: 'failed'; transient: boolean; reason: string };

export interface HesMeter {
  mRID: string;
  concentratorId?: string;
  commPath: 'concentrator' | 'point-to-point';
}

/** What the head-end pushes to the gateway on its own (load profiles, alarms, late results). */
export interface HesListener {
  onReadings(readings: Reading[], source: string): Promise<void>;
  onEvents(events: DeviceEvent[], source: string): Promise<void>;
}

/** What one collection asks the head-end for (the gateway resolves concentrators and groups to meters). */
export interface HesCollectScope {
  meters: string[];
  /** readings: load profiles since the meter's last collection; events: status words; all: both. */
  what: 'readings' | 'events' | 'all';
  /** Reading types wanted (absent: whatever the head-end collects). */
  readingTypes?: string[];
}

/** Counts of what the head-end pushed to its listeners for this collection, and the meters it could not reach. */
export interface HesCollection {
  readings: number;
  events: number;
  unreachable: { meter: string; reason: string }[];
}

/** The head-end system, simulated or real. */
export interface HesPort {
  /** Executes once per commandId; a repeated id returns the first outcome without acting again. */
  execute(command: HesCommand): Promise<HesOutcome>;
  readOnDemand(meter: string, readingTypes: string[], start: Date, end: Date): Promise<Reading[]>;
  provision(meter: HesMeter): Promise<void>;
  remove(mRID: string): Promise<void>;
  listen(listener: HesListener): void;
  /**
   * Collects now from the given meters; what it gathers reaches the listeners (pushed) before it
   * resolves. Optional: a head-end without on-request collection only pushes on its own schedule.
   */
  collect?(scope: HesCollectScope): Promise<HesCollection>;
}
