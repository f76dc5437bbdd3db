import { transaction, type Pool } from './pg-database.js';

/**
 * How far each I7 change journal has been pruned. A sequence is no record of it: PostgreSQL
 * hands out numbers that a rolled-back commit never uses, so neither "first seq kept − 1" nor
 * the sequence's last value says what was deleted; the highest seq a prune deleted does.
 */
export const JOURNAL_HORIZONS_MIGRATION = {
  name: 'journals-001-horizons',
  sql: 'CREATE TABLE IF NOT EXISTS journal_horizons (journal TEXT PRIMARY KEY, seq BIGINT NOT NULL)',
};

/**
 * Retention of a change journal (a table with a growing `seq` and the commit time `at`, epoch ms):
 * deletes a prefix, so what remains is always complete from some seq on. Among the first `max`
 * entries, those with `seq` below `belowSeq` and `at` before `olderThan`, up to the first one that
 * is too recent (a clock set back) — never one after an entry it keeps. Looks at `max` rows at
 * most, however long the old prefix. Entries still being committed are not visible here; their
 * seq is above every committed one (the feed's lock), so a prefix never passes them.
 */
export async function pruneJournal(pool: Pool, table: string, belowSeq: number, olderThan: Date, max: number): Promise<number> {
  if (max <= 0) return 0;
  return transaction(pool, async (c) => {
    // Instances pruning at once would only repeat each other's work; one at a time keeps the horizon exact.
    await c.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':prune:' || $1))`, [table]);
    const gone = (await c.query<{ n: number; last: string | null }>(`
      WITH head AS (SELECT seq, at FROM ${table} WHERE seq < $1 ORDER BY seq LIMIT $3),
      young AS (SELECT min(seq) AS seq FROM head WHERE at IS NULL OR at >= $2),
      gone AS (DELETE FROM ${table} WHERE seq IN (SELECT seq FROM head WHERE seq < coalesce((SELECT seq FROM young), $1)) RETURNING seq)
      SELECT count(*)::int AS n, max(seq) AS last FROM gone`, [belowSeq, olderThan.getTime(), max])).rows[0]!;
    if (gone.last !== null) {
      await c.query(`INSERT INTO journal_horizons (journal, seq) VALUES ($1, $2)
        ON CONFLICT (journal) DO UPDATE SET seq = greatest(journal_horizons.seq, excluded.seq)`, [table, gone.last]);
    }
    return gone.n;
  });
}

/** The highest seq that may have been deleted (0: nothing pruned yet). */
export async function journalHorizon(pool: Pool, table: string): Promise<number> {
  const row = (await pool.query<{ seq: string }>('SELECT seq FROM journal_horizons WHERE journal = $1', [table])).rows[0];
  return row ? Number(row.seq) : 0;
}
