import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { hull, inPeriods, type Period } from '../../domain/period.js';
import { DAY_MS, dayOf } from '../../domain/readings/day-block.js';
import type { ReadingNote } from '../../domain/readings/meter-reading.js';
import { trimColumns, type ReadingColumns } from '../../domain/readings/reading-columns.js';
import type { Reading } from '../../domain/readings/reading.js';
import { systemClock, type Clock } from '../../ports/clock.port.js';
import type { ChangePosition, Correction, IngestMeta, IngestStats, ReadingChange, ReadingKey, ReadingQuery, ReadingSeries, ReadingStore } from '../../ports/reading-store.port.js';
import { seriesOf } from '../sqlite/reading-staging.js';
import { JOURNAL_HORIZONS_MIGRATION, journalHorizon, pruneJournal } from './journal-retention.postgres.js';
import { migratePg, transaction, type Pool } from './pg-database.js';
import { commitStaged } from './reading-commit.postgres.js';
import { dayDate, MAX_TIMESTAMP, MIN_TIMESTAMP, STAGING_COLUMNS, stagingCopy, toReading, type DayRow } from './reading-copy.postgres.js';
import { PgReadingJournal } from './reading-journal.postgres.js';
import { ReadingPartitions } from './reading-partitions.postgres.js';

/*
 * One row per meter × reading type × UTC day, as in the embedded store: a day of 15-minute data is
 * one ~1.5 KB row instead of 96 (measured for 960,000 readings: 15 bytes per reading with its key
 * against 101 as bare rows without one, and the commit's insert 0.2 s against 3.7 s for keyed
 * row-per-reading; docs/readings.md). Points are parallel arrays so the
 * merge can run in SQL (unnest / array_agg): offsets in ms from the day's start, values (NULL = no
 * value), register flags (NULL when none), sparse notes keyed by point index. Meters and reading
 * types are integer ids (lookup tables): the primary key is three int4 instead of two strings.
 */
const MIGRATIONS = [{
  name: 'readings-001-day-blocks',
  sql: `
    CREATE TABLE reading_meters (id SERIAL PRIMARY KEY, mrid TEXT COLLATE "C" NOT NULL UNIQUE);
    CREATE TABLE reading_types (id SERIAL PRIMARY KEY, code TEXT COLLATE "C" NOT NULL UNIQUE);
    CREATE TABLE reading_days (
      meter_id INTEGER NOT NULL, type_id INTEGER NOT NULL, day DATE NOT NULL,
      offs INTEGER[] NOT NULL, vals DOUBLE PRECISION[] NOT NULL, registers BOOLEAN[], notes JSONB,
      PRIMARY KEY (meter_id, type_id, day)
    ) PARTITION BY RANGE (day);
    CREATE TABLE reading_corrections (
      id BIGSERIAL PRIMARY KEY, meter_id INTEGER NOT NULL, type_id INTEGER NOT NULL, ts TIMESTAMPTZ NOT NULL,
      previous_value DOUBLE PRECISION, value DOUBLE PRECISION, previous_qualities TEXT[] NOT NULL, qualities TEXT[] NOT NULL,
      source TEXT NOT NULL, message_id TEXT NOT NULL, received_at TIMESTAMPTZ NOT NULL
    );
    CREATE INDEX reading_corrections_key ON reading_corrections (meter_id, type_id, ts);
    CREATE UNLOGGED TABLE reading_ingests (
      id UUID PRIMARY KEY, source TEXT NOT NULL, message_id TEXT NOT NULL, received_at TIMESTAMPTZ NOT NULL,
      staged INTEGER NOT NULL DEFAULT 0, first_day DATE, last_day DATE, touched_at TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE UNLOGGED TABLE reading_staging (
      ingest_id UUID NOT NULL, seq BIGINT GENERATED ALWAYS AS IDENTITY, meter TEXT COLLATE "C" NOT NULL, reading_type TEXT COLLATE "C" NOT NULL,
      day DATE NOT NULL, clean BOOLEAN NOT NULL, offs INTEGER[] NOT NULL, vals DOUBLE PRECISION[] NOT NULL, registers BOOLEAN[], notes JSONB
    );
    CREATE INDEX reading_staging_ingest ON reading_staging (ingest_id, seq);
  `,
}, {
  name: 'readings-002-change-journal',
  sql: `
    CREATE TABLE reading_changes (
      seq BIGSERIAL, meter_id INTEGER NOT NULL, type_id INTEGER NOT NULL, day DATE NOT NULL, n INTEGER NOT NULL,
      offs INTEGER[] NOT NULL, vals DOUBLE PRECISION[] NOT NULL, registers BOOLEAN[], notes JSONB, corrected INTEGER[],
      PRIMARY KEY (seq) INCLUDE (n, meter_id)
    );
    CREATE INDEX reading_changes_meter ON reading_changes (meter_id, seq);
  `,
}, {
  // Commit time, for the journal's retention; entries from before it count from the upgrade.
  name: 'readings-003-change-journal-time',
  sql: `
    ALTER TABLE reading_changes ADD COLUMN at BIGINT;
    UPDATE reading_changes SET at = (extract(epoch FROM now()) * 1000)::bigint;
  `,
}, JOURNAL_HORIZONS_MIGRATION];

