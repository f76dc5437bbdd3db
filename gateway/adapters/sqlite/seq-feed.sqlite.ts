import type { Db } from './sqlite-database.js';

/** `AND <column> IN (…)` as one statement shape whatever the list length; nothing when absent. */
export function inList(column: string, values: string[] | undefined): { sql: string; params: unknown[] } {
  return values ? { sql: `AND ${column} IN (SELECT value FROM json_each(?))`, params: [JSON.stringify(values)] } : { sql: '', params: [] };
}

/**
 * Bound of a change feed over a table with a growing `seq`: the seq of the `limit`-th row after
 * `after` (or the last one) and whether more rows follow it. Rows matching `filter` only.
 */
export function seqBound(db: Db, table: string, after: number, limit: number, filter: { sql: string; params: unknown[] }): { end?: number; more: boolean } {
  const nth = db.prepare(`SELECT seq FROM ${table} WHERE seq > ? ${filter.sql} ORDER BY seq LIMIT 1 OFFSET ?`).get(after, ...filter.params, limit - 1) as { seq: number } | undefined;
  if (nth) {
    const more = db.prepare(`SELECT 1 FROM ${table} WHERE seq > ? ${filter.sql} LIMIT 1`).get(nth.seq, ...filter.params) !== undefined;
    return { end: nth.seq, more };
  }
  const last = db.prepare(`SELECT max(seq) AS seq FROM ${table} WHERE seq > ? ${filter.sql}`).get(after, ...filter.params) as { seq: number | null };
  return { ...(last.seq !== null ? { end: last.seq } : {}), more: false };
}
