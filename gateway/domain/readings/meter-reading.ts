import type { DeviceRef } from '../meters/meter.js';
import type { Reading } from './reading.js';

/** Readings of one ReadingType inside one MeterReading: an IntervalBlocks, or one Readings element. */
export interface ReadingBlock {
  readingType: string;
  /** Path of the block inside its MeterReading, e.g. `IntervalBlocks[2]`, for error xpaths. */
  where: string;
  readings: Omit<Reading, 'meter' | 'readingType'>[];
}

/** One MeterReading element as ingest needs it, whichever path (buffered or streamed) read it. */
export interface ParsedMeterReading {
  /** 1-based position among the MeterReading elements of the message. */
  index: number;
  meter?: DeviceRef;
  blocks: ReadingBlock[];
}