const COPY_STAGING = `COPY reading_staging ${STAGING_COLUMNS} FROM STDIN (FORMAT binary)`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Day rows per read query, at most; a read walks its meters in chunks so a page never re-joins what it has passed. */
const DAY_PAGE = 512;
/** Day rows to ask for when `wanted` readings are still missing: about enough days of 15-minute data, never fewer than 16. */
const rowsFor = (wanted: number) => Math.min(DAY_PAGE, Math.max(16, Math.ceil(wanted / 64)));
const METER_CHUNK = 500;

/** Byte order of the UTF-8 strings: how PostgreSQL's "C" collation, used for the ordering columns, compares. */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** A day row of a read and the bounds its points keep to: `above` < ts ≤ `upTo` and, when the meter is restricted, inside its `periods`. */
interface ScanRow { row: DayRow; base: number; above: number; upTo: number; periods?: readonly Period[] }
/** One meter of a read: the window narrowed to the hull of its periods, when the query restricts it. */
interface MeterWindow { start: number; end: number; periods?: readonly Period[] }

export interface PgReadingStoreOptions {
  /** Staging of an ingest untouched this long is deleted at start (the gateway that held it is gone; its sender resends). */
  staleIngestMs?: number;
  /** Stamps the change journal's entries (their retention counts from the commit). */
  clock?: Clock;
}

/**
 * Readings on PostgreSQL for the cluster profile. Staging goes by COPY into an UNLOGGED table
 * shared by every instance (an ingest may stage on one pooled connection and commit on another);
 * commitIngest merges it in one transaction (reading-commit.postgres.ts); `reading_days` is
 * range-partitioned by month, partitions made when first needed.
 */
export class PgReadingStore implements ReadingStore {
  private readonly journal: PgReadingJournal;
  private readonly partitions: ReadingPartitions;
  private commits: Promise<unknown> = Promise.resolve();

  private constructor(private readonly pool: Pool, private readonly clock: Clock) {
    this.journal = new PgReadingJournal(pool);
    this.partitions = new ReadingPartitions(pool);
  }

  static async create(pool: Pool, options: PgReadingStoreOptions = {}): Promise<PgReadingStore> {
    await migratePg(pool, MIGRATIONS);
    const stale = options.staleIngestMs ?? 3_600_000;
    await transaction(pool, async (c) => {
      const gone = await c.query<{ id: string }>(`DELETE FROM reading_ingests WHERE touched_at < now() - $1 * interval '1 millisecond' RETURNING id`, [stale]);
      if (gone.rowCount) await c.query('DELETE FROM reading_staging WHERE ingest_id = ANY($1::uuid[])', [gone.rows.map((r) => r.id)]);
      // Staging rows whose ingest is gone: commit and discard never leave any, a manual cleanup of reading_ingests could.
      await c.query('DELETE FROM reading_staging s WHERE NOT EXISTS (SELECT 1 FROM reading_ingests i WHERE i.id = s.ingest_id)');
    });
    return new PgReadingStore(pool, options.clock ?? systemClock);
  }

  async beginIngest(meta: IngestMeta): Promise<string> {
    const id = randomUUID();
    await this.pool.query('INSERT INTO reading_ingests (id, source, message_id, received_at) VALUES ($1, $2, $3, $4)', [id, meta.source, meta.messageId, meta.receivedAt]);
    return id;
  }

  async stage(ingestId: string, readings: Reading[]): Promise<void> {
    await this.stageSeries(ingestId, seriesOf(readings));
  }

