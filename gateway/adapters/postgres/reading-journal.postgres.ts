import { DAY_MS } from '../../domain/readings/day-block.js';
import type { ChangePosition, ReadingChange } from '../../ports/reading-store.port.js';
import { toReading, type DayRow } from './reading-copy.postgres.js';
import type { Pool } from './pg-database.js';

/** Journal rows per query: a row is a day block (~100 readings of 15-minute data, ~1.5 KB). */
const PAGE = 256;
/** Rows to ask for when `wanted` readings are still missing: about enough day blocks of 15-minute data, never fewer than 8. */
const rowsFor = (wanted: number) => Math.min(PAGE, Math.max(8, Math.ceil(wanted / 64)));

interface Row extends DayRow { seq: string; corrected: number[] | null }

/**
 * The change feed (I7 watermark) over `reading_changes`: one row per day block a commit changed,
 * holding the changed readings as that commit left them. A position is (seq, index of the reading
 * in the row). Commits append to the journal under one cluster-wide advisory lock held until
 * they commit (see reading-commit.postgres.ts), so a row's seq is taken only after every earlier
 * commit is visible: seq grows in commit order, and a reader that has seen seq S can never be
 * overtaken by a later-visible row below S.
 */
export class PgReadingJournal {
  constructor(private readonly pool: Pool) {}

  private filter(meters: string[] | undefined, param: number): { sql: string; params: unknown[] } {
    return meters ? { sql: `AND j.meter_id IN (SELECT id FROM reading_meters WHERE mrid = ANY($${param}))`, params: [meters] } : { sql: '', params: [] };
  }

  /** The position of the `limit`-th change after `after` (or of the last one), and whether more follow it. */
  async bound(after: ChangePosition, limit: number, meters?: string[]): Promise<{ end?: ChangePosition; more: boolean }> {
    const f = this.filter(meters, 2);
    let left = limit;
    let end: ChangePosition | undefined;
    let from = after.seq;
    let inclusive = true;
    for (;;) {
      const rows = (await this.pool.query<{ seq: string; n: number }>(
        `SELECT j.seq, j.n FROM reading_changes j WHERE j.seq ${inclusive ? '>=' : '>'} $1 ${f.sql} ORDER BY j.seq LIMIT ${PAGE * 16}`,
        [from, ...f.params])).rows;
      for (const r of rows) {
        const seq = Number(r.seq);
        const first = seq === after.seq ? after.index + 1 : 0;
        if (first >= r.n) continue;
        if (left <= 0) return { ...(end ? { end } : {}), more: true };
        const take = Math.min(left, r.n - first);
        end = { seq, index: first + take - 1 };
        left -= take;
        if (take < r.n - first) return { end, more: true };
      }
      if (rows.length < PAGE * 16) return { ...(end ? { end } : {}), more: false };
      from = Number(rows.at(-1)!.seq);
      inclusive = false;
    }
  }

  /** Up to `limit` changes after `after` and not after `upTo`, in change order. */
  async read(after: ChangePosition, upTo: ChangePosition, limit: number, meters?: string[]): Promise<ReadingChange[]> {
    const f = this.filter(meters, 3);
    const out: ReadingChange[] = [];
    let from = after.seq;
    let inclusive = true;
    while (out.length < limit && from <= upTo.seq) {
      const page = rowsFor(limit - out.length);
      const rows = (await this.pool.query<Row>(
        `SELECT j.seq, m.mrid AS meter, t.code AS reading_type, (j.day - date 'epoch') AS day, j.offs, j.vals, j.registers, j.notes, j.corrected
         FROM reading_changes j JOIN reading_meters m ON m.id = j.meter_id JOIN reading_types t ON t.id = j.type_id
         WHERE j.seq ${inclusive ? '>=' : '>'} $1 AND j.seq <= $2 ${f.sql} ORDER BY j.seq LIMIT ${page}`,
        [from, upTo.seq, ...f.params])).rows;
      for (const r of rows) {
        const seq = Number(r.seq);
        const first = seq === after.seq ? after.index + 1 : 0;
        const last = seq === upTo.seq ? Math.min(upTo.index, r.offs.length - 1) : r.offs.length - 1;
        const corrected = r.corrected ? new Set(r.corrected) : undefined;
        const base = r.day * DAY_MS;
        for (let i = first; i <= last && out.length < limit; i++) {
          out.push({ position: { seq, index: i }, change: corrected?.has(i) ? 'corrected' : 'inserted', reading: toReading(r, i, base + r.offs[i]!) });
        }
        if (out.length >= limit) return out;
      }
      if (rows.length < page) return out;
      from = Number(rows.at(-1)!.seq);
      inclusive = false;
    }
    return out;
  }
}
