import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { DAY_MS, dayOf, dayView, decodeDay, encodeDay, hasValue, isRegister, pointCount, pointOffset, type DayPoint } from '../../domain/readings/day-block.js';
import { hull, inPeriods, type Period } from '../../domain/period.js';
import type { ReadingNote } from '../../domain/readings/meter-reading.js';
import { trimColumns, type ReadingColumns } from '../../domain/readings/reading-columns.js';
import type { Reading } from '../../domain/readings/reading.js';
import type { ChangePosition, Correction, IngestMeta, IngestStats, ReadingChange, ReadingKey, ReadingQuery, ReadingSeries, ReadingStore } from '../../ports/reading-store.port.js';
import { systemClock, type Clock } from '../../ports/clock.port.js';
import { ReadingJournal } from './reading-changes.sqlite.js';
import { seriesOf, stagedDays, type Annotation, type StagedDay } from './reading-staging.js';
import { migrate, type Db } from './sqlite-database.js';

const MIGRATIONS = [{
  name: 'readings-001-day-blocks',
  sql: `
    CREATE TABLE reading_days (
      id INTEGER PRIMARY KEY, meter TEXT NOT NULL, reading_type TEXT NOT NULL, day INTEGER NOT NULL, points BLOB NOT NULL
    );
    CREATE UNIQUE INDEX reading_days_key ON reading_days (meter, reading_type, day);
    CREATE TABLE reading_annotations (
      meter TEXT NOT NULL, reading_type TEXT NOT NULL, ts INTEGER NOT NULL,
      qualities TEXT NOT NULL, reported_at INTEGER, source TEXT,
      PRIMARY KEY (meter, reading_type, ts)
    ) WITHOUT ROWID;
    CREATE TABLE reading_corrections (
      id INTEGER PRIMARY KEY, meter TEXT NOT NULL, reading_type TEXT NOT NULL, ts INTEGER NOT NULL,
      previous_value REAL, value REAL, previous_qualities TEXT NOT NULL, qualities TEXT NOT NULL,
      source TEXT NOT NULL, message_id TEXT NOT NULL, received_at INTEGER NOT NULL
    );
    CREATE INDEX reading_corrections_key ON reading_corrections (meter, reading_type, ts);
    CREATE TABLE reading_ingests (id TEXT PRIMARY KEY, source TEXT NOT NULL, message_id TEXT NOT NULL, received_at INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE reading_staging (
      seq INTEGER PRIMARY KEY, ingest_id TEXT NOT NULL, meter TEXT NOT NULL, reading_type TEXT NOT NULL, day INTEGER NOT NULL,
      points BLOB NOT NULL, annotations TEXT
    );
    CREATE INDEX reading_staging_key ON reading_staging (ingest_id, meter, reading_type, day, seq);
  `,
}, {
  // Staging moved to TEMP tables (created per connection below): see there.
  name: 'readings-003-temp-staging',
  sql: 'DROP TABLE IF EXISTS main.reading_staging; DROP TABLE IF EXISTS main.reading_ingests;',
}];

/**
 * Staging: a message's day blocks are kept in memory up to STAGING_MEMORY bytes (across all
 * ingests in progress) and merged from there at commit; beyond it they spill to the connection's
 * TEMP database. A 100 MB load profile is ~16 MB of day blocks, so it never touches SQLite before
 * its commit (writing and reading back staging rows was ~a quarter of the request thread's time).
 * TEMP is a file of its own (SQLITE_TEMP_STORE=1, cache kept small: spilled data lives in the
 * OS page cache, not in this process), bounded in memory whatever the message size, outside the
 * WAL, and gone with the connection — as staging left by a crash should be: the sender never got
 * an OK and resends.
 */
const STAGING_MEMORY = 32 * 1024 * 1024;
const STAGING = `
  PRAGMA temp.cache_size = -2000;
  CREATE TEMP TABLE IF NOT EXISTS reading_staging (
    seq INTEGER PRIMARY KEY, ingest_id TEXT NOT NULL, meter TEXT NOT NULL, reading_type TEXT NOT NULL, day INTEGER NOT NULL,
    points BLOB NOT NULL, annotations TEXT
  );
  CREATE INDEX IF NOT EXISTS temp.reading_staging_key ON reading_staging (ingest_id, meter, reading_type, day, seq);
`;