  async stageSeries(ingestId: string, series: ReadingSeries[]): Promise<void> {
    if (!UUID.test(ingestId)) throw new Error(`unknown ingest ${ingestId}`);
    const { data, rows, days } = stagingCopy(ingestId, series);
    if (rows === 0) return;
    await this.partitions.ensure(days);
    const first = Math.min(...days);
    const last = Math.max(...days);
    // Two statements, no transaction around them: if the COPY fails after the count went up, commit
    // finds fewer rows than counted and refuses (and a failed stage aborts the ingest anyway).
    const c = await this.pool.connect();
    try {
      const known = await c.query(
        `UPDATE reading_ingests SET staged = staged + $2, first_day = LEAST(first_day, $3::date), last_day = GREATEST(last_day, $4::date), touched_at = now() WHERE id = $1`,
        [ingestId, rows, dayDate(first), dayDate(last)]);
      if (!known.rowCount) throw new Error(`unknown ingest ${ingestId}`);
      await pipeline(Readable.from([data]), c.query(copyFrom(COPY_STAGING)));
      c.release();
    } catch (err) {
      // A connection that failed mid-COPY is not handed out again.
      c.release(err instanceof Error ? err : true);
      throw err;
    }
  }

  /**
   * Commits run one at a time across the cluster (the journal's lock); queued here as well, so
   * an instance's waiting commits wait without each holding a pooled connection.
   */
  commitIngest(ingestId: string): Promise<IngestStats> {
    if (!UUID.test(ingestId)) return Promise.reject(new Error(`unknown ingest ${ingestId}`));
    const run = this.commits.then(() => commitStaged(this.pool, ingestId, () => this.clock.now().getTime()));
    this.commits = run.catch(() => undefined);
    return run;
  }

  async discardIngest(ingestId: string): Promise<void> {
    if (!UUID.test(ingestId)) return;
    await transaction(this.pool, async (c) => {
      await c.query('DELETE FROM reading_staging WHERE ingest_id = $1', [ingestId]);
      await c.query('DELETE FROM reading_ingests WHERE id = $1', [ingestId]);
    });
  }

  async read(query: ReadingQuery, page: { offset: number; limit: number }): Promise<Reading[]> {
    return this.readFrom(query, page.offset, page.limit);
  }

  async readAfter(query: ReadingQuery, after: ReadingKey | undefined, limit: number): Promise<Reading[]> {
    return this.readFrom(query, 0, limit, after);
  }

  /** The window (start, end] clamped to what the store can hold, and the days it spans. */
  private window(query: ReadingQuery) {
    const start = Math.max(query.start?.getTime() ?? -Infinity, MIN_TIMESTAMP - 1);
    const end = Math.min(query.end?.getTime() ?? Infinity, MAX_TIMESTAMP);
    return { start, end, from: dayDate(dayOf(Math.max(start, MIN_TIMESTAMP))), to: dayDate(dayOf(end)), empty: !(start < end) };
  }

  /**
   * Each queried meter's bounds: the window, narrowed to the hull of its periods when the query
   * restricts it (a meter whose periods miss the window is left out), and the day range to ask for.
   */
  private meterWindows(query: ReadingQuery) {
    const w = this.window(query);
    const meters = new Map<string, MeterWindow>();
    let lo = Infinity, hi = -Infinity;
    if (!w.empty) {
      for (const meter of new Set(query.meters)) {
        const periods = query.periods?.get(meter);
        let { start, end } = w;
        if (periods) {
          const h = hull(periods);
          start = Math.max(start, h.start - 1);
          end = Math.min(end, h.end);
          if (!(start < end)) continue;
        }
        meters.set(meter, { start, end, ...(periods ? { periods } : {}) });
        lo = Math.min(lo, start);
        hi = Math.max(hi, end);
      }
    }
    if (meters.size === 0) return { meters, from: '', to: '' };
    return { meters, from: dayDate(dayOf(Math.max(lo, MIN_TIMESTAMP))), to: dayDate(dayOf(Math.min(hi, MAX_TIMESTAMP))) };
  }

