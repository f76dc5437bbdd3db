import type { Db } from './sqlite-database.js';

/**
 * Retention of an I7 change journal (a table with `seq INTEGER PRIMARY KEY AUTOINCREMENT` and the
 * commit time `at`): deletes a prefix, so what remains is always complete from some seq on.
 * `seq` below `belowSeq` and `at` before `olderThan`; the first entry that is too recent stops it
 * even if an older-stamped one follows (a clock set back), so no gap is ever made.
 */
export function pruneJournal(db: Db, table: string, belowSeq: number, olderThan: number, max: number): number {
  const young = db.prepare(`SELECT seq FROM ${table} WHERE seq < ? AND (at IS NULL OR at >= ?) ORDER BY seq LIMIT 1`).get(belowSeq, olderThan) as { seq: number } | undefined;
  const cut = young ? Math.min(belowSeq, young.seq) : belowSeq;
  // At most `max` per call: the caller yields between calls, so a large backlog never blocks requests for long.
  const nth = db.prepare(`SELECT seq FROM ${table} WHERE seq < ? ORDER BY seq LIMIT 1 OFFSET ?`).get(cut, max - 1) as { seq: number } | undefined;
  return db.prepare(`DELETE FROM ${table} WHERE seq < ?`).run(nth ? nth.seq + 1 : cut).changes;
}

/**
 * The highest seq that may have been deleted: just below the first entry kept, or, when the
 * journal is empty, the last seq AUTOINCREMENT handed out (nothing pruned and nothing written: 0).
 */
export function journalHorizon(db: Db, table: string): number {
  const first = db.prepare(`SELECT min(seq) AS seq FROM ${table}`).get() as { seq: number | null };
  if (first.seq !== null) return first.seq - 1;
  const issued = db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').get(table) as { seq: number } | undefined;
  return issued?.seq ?? 0;
}
