import type { Period } from '../domain/period.js';
import type { ReadingBlock } from '../domain/readings/meter-reading.js';
import type { ReadingColumns } from '../domain/readings/reading-columns.js';
import type { Reading } from '../domain/readings/reading.js';

/** Who sent a batch of readings: kept with every correction. */
export interface IngestMeta {
  source: string;
  messageId: string;
  receivedAt: Date;
}

export interface IngestStats {
  /** Readings new to the store. */
  inserted: number;
  /** Repeats of a stored reading (same value and qualities): nothing written. */
  unchanged: number;
  /** Changed value or qualities: the new version is current, the old one kept as history. */
  corrected: number;
}

export interface ReadingQuery {
  /** Meter mRIDs. */
  meters: string[];
  /** ReadingType codes; empty or absent means all. */
  readingTypes?: string[];
  /** Window (start, end]: interval readings are stamped with their interval's end. */
  start?: Date;
  end?: Date;
  /**
   * Per meter, the only times its readings may be answered in (e.g. a third party's consent
   * periods), on top of the window; a meter without an entry is not restricted, one with an empty
   * list answers nothing. Applied before `limit`, offsets and cursors count.
   */
  periods?: ReadonlyMap<string, readonly Period[]>;
}

/** Position in the store's read order (meter, reading type, timestamp): a keyset cursor. */
export interface ReadingKey {
  meter: string;
  readingType: string;
  timestamp: number;
}

/** One block of readings of one meter and reading type, columnar (see ReadingBlock). */
export interface ReadingSeries {
  meter: string;
  readingType: string;
  block: ReadingBlock;
}

export interface Correction {
  meter: string;
  readingType: string;
  timestamp: number;
  previousValue?: number;
  value?: number;
  previousQualities: string[];
  qualities: string[];
  /** Header/Source and MessageID of the message that brought the new version. */
  source: string;
  messageId: string;
  receivedAt: Date;
}

/** Position in the change journal: entry `seq`, reading `index` of it (I7 watermark). Before everything: (0, 0). */
export interface ChangePosition {
  seq: number;
  index: number;
}

/** One committed change of a reading: the reading as that commit left it. */
export interface ReadingChange {
  position: ChangePosition;
  change: 'inserted' | 'corrected';
  reading: Reading;
}

/**
 * Durable readings. Ingest is all-or-nothing per message: readings are staged in batches
 * (invisible to reads) and become visible together at commitIngest; discardIngest forgets them.
 * Idempotent on (meter, readingType, timestamp). Reads are ordered by meter, reading type, time.
 */
export interface ReadingStore {
  beginIngest(meta: IngestMeta): Promise<string>;
  stage(ingestId: string, readings: Reading[]): Promise<void>;
  /** The same as stage, for what ingest parsed: no object per reading on the way to the store. */
  stageSeries(ingestId: string, series: ReadingSeries[]): Promise<void>;
  commitIngest(ingestId: string): Promise<IngestStats>;
  discardIngest(ingestId: string): Promise<void>;
  read(query: ReadingQuery, page: { offset: number; limit: number }): Promise<Reading[]>;
  count(query: ReadingQuery): Promise<number>;
  /**
   * Keyset page: up to `limit` readings strictly after `after` in (meter, reading type, time)
   * order. Unlike offsets, a page boundary does not move when readings are ingested meanwhile.
   */
  readAfter(query: ReadingQuery, after: ReadingKey | undefined, limit: number): Promise<Reading[]>;
  /** The same readings as readAfter, as columns (no object per reading: for formatting many at once). */
  readColumnsAfter(query: ReadingQuery, after: ReadingKey | undefined, limit: number): Promise<ReadingColumns[]>;
  corrections(meter: string, readingType: string, timestamp: number): Promise<Correction[]>;
  /**
   * Change feed (I7): every committed new or changed reading gets a position that grows in
   * commit order and survives restarts. `changeBound` is the position of the `limit`-th change
   * after `after` (absent when there is none) and whether more follow; `readChanges` returns up
   * to `limit` changes in (after, upTo], in change order. `meters` restricts both (absent = all).
   */
  changeBound(after: ChangePosition, limit: number, meters?: string[]): Promise<{ end?: ChangePosition; more: boolean }>;
  readChanges(after: ChangePosition, upTo: ChangePosition, limit: number, meters?: string[]): Promise<ReadingChange[]>;
  /**
   * Retention of the change journal: deletes, oldest first, up to `max` entries with a seq below
   * `belowSeq` that were committed before `olderThan`, never one after an entry it keeps (the
   * journal only ever loses a prefix); answers how many went.
   */
  pruneChanges(belowSeq: number, olderThan: Date, max: number): Promise<number>;
  /** The highest journal seq that may have been pruned (0: none): a position at or before it cannot be answered completely. */
  changeHorizon(): Promise<number>;
}