  /**
   * The day rows a read walks, in (meter, reading type, day) order, in pages sized to `wanted()`
   * readings, each with the bounds its points keep to (the window, the keyset cursor on its
   * reading type, the meter's periods).
   */
  private async *scan(query: ReadingQuery, after: ReadingKey | undefined, wanted: () => number): AsyncGenerator<ScanRow> {
    const { meters: windows, from, to } = this.meterWindows(query);
    let meters = [...windows.keys()].sort(byBytes);
    if (after) meters = meters.filter((m) => byBytes(m, after.meter) >= 0);
    const types = query.readingTypes && query.readingTypes.length > 0 ? query.readingTypes : undefined;
    let cursor: [string, string, string] | undefined = after ? [after.meter, after.readingType, dayDate(dayOf(Math.max(MIN_TIMESTAMP, Math.min(after.timestamp, MAX_TIMESTAMP))))] : undefined;
    let inclusive = true;
    for (let c = 0; c < meters.length; c += METER_CHUNK) {
      const chunk = meters.slice(c, c + METER_CHUNK);
      for (;;) {
        const params: unknown[] = [chunk, from, to];
        let sql = `SELECT m.mrid AS meter, t.code AS reading_type, (d.day - date 'epoch') AS day, d.offs, d.vals, d.registers, d.notes
          FROM reading_meters m JOIN reading_days d ON d.meter_id = m.id JOIN reading_types t ON t.id = d.type_id
          WHERE m.mrid = ANY($1) AND d.day BETWEEN $2 AND $3`;
        if (types) sql += ` AND t.code = ANY($${params.push(types)})`;
        if (cursor) sql += ` AND (m.mrid, t.code, d.day) ${inclusive ? '>=' : '>'} ($${params.push(cursor[0])}, $${params.push(cursor[1])}, $${params.push(cursor[2])}::date)`;
        const page = rowsFor(wanted());
        sql += ` ORDER BY m.mrid, t.code, d.day LIMIT ${page}`;
        const rows = (await this.pool.query<DayRow>(sql, params)).rows;
        for (const row of rows) {
          const mw = windows.get(row.meter)!;
          const atCursor = after !== undefined && row.meter === after.meter && row.reading_type === after.readingType;
          yield { row, base: row.day * DAY_MS, above: atCursor ? Math.max(mw.start, after.timestamp) : mw.start, upTo: mw.end, ...(mw.periods ? { periods: mw.periods } : {}) };
        }
        if (rows.length < page) break;
        const lastRow = rows.at(-1)!;
        cursor = [lastRow.meter, lastRow.reading_type, dayDate(lastRow.day)];
        inclusive = false;
      }
      // The next chunk's meters all sort after this one's: no cursor needed there.
      cursor = undefined;
      inclusive = true;
    }
  }

  /** Readings in (meter, reading type, time) order: past `offset` of them, or strictly after the keyset cursor. */
  private async readFrom(query: ReadingQuery, offset: number, limit: number, after?: ReadingKey): Promise<Reading[]> {
    const out: Reading[] = [];
    if (limit <= 0) return out;
    let skip = offset;
    for await (const { row, base, above, upTo, periods } of this.scan(query, after, () => skip + limit - out.length)) {
      for (let i = 0; i < row.offs.length; i++) {
        const ts = base + row.offs[i]!;
        if (ts <= above || ts > upTo || (periods && !inPeriods(periods, ts))) continue;
        if (skip > 0) { skip--; continue; }
        if (out.length >= limit) return out;
        out.push(toReading(row, i, ts));
      }
    }
    return out;
  }