/** One ingest in progress: who sent it, and its staged day blocks (in memory until they spill). */
interface Ingest { meta: IngestMeta; memory: StagedDay[]; bytes: number; spilled: boolean }

type Annotated = DayPoint & { note?: Annotation };
type DayRow = { reading_type: string; day: number; points: Buffer };
type NoteRow = { reading_type: string; ts: number; qualities: string; reported_at: number | null; source: string | null };
/** One day row of a read and the bounds its points keep to (see scan). */
interface ScanRow {
  meter: string; type: string; base: number; points: Buffer; above: number; upTo: number; periods?: readonly Period[];
  /** The reading type's notes in ts order (when asked for and it has any), this day's from index `noteFrom`. */
  notes?: readonly NoteRow[]; noteFrom: number;
}

const sameNote = (a?: Annotation, b?: Annotation) =>
  (a?.qualities ?? []).join(' ') === (b?.qualities ?? []).join(' ') && a?.reportedAt === b?.reportedAt && a?.source === b?.source;

/** Shared by every answered reading without qualities (nearly all): one array less per reading. */
const NO_QUALITIES: readonly string[] = Object.freeze([]);

/** Most noted readings share a few quality sets: each distinct one is parsed once per read (and frozen, being shared). */
function qualityCache(): (json: string) => readonly string[] {
  const sets = new Map<string, readonly string[]>();
  return (json) => {
    let q = sets.get(json);
    if (!q) sets.set(json, q = Object.freeze(JSON.parse(json) as string[]));
    return q;
  };
}

/** True when the blob's offsets strictly increase: no repeat of a timestamp inside it. */
function strictlyIncreasing(blob: Buffer): boolean {
  for (let i = 1, n = pointCount(blob); i < n; i++) if (pointOffset(blob, i) <= pointOffset(blob, i - 1)) return false;
  return true;
}

/**
 * Readings in the embedded store. Staged rows carry a whole message's readings grouped by
 * meter × type × day; commitIngest merges them into the visible tables in one transaction.
 */
export class SqliteReadingStore implements ReadingStore {
  /** Prepared once per SQL text: preparing per call showed in the month query's profile. */
  private readonly statements = new Map<string, Statement>();
  private readonly journal: ReadingJournal;

  private readonly ingests = new Map<string, Ingest>();
  /** Staged bytes held in memory by all ingests in progress. */
  private inMemory = 0;
  private readonly stagingMemory: number;

  /**
   * `clock` stamps the change journal's entries (their retention counts from the commit);
   * `stagingMemory`: staged bytes kept in memory (all ingests together) before staging spills to SQLite.
   */
  constructor(private readonly db: Db, options: { clock?: Clock; stagingMemory?: number } = {}) {
    migrate(db, MIGRATIONS);
    const clock = options.clock ?? systemClock;
    this.stagingMemory = options.stagingMemory ?? STAGING_MEMORY;
    this.journal = new ReadingJournal(db, () => clock.now().getTime());
    db.exec(STAGING);
  }

  async beginIngest(meta: IngestMeta): Promise<string> {
    const id = randomUUID();
    this.ingests.set(id, { meta, memory: [], bytes: 0, spilled: false });
    return id;
  }

  async stage(ingestId: string, readings: Reading[]): Promise<void> {
    await this.stageSeries(ingestId, seriesOf(readings));
  }

