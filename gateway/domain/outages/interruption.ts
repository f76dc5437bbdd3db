/** What opened and closes an interruption: the meter's supply, or its remote disconnect switch. */
export type InterruptionTrack = 'power' | 'relay';
/** Supply interruptions count for the regulator; customer-requested ones (relay open) do not. */
export type InterruptionKind = 'supply' | 'customer-requested';

/** One meter without supply, from a start event to an end event (either may be missing for a while). */
export interface Interruption {
  id?: number;
  meter: string;
  usagePoint?: string;
  track: InterruptionTrack;
  kind: InterruptionKind;
  /** Event time of the power-off / disconnect; undefined for a restore seen without its off. */
  start?: number;
  end?: number;
  startEventId?: string;
  endEventId?: string;
  cause?: string;
  /** The grouped outage this interruption belongs to (supply interruptions only). */
  outageId?: number;
}

export type InterruptionClass = 'open' | 'momentary' | 'sustained' | 'unknown-start';

export function durationMs(i: Interruption): number | undefined {
  return i.start !== undefined && i.end !== undefined ? i.end - i.start : undefined;
}

/** "Mayores a 30 segundos": strictly longer than the threshold is sustained, the rest momentary. */
export function classify(i: Interruption, thresholdMs: number): InterruptionClass {
  if (i.end === undefined) return 'open';
  if (i.start === undefined) return 'unknown-start';
  return i.end - i.start > thresholdMs ? 'sustained' : 'momentary';
}

export type OutageState = 'pending' | 'notified' | 'restored' | 'momentary';

/**
 * Supply interruptions of one group (transformer, else concentrator, else the meter alone) that
 * started within the grouping window: what an OMS is told about, once, instead of per meter.
 */
export interface Outage {
  id?: number;
  groupKind: 'transformer' | 'concentrator' | 'meter';
  groupId: string;
  start: number;
  end?: number;
  state: OutageState;
  notifiedAt?: number;
  restoredAt?: number;
}
