import type { Db } from './sqlite-database.js';

/**
 * Retention of an I7 change journal (a table with `seq INTEGER PRIMARY KEY AUTOINCREMENT` and the
 * commit time `at`): deletes a prefix, so what remains is always complete from some seq on.
 * Among the first `max` entries, those with `seq` below `belowSeq` and `at` before `olderThan`, up
 * to the first one that is too recent (a clock set back) — never one after an entry it keeps. Looks
 * at `max` rows at most, however long the old prefix, so draining a backlog stays linear.
 */
export function pruneJournal(db: Db, table: string, belowSeq: number, olderThan: number, max: number): number {
  if (max <= 0) return 0;
  const head = db.prepare(`SELECT seq, at FROM ${table} WHERE seq < ? ORDER BY seq LIMIT ?`).raw().all(belowSeq, max) as [number, number | null][];
  let last: number | undefined;
  for (const [seq, at] of head) {
    if (at === null || at >= olderThan) break;
    last = seq;
  }
  return last === undefined ? 0 : db.prepare(`DELETE FROM ${table} WHERE seq <= ?`).run(last).changes;
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