  async stageSeries(ingestId: string, series: ReadingSeries[]): Promise<void> {
    const ingest = this.ingest(ingestId);
    const days = stagedDays(series);
    let bytes = 0;
    for (const d of days) bytes += d.points.length + (d.annotations?.length ?? 0) + 64;
    if (!ingest.spilled && this.inMemory + bytes <= this.stagingMemory) {
      for (const d of days) ingest.memory.push(d);
      ingest.bytes += bytes;
      this.inMemory += bytes;
      return;
    }
    // Over the budget: this ingest's staging moves to the TEMP table, in arrival order.
    const insert = this.sql('INSERT INTO reading_staging (ingest_id, meter, reading_type, day, points, annotations) VALUES (?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const d of [...ingest.memory, ...days]) insert.run(ingestId, d.meter, d.type, d.day, d.points, d.annotations);
    })();
    this.release(ingest);
    ingest.spilled = true;
  }

  private ingest(id: string): Ingest {
    const ingest = this.ingests.get(id);
    if (!ingest) throw new Error(`unknown ingest ${id}`);
    return ingest;
  }

  private release(ingest: Ingest): void {
    this.inMemory -= ingest.bytes;
    ingest.bytes = 0;
    ingest.memory = [];
  }

  private sql(text: string): Statement {
    let st = this.statements.get(text);
    if (!st) this.statements.set(text, st = this.db.prepare(text));
    return st;
  }

  async commitIngest(ingestId: string): Promise<IngestStats> {
    const ingest = this.ingest(ingestId);
    const meta = { source: ingest.meta.source, message_id: ingest.meta.messageId, received_at: ingest.meta.receivedAt.getTime() };
    const stats: IngestStats = { inserted: 0, unchanged: 0, corrected: 0 };
    // Keyset pages: better-sqlite3 cannot write while a statement is still iterating.
    const staged = this.sql(`SELECT seq, meter, reading_type, day, points, annotations FROM reading_staging
      WHERE ingest_id = ? AND (meter, reading_type, day, seq) > (?, ?, ?, ?) ORDER BY meter, reading_type, day, seq LIMIT 256`);
    const existing = this.sql('SELECT points FROM reading_days WHERE meter = ? AND reading_type = ? AND day = ?');
    const existingNotes = this.sql('SELECT ts, qualities, reported_at, source FROM reading_annotations WHERE meter = ? AND reading_type = ? AND ts >= ? AND ts < ?');
    const upsertDay = this.sql('INSERT INTO reading_days (meter, reading_type, day, points) VALUES (?, ?, ?, ?) ON CONFLICT (meter, reading_type, day) DO UPDATE SET points = excluded.points');
    const putNote = this.sql('INSERT OR REPLACE INTO reading_annotations (meter, reading_type, ts, qualities, reported_at, source) VALUES (?, ?, ?, ?, ?, ?)');
    const dropNote = this.sql('DELETE FROM reading_annotations WHERE meter = ? AND reading_type = ? AND ts = ?');
    const addCorrection = this.sql(`INSERT INTO reading_corrections (meter, reading_type, ts, previous_value, value, previous_qualities, qualities, source, message_id, received_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);

    type Staged = { seq: number; meter: string; reading_type: string; day: number; points: Buffer; annotations: string | null };
    // Merged in (meter, reading type, day) order, the blocks of one day in arrival order.
    const rows = function* (): Generator<Staged> {
      if (!ingest.spilled) {
        const order = ingest.memory.map((d, seq) => ({ seq, meter: d.meter, reading_type: d.type, day: d.day, points: d.points, annotations: d.annotations }));
        order.sort((a, b) => (a.meter < b.meter ? -1 : a.meter > b.meter ? 1 : a.reading_type < b.reading_type ? -1 : a.reading_type > b.reading_type ? 1 : a.day - b.day || a.seq - b.seq));
        yield* order;
        return;
      }
      let last: Staged | undefined;
      for (;;) {
        const page = staged.all(ingestId, last?.meter ?? '', last?.reading_type ?? '', last?.day ?? -1e9, last?.seq ?? -1) as Staged[];
        yield* page;
        if (page.length === 0) return;
        last = page[page.length - 1];
      }
    };
    this.db.transaction(() => {
      for (const row of rows()) {
        const { meter, reading_type: type, day } = row;
        const base = day * DAY_MS;
        const current = new Map<number, Annotated>();
        const old = existing.get(meter, type, day) as { points: Buffer } | undefined;
        if (!old && strictlyIncreasing(row.points)) {
          // A day the store has not seen, no repeats: every point is new, the staged blob is the row.
          stats.inserted += pointCount(row.points);
          upsertDay.run(meter, type, day, row.points);
          this.journal.recordEncoded(meter, type, day, pointCount(row.points), row.points, row.annotations);
          for (const [i, note] of row.annotations ? JSON.parse(row.annotations) as [number, Annotation][] : []) {
            putNote.run(meter, type, base + pointOffset(row.points, i), JSON.stringify(note.qualities), note.reportedAt ?? null, note.source ?? null);
          }
          continue;
        }
        if (old) {
          for (const p of decodeDay(old.points)) current.set(p.offset, p);
          for (const n of existingNotes.all(meter, type, base, base + DAY_MS) as { ts: number; qualities: string; reported_at: number | null; source: string | null }[]) {
            const p = current.get(n.ts - base);
            if (p) p.note = { qualities: JSON.parse(n.qualities) as string[], ...(n.reported_at !== null ? { reportedAt: n.reported_at } : {}), ...(n.source !== null ? { source: n.source } : {}) };
          }
        }
        const incoming: Annotated[] = decodeDay(row.points);
        for (const [i, note] of row.annotations ? JSON.parse(row.annotations) as [number, Annotation][] : []) incoming[i]!.note = note;
        const committed = old ? new Set(current.keys()) : undefined;
        const changed: Annotated[] = [];
        for (const p of incoming) {
          const prev = current.get(p.offset);
          const ts = base + p.offset;
          if (!prev) stats.inserted++;
          else if (prev.value === p.value && sameNote(prev.note, p.note)) { stats.unchanged++; continue; }
          else {
            stats.corrected++;
            addCorrection.run(meter, type, ts, prev.value ?? null, p.value ?? null, JSON.stringify(prev.note?.qualities ?? []), JSON.stringify(p.note?.qualities ?? []), meta.source, meta.message_id, meta.received_at);
          }
          changed.push(p);
          current.set(p.offset, p);
          if (p.note) putNote.run(meter, type, ts, JSON.stringify(p.note.qualities), p.note.reportedAt ?? null, p.note.source ?? null);
          else if (prev?.note) dropNote.run(meter, type, ts);
        }
        if (changed.length === 0) continue;
        const blob = encodeDay([...current.values()].sort((a, b) => a.offset - b.offset));
        upsertDay.run(meter, type, day, blob);
        // A new day without repeats (the usual load profile) journals the very blob and notes just written.
        if (!committed && changed.length === current.size) this.journal.recordEncoded(meter, type, day, changed.length, blob, row.annotations);
        else this.journal.recordChanged(meter, type, day, changed, committed);
      }
      this.discardNow(ingestId);
    })();
    return stats;
  }

  async discardIngest(ingestId: string): Promise<void> { this.db.transaction(() => this.discardNow(ingestId))(); }

  private discardNow(ingestId: string): void {
    const ingest = this.ingests.get(ingestId);
    if (!ingest) return;
    this.ingests.delete(ingestId);
    this.release(ingest);
    if (ingest.spilled) this.sql('DELETE FROM reading_staging WHERE ingest_id = ?').run(ingestId);
  }

  /**
   * Readings in (meter, type, time) order, decoded from the day blobs straight into the answer: no
   * intermediate point objects, and the sparse annotations are looked up only when the meter has any.
   */
  async read(query: ReadingQuery, page: { offset: number; limit: number }): Promise<Reading[]> {
    return this.readFrom(query, page.offset, page.limit);
  }

  async readAfter(query: ReadingQuery, after: ReadingKey | undefined, limit: number): Promise<Reading[]> {
    return this.readFrom(query, 0, limit, after);
  }

  /** Readings in (meter, reading type, time) order: past `offset` of them, or strictly after the keyset cursor. */
  private readFrom(query: ReadingQuery, offset: number, limit: number, after?: ReadingKey): Reading[] {
    const out: Reading[] = [];
    if (limit <= 0) return out;
    let skip = offset;
    const qualities = qualityCache();
    for (const d of this.scan(query, after, true)) {
      const { meter, type: readingType, base, above, upTo, periods, notes } = d;
      let k = d.noteFrom;
      const { i32, f64, n } = dayView(d.points);
      for (let i = 0; i < n; i++) {
        const ts = base + i32[4 * i]!;
        if (ts <= above || ts > upTo || (periods && !inPeriods(periods, ts))) continue;
        if (skip > 0) { skip--; continue; }
        if (out.length >= limit) return out;
        const flags = i32[4 * i + 1]!;
        const kind = isRegister(flags) ? 'register' : 'interval';
        const r: Reading = hasValue(flags)
          ? { meter, readingType, timestamp: ts, qualities: NO_QUALITIES, kind, value: f64[2 * i + 1]! }
          : { meter, readingType, timestamp: ts, qualities: NO_QUALITIES, kind };
        if (notes) {
          // Notes in ts order, walked alongside the points (which come in the same order).
          while (k < notes.length && notes[k]!.ts < ts) k++;
          const note = k < notes.length && notes[k]!.ts === ts ? notes[k]! : undefined;
          if (note) {
            r.qualities = qualities(note.qualities);
            if (note.reported_at !== null) r.reportedDateTime = note.reported_at;
            if (note.source !== null) r.source = note.source;
          }
        }
        out.push(r);
      }
    }
    return out;
  }

  /** The same walk as readAfter into one set of columns per day row: typed arrays, no object per reading. */
  async readColumnsAfter(query: ReadingQuery, after: ReadingKey | undefined, limit: number): Promise<ReadingColumns[]> {
    const out: ReadingColumns[] = [];
    let left = limit;
    const qualities = qualityCache();
    for (const d of left > 0 ? this.scan(query, after, true) : []) {
      const { meter, type, base, above, upTo, periods, notes } = d;
      const { i32, f64, n } = dayView(d.points);
      const size = Math.min(n, left);
      const c: ReadingColumns = {
        meter, readingType: type, length: 0, timestamps: new Float64Array(size), values: new Float64Array(size),
        hasValue: new Uint8Array(size), register: new Uint8Array(size),
      };
      let k = 0;
      let j = d.noteFrom;
      for (let i = 0; i < n && k < left; i++) {
        const ts = base + i32[4 * i]!;
        if (ts <= above || ts > upTo || (periods && !inPeriods(periods, ts))) continue;
        const flags = i32[4 * i + 1]!;
        c.timestamps[k] = ts;
        if (hasValue(flags)) {
          c.hasValue[k] = 1;
          c.values[k] = f64[2 * i + 1]!;
        }
        if (isRegister(flags)) c.register[k] = 1;
        if (notes) {
          while (j < notes.length && notes[j]!.ts < ts) j++;
          const note = j < notes.length && notes[j]!.ts === ts ? notes[j]! : undefined;
          if (note) {
            const m = (c.notes ??= new Map()) as Map<number, ReadingNote>;
            m.set(k, { qualities: qualities(note.qualities), ...(note.reported_at !== null ? { reportedDateTime: note.reported_at } : {}), ...(note.source !== null ? { source: note.source } : {}) });
          }
        }
        k++;
      }
      if (k === 0) continue;
      out.push(trimColumns(c, k));
      left -= k;
      if (left === 0) break;
    }
    return out;
  }

  async count(query: ReadingQuery): Promise<number> {
    let total = 0;
    for (const { base, points, above, upTo, periods } of this.scan(query, undefined, false)) {
      const { i32, n } = dayView(points);
      for (let i = 0; i < n; i++) {
        const ts = base + i32[4 * i]!;
        if (ts > above && ts <= upTo && (!periods || inPeriods(periods, ts))) total++;
      }
    }
    return total;
  }

  /**
   * The day rows a read walks, in (meter, reading type, day) order, each with the bounds its points
   * must keep to: `above` < ts ≤ `upTo` (the window, tightened by the keyset cursor on its reading
   * type) and, when the query restricts the meter, inside one of its `periods`. Rows wholly before
   * the cursor are not yielded. With `withNotes`, the meter's annotations are read once, in the
   * window and in (type, ts) order, and each row gets its type's list and where its day starts in it.
   */
  private *scan(query: ReadingQuery, after: ReadingKey | undefined, withNotes: boolean): Generator<ScanRow> {
    const types = query.readingTypes ?? [];
    const typeFilter = types.length > 0 ? `AND reading_type IN (${types.map(() => '?').join(', ')})` : '';
    const days = this.sql(`SELECT reading_type, day, points FROM reading_days WHERE meter = ? ${typeFilter} AND day BETWEEN ? AND ? ORDER BY reading_type, day`);
    const notes = this.sql(`SELECT reading_type, ts, qualities, reported_at, source FROM reading_annotations WHERE meter = ? ${typeFilter} AND ts > ? AND ts <= ? ORDER BY reading_type, ts`);
    for (const meter of [...new Set(query.meters)].sort()) {
      if (after && meter < after.meter) continue;
      let start = query.start?.getTime() ?? -8.64e15;
      let end = query.end?.getTime() ?? 8.64e15;
      const periods = query.periods?.get(meter);
      if (periods) {
        const h = hull(periods);
        start = Math.max(start, h.start - 1);
        end = Math.min(end, h.end);
        if (start >= end) continue;
      }
      const noted = new Map<string, { list: NoteRow[]; at: number }>();
      if (withNotes) {
        for (const n of notes.all(meter, ...types, start, end) as NoteRow[]) {
          let t = noted.get(n.reading_type);
          if (!t) noted.set(n.reading_type, t = { list: [], at: 0 });
          t.list.push(n);
        }
      }
      const cursor = after && meter === after.meter ? after : undefined;
      // Iterated, not fetched whole: a small page of a long window stops reading blobs once full.
      for (const row of days.iterate(meter, ...types, dayOf(start), dayOf(end)) as IterableIterator<DayRow>) {
        if (cursor && row.reading_type < cursor.readingType) continue;
        const base = row.day * DAY_MS;
        const above = cursor && row.reading_type === cursor.readingType ? Math.max(start, cursor.timestamp) : start;
        const t = noted.get(row.reading_type);
        // The type's days come in order: its notes before this day are passed once, not again per row.
        if (t) while (t.at < t.list.length && t.list[t.at]!.ts < base) t.at++;
        yield { meter, type: row.reading_type, base, points: row.points, above, upTo: end, ...(periods ? { periods } : {}), ...(t ? { notes: t.list, noteFrom: t.at } : { noteFrom: 0 }) };
      }
    }
  }

  async changeBound(after: ChangePosition, limit: number, meters?: string[]) { return this.journal.bound(after, limit, meters); }
  async readChanges(after: ChangePosition, upTo: ChangePosition, limit: number, meters?: string[]): Promise<ReadingChange[]> { return this.journal.read(after, upTo, limit, meters); }
  async pruneChanges(belowSeq: number, olderThan: Date, max: number): Promise<number> { return this.journal.prune(belowSeq, olderThan, max); }
  async changeHorizon(): Promise<number> { return this.journal.horizon(); }

  async corrections(meter: string, readingType: string, timestamp: number): Promise<Correction[]> {
    const rows = this.sql('SELECT * FROM reading_corrections WHERE meter = ? AND reading_type = ? AND ts = ? ORDER BY id').all(meter, readingType, timestamp) as
      { previous_value: number | null; value: number | null; previous_qualities: string; qualities: string; source: string; message_id: string; received_at: number }[];
    return rows.map((r) => ({
      meter, readingType, timestamp,
      ...(r.previous_value !== null ? { previousValue: r.previous_value } : {}),
      ...(r.value !== null ? { value: r.value } : {}),
      previousQualities: JSON.parse(r.previous_qualities) as string[],
      qualities: JSON.parse(r.qualities) as string[],
      source: r.source, messageId: r.message_id, receivedAt: new Date(r.received_at),
    }));
  }
}
