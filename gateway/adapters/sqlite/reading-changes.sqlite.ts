import { DAY_MS, decodeDay, encodeDay, type DayPoint } from '../../domain/readings/day-block.js';
import type { Reading } from '../../domain/readings/reading.js';
import type { ChangePosition, ReadingChange } from '../../ports/reading-store.port.js';
import { journalHorizon, pruneJournal } from './journal-retention.sqlite.js';
import { migrate, type Db } from './sqlite-database.js';

const MIGRATION = 'readings-002-change-journal';

/** Per-reading extras as the store keeps them (sparse). */
export interface JournalNote { qualities: readonly string[]; reportedAt?: number; source?: string }
export type JournalPoint = DayPoint & { note?: JournalNote };

interface Row { seq: number; meter: string; reading_type: string; day: number; n: number; points: Buffer; notes: string | null; corrected: string | null }

/**
 * The change journal of the reading store (I7 watermark). One row per day block a commit
 * changed, written in the commit's own transaction, holding only the readings that changed (as
 * they were after that commit), so an ingest pays one small extra insert per changed day block,
 * not one per reading. `seq` is AUTOINCREMENT: never reused, and SQLite's single writer makes it
 * grow in commit order, so a reader holding a position can never miss a later commit.
 * A position is (seq, index of the reading within the row's points).
 */
