import type { Queryable } from './pg-database.js';

/**
 * Serialises the writers of one change feed until their commit. A sequence hands out numbers in
 * call order, not commit order: without this, a reader could pass seq 6 (committed) while seq 5 is
 * still in flight in another instance, and never see 5. Under the lock a seq is taken only after
 * every earlier one committed (or rolled back, leaving a gap nobody waits for).
 */
export async function lockFeed(c: Queryable, feed: string): Promise<void> {
  await c.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':feed:' || $1))`, [feed]);
}

/** `AND <column> = ANY($n)`, one statement shape whatever the list length; nothing when absent. */
export function anyOf(column: string, values: string[] | undefined, n: number): { sql: string; params: unknown[] } {
  return values ? { sql: `AND ${column} = ANY($${n}::text[])`, params: [values] } : { sql: '', params: [] };
}

/**
 * Bound of a change feed over a table with a growing `seq`: the seq of the `limit`-th row after
 * `after` (or the last one) and whether more rows follow it. Rows whose `column` is in `values` only.
 */
export async function seqBound(db: Queryable, table: string, after: number, limit: number, column: string, values: string[] | undefined): Promise<{ end?: number; more: boolean }> {
  const f3 = anyOf(column, values, 3);
  const nth = (await db.query<{ seq: string }>(`SELECT seq FROM ${table} WHERE seq > $1 ${f3.sql} ORDER BY seq LIMIT 1 OFFSET $2`,
    [after, limit - 1, ...f3.params])).rows[0];
  const f2 = anyOf(column, values, 2);
  if (nth) {
    const more = (await db.query(`SELECT 1 FROM ${table} WHERE seq > $1 ${f2.sql} LIMIT 1`, [nth.seq, ...f2.params])).rowCount! > 0;
    return { end: Number(nth.seq), more };
  }
  const last = (await db.query<{ seq: string | null }>(`SELECT max(seq) AS seq FROM ${table} WHERE seq > $1 ${f2.sql}`, [after, ...f2.params])).rows[0]!;
  return { ...(last.seq !== null ? { end: Number(last.seq) } : {}), more: false };
}
