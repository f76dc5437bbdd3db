import { randomUUID } from 'node:crypto';
import { DAY_MS, dayOf, decodeDay, encodeDay, type DayPoint } from '../../domain/readings/day-block.js';
import type { Reading } from '../../domain/readings/reading.js';
import type { ChangePosition, Correction, IngestMeta, IngestStats, ReadingChange, ReadingKey, ReadingQuery, ReadingStore } from '../../ports/reading-store.port.js';
import { ReadingJournal } from './reading-changes.sqlite.js';
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
}];

/** Per-reading extras, sparse: only readings with qualities, reportedDateTime or source have one. */
interface Annotation { qualities: string[]; reportedAt?: number; source?: string }
type Annotated = DayPoint & { note?: Annotation };

const sameNote = (a?: Annotation, b?: Annotation) =>
  (a?.qualities ?? []).join(' ') === (b?.qualities ?? []).join(' ') && a?.reportedAt === b?.reportedAt && a?.source === b?.source;
const noteOf = (r: Reading): Annotation | undefined =>
  r.qualities.length > 0 || r.reportedDateTime !== undefined || r.source !== undefined
    ? { qualities: r.qualities, ...(r.reportedDateTime !== undefined ? { reportedAt: r.reportedDateTime } : {}), ...(r.source !== undefined ? { source: r.source } : {}) }
    : undefined;

/**
 * Readings in the embedded store. Staging rows carry a whole message's readings grouped by
 * meter × type × day; commitIngest merges them into the visible tables in one transaction.
 */
export class SqliteReadingStore implements ReadingStore {
  private readonly journal: ReadingJournal;

  constructor(private readonly db: Db) {
    migrate(db, MIGRATIONS);
    this.journal = new ReadingJournal(db);
    // Staging left by a crash mid-message: the sender never got an OK, so it will resend.
    db.exec('DELETE FROM reading_staging; DELETE FROM reading_ingests;');
  }

  async beginIngest(meta: IngestMeta): Promise<string> {
    const id = randomUUID();
    this.db.prepare('INSERT INTO reading_ingests (id, source, message_id, received_at) VALUES (?, ?, ?, ?)').run(id, meta.source, meta.messageId, meta.receivedAt.getTime());
    return id;
  }

