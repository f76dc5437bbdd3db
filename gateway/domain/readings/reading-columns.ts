import type { ReadingNote } from './meter-reading.js';
import type { Reading } from './reading.js';

/**
 * Consecutive readings (in read order) of one meter and reading type, as columns: what a reader
 * that formats thousands of readings (the I8 JSON page, CSV exports) takes instead of an object
 * per reading. All arrays have `length` entries.
 */
export interface ReadingColumns {
  meter: string;
  readingType: string;
  length: number;
  /** Epoch milliseconds, increasing. */
  timestamps: Float64Array;
  /** The value where `hasValue` is 1 (it may itself be NaN); 0 elsewhere. */
  values: Float64Array;
  hasValue: Uint8Array;
  /** 1 for a register (instantaneous) reading, 0 for interval data. */
  register: Uint8Array;
  /** Index → qualities, reportedDateTime, source of the few readings that have any. */
  notes?: ReadonlyMap<number, ReadingNote>;
}

const NO_QUALITIES: readonly string[] = Object.freeze([]);

export const readingCount = (columns: readonly ReadingColumns[]): number => columns.reduce((n, c) => n + c.length, 0);

/** Reading i of a column set, as the object the rest of the code uses. */
export function readingAt(c: ReadingColumns, i: number): Reading {
  const r: Reading = { meter: c.meter, readingType: c.readingType, timestamp: c.timestamps[i]!, qualities: NO_QUALITIES, kind: c.register[i] ? 'register' : 'interval' };
  if (c.hasValue[i]) r.value = c.values[i]!;
  const note = c.notes?.get(i);
  if (note) {
    r.qualities = note.qualities;
    if (note.reportedDateTime !== undefined) r.reportedDateTime = note.reportedDateTime;
    if (note.source !== undefined) r.source = note.source;
  }
  return r;
}

export function readingsOf(columns: readonly ReadingColumns[]): Reading[] {
  const out: Reading[] = [];
  for (const c of columns) for (let i = 0; i < c.length; i++) out.push(readingAt(c, i));
  return out;
}

/** The first `n` readings of a column set (views, no copy). */
export function firstReadings(columns: readonly ReadingColumns[], n: number): ReadingColumns[] {
  const out: ReadingColumns[] = [];
  let left = n;
  for (const c of columns) {
    if (left <= 0) break;
    if (c.length <= left) out.push(c);
    else {
      const notes = c.notes && new Map([...c.notes].filter(([i]) => i < left));
      out.push({
        meter: c.meter, readingType: c.readingType, length: left, timestamps: c.timestamps.subarray(0, left), values: c.values.subarray(0, left),
        hasValue: c.hasValue.subarray(0, left), register: c.register.subarray(0, left), ...(notes?.size ? { notes } : {}),
      });
    }
    left -= c.length;
  }
  return out;
}

/** Columns filled into arrays sized for the most they could hold, cut (views, no copy) to the `n` actually filled. */
export function trimColumns<C extends ReadingColumns>(c: C, n: number): C {
  if (n < c.timestamps.length) Object.assign(c, { timestamps: c.timestamps.subarray(0, n), values: c.values.subarray(0, n), hasValue: c.hasValue.subarray(0, n), register: c.register.subarray(0, n) });
  c.length = n;
  return c;
}