  /** The same walk as readAfter into one set of columns per day row: typed arrays, no object per reading. */
  async readColumnsAfter(query: ReadingQuery, after: ReadingKey | undefined, limit: number): Promise<ReadingColumns[]> {
    const out: ReadingColumns[] = [];
    let left = limit;
    if (left <= 0) return out;
    for await (const { row, base, above, upTo, periods } of this.scan(query, after, () => left)) {
      const n = row.offs.length;
      const size = Math.min(n, left);
      const c: ReadingColumns = {
        meter: row.meter, readingType: row.reading_type, length: 0, timestamps: new Float64Array(size), values: new Float64Array(size),
        hasValue: new Uint8Array(size), register: new Uint8Array(size),
      };
      let k = 0;
      for (let i = 0; i < n && k < left; i++) {
        const ts = base + row.offs[i]!;
        if (ts <= above || ts > upTo || (periods && !inPeriods(periods, ts))) continue;
        c.timestamps[k] = ts;
        const v = row.vals[i];
        if (v !== null && v !== undefined) {
          c.hasValue[k] = 1;
          c.values[k] = v;
        }
        if (row.registers?.[i]) c.register[k] = 1;
        const note = row.notes?.[String(i)];
        if (note) {
          const m = (c.notes ??= new Map()) as Map<number, ReadingNote>;
          m.set(k, { qualities: note.q, ...(note.r !== undefined ? { reportedDateTime: note.r } : {}), ...(note.s !== undefined ? { source: note.s } : {}) });
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
    const { meters: windows, from, to } = this.meterWindows(query);
    if (windows.size === 0) return 0;
    const free = [...windows].filter(([, mw]) => !mw.periods).map(([m]) => m);
    const restricted = [...windows].filter(([, mw]) => mw.periods);
    const types = query.readingTypes && query.readingTypes.length > 0 ? query.readingTypes : undefined;
    const w = this.window(query);
    let total = 0;
    if (free.length > 0) {
      const params: unknown[] = [free, from, to, w.start, w.end];
      const typeFilter = types ? ` AND t.code = ANY($${params.push(types)})` : '';
      // Whole days inside the window count their points; only the two edge days are unnested.
      const res = await this.pool.query<{ n: string }>(`
        SELECT coalesce(sum(CASE WHEN d.day > $2::date AND d.day < $3::date THEN cardinality(d.offs)
          ELSE (SELECT count(*) FROM unnest(d.offs) o WHERE (d.day - date 'epoch')::bigint * 86400000 + o > $4 AND (d.day - date 'epoch')::bigint * 86400000 + o <= $5) END), 0) AS n
        FROM reading_meters m JOIN reading_days d ON d.meter_id = m.id JOIN reading_types t ON t.id = d.type_id
        WHERE m.mrid = ANY($1) AND d.day BETWEEN $2 AND $3${typeFilter}`, params);
      total += Number(res.rows[0]!.n);
    }
    if (restricted.length > 0) {
      // A restricted meter counts the points of its window that fall in one of its periods: one [meter, start, end] row per period.
      const rows = restricted.flatMap(([meter, mw]) => mw.periods!.map((p) => [meter, Math.max(p.start, mw.start + 1), Math.min(p.end ?? MAX_TIMESTAMP, mw.end)] as const));
      const params: unknown[] = [restricted.map(([m]) => m), from, to, rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])];
      const typeFilter = types ? ` AND t.code = ANY($${params.push(types)})` : '';
      const res = await this.pool.query<{ n: string }>(`
        SELECT count(*) AS n
        FROM reading_meters m JOIN reading_days d ON d.meter_id = m.id JOIN reading_types t ON t.id = d.type_id,
          LATERAL (SELECT (d.day - date 'epoch')::bigint * 86400000 + o AS ts FROM unnest(d.offs) o) p
        WHERE m.mrid = ANY($1) AND d.day BETWEEN $2 AND $3${typeFilter}
          AND EXISTS (SELECT 1 FROM unnest($4::text[], $5::bigint[], $6::bigint[]) AS r (meter, start_at, end_at)
            WHERE r.meter = m.mrid AND p.ts BETWEEN r.start_at AND r.end_at)`, params);
      total += Number(res.rows[0]!.n);
    }
    return total;
  }

  async corrections(meter: string, readingType: string, timestamp: number): Promise<Correction[]> {
    const rows = (await this.pool.query<{ previous_value: number | null; value: number | null; previous_qualities: string[]; qualities: string[]; source: string; message_id: string; received_at: Date }>(
      `SELECT c.previous_value, c.value, c.previous_qualities, c.qualities, c.source, c.message_id, c.received_at
       FROM reading_corrections c
       WHERE c.meter_id = (SELECT id FROM reading_meters WHERE mrid = $1) AND c.type_id = (SELECT id FROM reading_types WHERE code = $2)
         AND c.ts = timestamptz 'epoch' + $3 * interval '1 millisecond'
       ORDER BY c.id`, [meter, readingType, timestamp])).rows;
    return rows.map((r) => ({
      meter, readingType, timestamp,
      ...(r.previous_value !== null ? { previousValue: r.previous_value } : {}),
      ...(r.value !== null ? { value: r.value } : {}),
      previousQualities: r.previous_qualities, qualities: r.qualities,
      source: r.source, messageId: r.message_id, receivedAt: r.received_at,
    }));
  }

  changeBound(after: ChangePosition, limit: number, meters?: string[]) { return this.journal.bound(after, limit, meters); }
  readChanges(after: ChangePosition, upTo: ChangePosition, limit: number, meters?: string[]): Promise<ReadingChange[]> { return this.journal.read(after, upTo, limit, meters); }
  pruneChanges(belowSeq: number, olderThan: Date, max: number): Promise<number> { return pruneJournal(this.pool, 'reading_changes', belowSeq, olderThan, max); }
  changeHorizon(): Promise<number> { return journalHorizon(this.pool, 'reading_changes'); }
}