  async stage(ingestId: string, readings: Reading[]): Promise<void> {
    const groups = new Map<string, { meter: string; type: string; day: number; points: Annotated[] }>();
    for (const r of readings) {
      const day = dayOf(r.timestamp);
      const key = `${r.meter}\u0000${r.readingType}\u0000${day}`;
      let g = groups.get(key);
      if (!g) groups.set(key, g = { meter: r.meter, type: r.readingType, day, points: [] });
      const p: Annotated = { offset: r.timestamp - day * DAY_MS, kind: r.kind };
      if (r.value !== undefined) p.value = r.value;
      const note = noteOf(r);
      if (note) p.note = note;
      g.points.push(p);
    }
    const insert = this.db.prepare('INSERT INTO reading_staging (ingest_id, meter, reading_type, day, points, annotations) VALUES (?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const g of groups.values()) {
        // Arrival order is kept (stable sort): a later repeat in the same message is the newer version.
        g.points.sort((a, b) => a.offset - b.offset);
        const notes = g.points.flatMap((p, i) => (p.note ? [[i, p.note]] : []));
        insert.run(ingestId, g.meter, g.type, g.day, encodeDay(g.points), notes.length > 0 ? JSON.stringify(notes) : null);
      }
    })();
  }

  async commitIngest(ingestId: string): Promise<IngestStats> {
    const meta = this.db.prepare('SELECT source, message_id, received_at FROM reading_ingests WHERE id = ?').get(ingestId) as
      { source: string; message_id: string; received_at: number } | undefined;
    if (!meta) throw new Error(`unknown ingest ${ingestId}`);
    const stats: IngestStats = { inserted: 0, unchanged: 0, corrected: 0 };
    // Keyset pages: better-sqlite3 cannot write while a statement is still iterating.
    const staged = this.db.prepare(`SELECT seq, meter, reading_type, day, points, annotations FROM reading_staging
      WHERE ingest_id = ? AND (meter, reading_type, day, seq) > (?, ?, ?, ?) ORDER BY meter, reading_type, day, seq LIMIT 256`);
    const existing = this.db.prepare('SELECT points FROM reading_days WHERE meter = ? AND reading_type = ? AND day = ?');
    const existingNotes = this.db.prepare('SELECT ts, qualities, reported_at, source FROM reading_annotations WHERE meter = ? AND reading_type = ? AND ts >= ? AND ts < ?');
    const upsertDay = this.db.prepare('INSERT INTO reading_days (meter, reading_type, day, points) VALUES (?, ?, ?, ?) ON CONFLICT (meter, reading_type, day) DO UPDATE SET points = excluded.points');
    const putNote = this.db.prepare('INSERT OR REPLACE INTO reading_annotations (meter, reading_type, ts, qualities, reported_at, source) VALUES (?, ?, ?, ?, ?, ?)');
    const dropNote = this.db.prepare('DELETE FROM reading_annotations WHERE meter = ? AND reading_type = ? AND ts = ?');
    const addCorrection = this.db.prepare(`INSERT INTO reading_corrections (meter, reading_type, ts, previous_value, value, previous_qualities, qualities, source, message_id, received_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);

    type Staged = { seq: number; meter: string; reading_type: string; day: number; points: Buffer; annotations: string | null };
    const rows = function* (): Generator<Staged> {
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
    this.db.prepare('DELETE FROM reading_staging WHERE ingest_id = ?').run(ingestId);
    this.db.prepare('DELETE FROM reading_ingests WHERE id = ?').run(ingestId);
  }

  async read(query: ReadingQuery, page: { offset: number; limit: number }): Promise<Reading[]> {
    const out: Reading[] = [];
    let skip = page.offset;
    for (const r of this.scan(query)) {
      if (skip > 0) { skip--; continue; }
      if (out.length >= page.limit) break;
      out.push(r);
    }
    return out;
  }

  async count(query: ReadingQuery): Promise<number> {
    let n = 0;
    for (const _ of this.scan(query, false)) n++;
    return n;
  }

  async readAfter(query: ReadingQuery, after: ReadingKey | undefined, limit: number): Promise<Reading[]> {
    const out: Reading[] = [];
    if (limit <= 0) return out;
    for (const r of this.scan(query, true, after)) {
      out.push(r);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Readings in (meter, type, time) order, after `after` when given; day rows are decoded one at a time. */
  private *scan(query: ReadingQuery, withNotes = true, after?: ReadingKey): Generator<Reading> {
    const start = query.start?.getTime() ?? -8.64e15;
    const end = query.end?.getTime() ?? 8.64e15;
    const types = query.readingTypes ?? [];
    const typeFilter = types.length > 0 ? `AND reading_type IN (${types.map(() => '?').join(', ')})` : '';
    const days = this.db.prepare(`SELECT reading_type, day, points FROM reading_days WHERE meter = ? ${typeFilter} AND day BETWEEN ? AND ? ORDER BY reading_type, day`);
    const notes = this.db.prepare(`SELECT reading_type, ts, qualities, reported_at, source FROM reading_annotations WHERE meter = ? ${typeFilter} AND ts > ? AND ts <= ?`);
    for (const meter of [...new Set(query.meters)].sort()) {
      if (after && meter < after.meter) continue;
      // Within the cursor's meter, skip (type, time) at or before it; later meters start at their beginning.
      const skip = after && meter === after.meter
        ? (type: string, ts: number) => type < after.readingType || (type === after.readingType && ts <= after.timestamp)
        : undefined;
      const noteMap = new Map<string, { qualities: string; reported_at: number | null; source: string | null }>();
      if (withNotes) {
        for (const n of notes.all(meter, ...types, start, end) as { reading_type: string; ts: number; qualities: string; reported_at: number | null; source: string | null }[]) {
          noteMap.set(`${n.reading_type}\u0000${n.ts}`, n);
        }
      }
      for (const row of days.all(meter, ...types, dayOf(start), dayOf(end)) as { reading_type: string; day: number; points: Buffer }[]) {
        const base = row.day * DAY_MS;
        if (skip && skip(row.reading_type, base + DAY_MS - 1)) continue;
        for (const p of decodeDay(row.points)) {
          const ts = base + p.offset;
          if (ts <= start || ts > end) continue;
          if (skip?.(row.reading_type, ts)) continue;
          const r: Reading = { meter, readingType: row.reading_type, timestamp: ts, qualities: [], kind: p.kind };
          if (p.value !== undefined) r.value = p.value;
          const n = noteMap.get(`${row.reading_type}\u0000${ts}`);
          if (n) {
            r.qualities = JSON.parse(n.qualities) as string[];
            if (n.reported_at !== null) r.reportedDateTime = n.reported_at;
            if (n.source !== null) r.source = n.source;
          }
          yield r;
        }
      }
    }
  }

  async changeBound(after: ChangePosition, limit: number, meters?: string[]) { return this.journal.bound(after, limit, meters); }
  async readChanges(after: ChangePosition, upTo: ChangePosition, limit: number, meters?: string[]): Promise<ReadingChange[]> { return this.journal.read(after, upTo, limit, meters); }

  async corrections(meter: string, readingType: string, timestamp: number): Promise<Correction[]> {
    const rows = this.db.prepare('SELECT * FROM reading_corrections WHERE meter = ? AND reading_type = ? AND ts = ? ORDER BY id').all(meter, readingType, timestamp) as
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
