import type { DeviceRef } from '../meters/meter.js';

/** What a reading carries besides its value; sparse (about 1 % of a load profile has any). */
export interface ReadingNote {
  qualities: readonly string[];
  reportedDateTime?: number;
  source?: string;
}

/**
 * Readings of one ReadingType inside one MeterReading: an IntervalBlocks, or one Readings element.
 * Columnar (one number per reading in each array, notes only where present) rather than an object
 * per reading: a 100 MB load profile is a million readings, and an object each was the largest
 * share of the ingest's garbage collection (arrays grown a push at a time were the next: the
 * parser fills scratch columns and gives each block arrays of its exact size).
 */
export interface ReadingBlock {
  readingType: string;
  /** Path of the block inside its MeterReading, e.g. `IntervalBlocks[2]`, for error xpaths. */
  where: string;
  kind: 'interval' | 'register';
  /** Epoch milliseconds; NaN when the reading has no (parsable) timeStamp. */
  timestamps: number[];
  /** The value, or NaN where `hasValue` is 0 (a value may itself be NaN: the schema allows it). */
  values: number[];
  hasValue: number[];
  /** Index → note, for the readings with qualities, reportedDateTime or source. */
  notes?: Map<number, ReadingNote>;
}

/** One MeterReading element as ingest needs it, whichever path (buffered or streamed) read it. */
export interface ParsedMeterReading {
  /** 1-based position among the MeterReading elements of the message. */
  index: number;
  meter?: DeviceRef;
  blocks: ReadingBlock[];
}
