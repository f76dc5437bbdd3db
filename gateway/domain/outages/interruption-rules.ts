import type { Interruption, InterruptionTrack } from './interruption.js';

/** What one start/end event does to a meter's interruptions on one track. */
export type Change =
  | { action: 'ignore'; why: string }
  | { action: 'save'; interruption: Interruption };

export interface EdgeEvent {
  meter: string;
  track: InterruptionTrack;
  time: number;
  eventId: string;
  cause?: string;
  /** A restore's own account of how long supply was lost (e.g. detail outageDurationSeconds). */
  reportedDurationMs?: number;
}

const isOpen = (i: Interruption) => i.start !== undefined && i.end === undefined;
const isOrphan = (i: Interruption) => i.start === undefined && i.end !== undefined;
const covers = (i: Interruption, t: number) => i.start !== undefined && i.end !== undefined && i.start <= t && t <= i.end;

/**
 * A start event (power-off, relay disconnected) against the meter's known interruptions on the
 * same track. Repeats and late duplicates change nothing; an off arriving after its restore
 * completes the restore seen alone; otherwise a new interruption opens.
 */
export function applyStart(known: Interruption[], e: EdgeEvent): Change {
  const same = known.filter((i) => i.track === e.track);
  if (same.some((i) => i.start === e.time)) return { action: 'ignore', why: 'duplicate start' };
  if (same.some((i) => covers(i, e.time))) return { action: 'ignore', why: 'start inside an interruption already closed' };
  // The restore came first (out of order): the nearest orphan restore after this off is its end.
  const orphan = same.filter((i) => isOrphan(i) && i.end! >= e.time).sort((a, b) => a.end! - b.end!)[0];
  if (orphan) return { action: 'save', interruption: { ...orphan, start: e.time, startEventId: e.eventId, ...(e.cause && !orphan.cause ? { cause: e.cause } : {}) } };
  const open = same.find(isOpen);
  if (open) {
    // A second off while still off: the earliest start stands (the first one may arrive last).
    if (e.time < open.start!) return { action: 'save', interruption: { ...open, start: e.time, startEventId: e.eventId } };
    return { action: 'ignore', why: 'already off' };
  }
  return { action: 'save', interruption: { meter: e.meter, track: e.track, kind: 'supply', start: e.time, startEventId: e.eventId, ...(e.cause ? { cause: e.cause } : {}) } };
}

/**
 * An end event (power-restored, relay connected). It closes the open interruption that started
 * before it; a duplicate changes nothing; a restore with no off on record is kept as an
 * interruption without start (completed if its off arrives later, or dated back by the
 * duration the meter reported).
 */
export function applyEnd(known: Interruption[], e: EdgeEvent): Change {
  const same = known.filter((i) => i.track === e.track);
  if (same.some((i) => i.end === e.time)) return { action: 'ignore', why: 'duplicate end' };
  const open = same.filter((i) => isOpen(i) && i.start! <= e.time).sort((a, b) => b.start! - a.start!)[0];
  if (open) return { action: 'save', interruption: { ...open, end: e.time, endEventId: e.eventId } };
  if (same.some((i) => covers(i, e.time))) return { action: 'ignore', why: 'end inside an interruption already closed' };
  const start = e.reportedDurationMs !== undefined ? e.time - e.reportedDurationMs : undefined;
  return {
    action: 'save',
    interruption: { meter: e.meter, track: e.track, kind: 'supply', end: e.time, endEventId: e.eventId, ...(start !== undefined ? { start } : {}) },
  };
}