export class ReadingJournal {
  private readonly add;

  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {
    const fresh = !db.prepare('SELECT 1 FROM schema_migrations WHERE name = ?').get(MIGRATION);
    migrate(db, [{
      name: MIGRATION,
      sql: `CREATE TABLE reading_changes (
          seq INTEGER PRIMARY KEY AUTOINCREMENT, meter TEXT NOT NULL, reading_type TEXT NOT NULL, day INTEGER NOT NULL,
          n INTEGER NOT NULL, points BLOB NOT NULL, notes TEXT, corrected TEXT
        );
        CREATE INDEX reading_changes_meter ON reading_changes (meter, seq);`,
    }, {
      // Commit time, for the journal's retention; entries from before it count from the upgrade.
      name: 'readings-003-change-journal-time',
      sql: `ALTER TABLE reading_changes ADD COLUMN at INTEGER;
        UPDATE reading_changes SET at = CAST(strftime('%s', 'now') AS INTEGER) * 1000;`,
    }]);
    this.add = db.prepare('INSERT INTO reading_changes (meter, reading_type, day, n, points, notes, corrected, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    if (fresh) this.backfill();
  }

  prune(belowSeq: number, olderThan: Date, max: number): number {
    return pruneJournal(this.db, 'reading_changes', belowSeq, olderThan.getTime(), max);
  }

  horizon(): number {
    return journalHorizon(this.db, 'reading_changes');
  }

  /** Called inside the ingest commit's transaction with the day's changed points (sorted by offset). */
  record(meter: string, readingType: string, day: number, points: JournalPoint[], corrected: number[]): void {
    const notes = points.flatMap((p, i) => (p.note ? [[i, p.note]] : []));
    this.add.run(meter, readingType, day, points.length, encodeDay(points), notes.length ? JSON.stringify(notes) : null, corrected.length ? JSON.stringify(corrected) : null, this.now());
  }

  /** A whole new day: the day block's own blob and notes (`[[index, note]…]` JSON), no corrections. */
  recordEncoded(meter: string, readingType: string, day: number, n: number, blob: Buffer, notes: string | null): void {
    this.add.run(meter, readingType, day, n, blob, notes, null, this.now());
  }

  /**
   * Points a commit changed, in arrival order (a repeat within the message replaces the first);
   * `committed` = offsets stored before the commit (corrections), absent for a new day.
   */
  recordChanged(meter: string, readingType: string, day: number, changed: JournalPoint[], committed: ReadonlySet<number> | undefined): void {
    const last = [...new Map(changed.map((p) => [p.offset, p])).values()].sort((a, b) => a.offset - b.offset);
    this.record(meter, readingType, day, last, last.flatMap((p, i) => (committed?.has(p.offset) ? [i] : [])));
  }

  /** Readings stored before the journal existed enter it once, as insertions, in (meter, type, day) order. */
  private backfill(): void {
    const days = this.db.prepare('SELECT meter, reading_type, day, points FROM reading_days ORDER BY meter, reading_type, day').all() as { meter: string; reading_type: string; day: number; points: Buffer }[];
    const notes = this.db.prepare('SELECT ts, qualities, reported_at, source FROM reading_annotations WHERE meter = ? AND reading_type = ? AND ts >= ? AND ts < ?');
    this.db.transaction(() => {
      for (const d of days) {
        const points: JournalPoint[] = decodeDay(d.points);
        const byTs = new Map(points.map((p) => [d.day * DAY_MS + p.offset, p]));
        for (const n of notes.all(d.meter, d.reading_type, d.day * DAY_MS, (d.day + 1) * DAY_MS) as { ts: number; qualities: string; reported_at: number | null; source: string | null }[]) {
          const p = byTs.get(n.ts);
          if (p) p.note = { qualities: JSON.parse(n.qualities) as string[], ...(n.reported_at !== null ? { reportedAt: n.reported_at } : {}), ...(n.source !== null ? { source: n.source } : {}) };
        }
        this.record(d.meter, d.reading_type, d.day, points, []);
      }
    })();
  }

  private filter(meters: string[] | undefined): { sql: string; params: unknown[] } {
    return meters ? { sql: 'AND meter IN (SELECT value FROM json_each(?))', params: [JSON.stringify(meters)] } : { sql: '', params: [] };
  }

  /** The position of the `limit`-th change after `after` (or of the last one), and whether more follow it. */
  bound(after: ChangePosition, limit: number, meters?: string[]): { end?: ChangePosition; more: boolean } {
    const f = this.filter(meters);
    const rows = this.db.prepare(`SELECT seq, n FROM reading_changes WHERE seq >= ? ${f.sql} ORDER BY seq`).iterate(after.seq, ...f.params) as IterableIterator<{ seq: number; n: number }>;
    let left = limit;
    let end: ChangePosition | undefined;
    for (const r of rows) {
      const first = r.seq === after.seq ? after.index + 1 : 0;
      if (first >= r.n) continue;
      if (left === 0) { rows.return?.(); return { ...(end ? { end } : {}), more: true }; }
      const take = Math.min(left, r.n - first);
      end = { seq: r.seq, index: first + take - 1 };
      left -= take;
      if (take < r.n - first) { rows.return?.(); return { end, more: true }; }
    }
    return { ...(end ? { end } : {}), more: false };
  }

  /** Up to `limit` changes after `after` and not after `upTo`, in change order. */
  read(after: ChangePosition, upTo: ChangePosition, limit: number, meters?: string[]): ReadingChange[] {
    const f = this.filter(meters);
    const out: ReadingChange[] = [];
    let from = after;
    while (out.length < limit) {
      const rows = this.db.prepare(`SELECT * FROM reading_changes WHERE seq >= ? AND seq <= ? ${f.sql} ORDER BY seq LIMIT 64`).all(from.seq, upTo.seq, ...f.params) as Row[];
      for (const r of rows) {
        const first = r.seq === after.seq ? after.index + 1 : 0;
        const last = r.seq === upTo.seq ? upTo.index : r.n - 1;
        const points: JournalPoint[] = decodeDay(r.points);
        for (const [i, note] of r.notes ? JSON.parse(r.notes) as [number, JournalNote][] : []) points[i]!.note = note;
        const corrected = new Set(r.corrected ? JSON.parse(r.corrected) as number[] : []);
        for (let i = Math.max(first, from.seq === r.seq ? from.index + 1 : 0); i <= last && out.length < limit; i++) {
          const p = points[i]!;
          const reading: Reading = { meter: r.meter, readingType: r.reading_type, timestamp: r.day * DAY_MS + p.offset, qualities: p.note?.qualities ?? [], kind: p.kind };
          if (p.value !== undefined) reading.value = p.value;
          if (p.note?.reportedAt !== undefined) reading.reportedDateTime = p.note.reportedAt;
          if (p.note?.source !== undefined) reading.source = p.note.source;
          out.push({ position: { seq: r.seq, index: i }, change: corrected.has(i) ? 'corrected' : 'inserted', reading });
        }
        if (out.length >= limit) return out;
      }
      if (rows.length < 64) return out;
      from = { seq: rows.at(-1)!.seq, index: Number.MAX_SAFE_INTEGER - 1 };
    }
    return out;
  }
}
