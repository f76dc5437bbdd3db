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

/** The head-end system, simulated or real. */
export interface HesPort {
  /** Executes once per commandId; a repeated id returns the first outcome without acting again. */
  execute(command: HesCommand): Promise<HesOutcome>;
  readOnDemand(meter: string, readingTypes: string[], start: Date, end: Date): Promise<Reading[]>;
  provision(meter: HesMeter): Promise<void>;
  remove(mRID: string): Promise<void>;
  listen(listener: HesListener): void;
}
