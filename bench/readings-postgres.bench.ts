// Bulk ingest into PostgreSQL through the reading store (beginIngest / stageSeries / commitIngest)
// against a raw COPY of the same rows into a bare table (text and binary COPY; the ratio is against
// the faster of the two), in the same run (issue #10 target: ≥ 0.5×).
// `npm run bench -- readings-postgres`, or `node --import tsx bench/readings-postgres.bench.ts`.
// BENCH_PG_METERS (10,000), BENCH_PG_ROUNDS (3). Skipped when DATABASE_URL is unset.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { openPostgres, type Pool } from '../gateway/adapters/postgres/pg-database.js';
import { PgReadingStore } from '../gateway/adapters/postgres/reading-store.postgres.js';
import { DAY_MS } from '../gateway/domain/readings/day-block.js';
import type { ReadingBlock } from '../gateway/domain/readings/meter-reading.js';
import type { IngestStats, ReadingSeries } from '../gateway/ports/reading-store.port.js';
import { BENCH_KWH, benchMeter } from './generate-meter-readings.js';

const METERS = Number(process.env.BENCH_PG_METERS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_PG_ROUNDS ?? 3);
/** MeterReading elements per stageSeries call: what the streamed ingest stages per batch (readings.streaming.fragmentsPerBatch). */
const METERS_PER_BATCH = 50;
const T0 = Date.parse('2026-11-19T03:00:00Z');

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A load profile as ingest hands it to the store: batches of series, one per meter (the XML bench's values and ~1 % qualities). */
export function loadProfile(meters = METERS, intervals = 96): { batches: ReadingSeries[][]; readings: number } {
  const batches: ReadingSeries[][] = [];
  for (let m = 1; m <= meters; m += METERS_PER_BATCH) {
    const batch: ReadingSeries[] = [];
    for (let k = m; k < Math.min(m + METERS_PER_BATCH, meters + 1); k++) {
      const block: ReadingBlock = { readingType: BENCH_KWH, where: 'IntervalBlocks[1]', kind: 'interval', timestamps: [], values: [], hasValue: [] };
      for (let i = 1; i <= intervals; i++) {
        if ((k + i) % 97 === 0) (block.notes ??= new Map()).set(i - 1, { qualities: ['2.4.1'] });
        block.timestamps.push(T0 + i * 900_000);
        block.values.push(((k * 7 + i * 13) % 997) / 1000);
        block.hasValue.push(1);
      }
      batch.push({ meter: benchMeter(k), readingType: BENCH_KWH, block });
    }
    batches.push(batch);
  }
  return { batches, readings: meters * intervals };
}

/** The same series with about 1 % of the values changed (an MDM's edited resend): every day row has a few corrections. */
function withEdits(batches: ReadingSeries[][]): ReadingSeries[][] {
  return batches.map((batch) => batch.map((s, k) => ({ ...s, block: { ...s.block, values: s.block.values.map((v, i) => ((k + i) % 100 === 0 ? v + 1 : v)) } })));
}

/** The gateway's way: one ingest, staged batch by batch, committed at once. */
export async function ingestThroughStore(store: PgReadingStore, batches: ReadingSeries[][], messageId = 'bench'): Promise<{ seconds: number; stageSeconds: number; commitSeconds: number; stats: IngestStats }> {
  const t = process.hrtime.bigint();
  const id = await store.beginIngest({ source: 'BENCH', messageId, receivedAt: new Date() });
  for (const batch of batches) await store.stageSeries(id, batch);
  const stageSeconds = seconds(t);
  const c = process.hrtime.bigint();
  const stats = await store.commitIngest(id);
  return { seconds: seconds(t), stageSeconds, commitSeconds: seconds(c), stats };
}

/** The baseline: the same readings as plain rows, one COPY into a bare table (no index, no key), text formatted here. */
export async function rawCopy(pool: Pool, batches: ReadingSeries[][], table = 'bare_readings'): Promise<{ seconds: number; rows: number }> {
  await pool.query(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (meter TEXT NOT NULL, reading_type TEXT NOT NULL, ts TIMESTAMPTZ NOT NULL, value DOUBLE PRECISION, qualities TEXT[])`);
  const t = process.hrtime.bigint();
  const iso = new Map<number, string>();
  let rows = 0;
  function* text(): Generator<string> {
    let buf = '';
    for (const batch of batches) {
      for (const { meter, readingType, block } of batch) {
        for (let i = 0; i < block.timestamps.length; i++) {
          const ts = block.timestamps[i]!;
          let when = iso.get(ts);
          if (!when) iso.set(ts, when = new Date(ts).toISOString());
          const q = block.notes?.get(i)?.qualities;
          buf += `${meter}\t${readingType}\t${when}\t${block.hasValue[i] ? block.values[i] : '\\N'}\t${q && q.length ? `{${q.join(',')}}` : '\\N'}\n`;
          rows++;
        }
      }
      if (buf.length >= 1 << 20) { yield buf; buf = ''; }
    }
    if (buf) yield buf;
  }
  const client = await pool.connect();
  try {
    await pipeline(Readable.from(text()), client.query(copyFrom(`COPY ${table} FROM STDIN`)));
  } finally {
    client.release();
  }
  return { seconds: seconds(t), rows };
}

/** PostgreSQL's timestamp epoch (2000-01-01) in ms since 1970. */
const PG_EPOCH_MS = 946_684_800_000;

/**
 * The stricter baseline: the same rows by COPY (FORMAT binary), numbers as their bytes, so the
 * database parses no text either. Encoded here, batch by batch, as the store does.
 */
export async function rawBinaryCopy(pool: Pool, batches: ReadingSeries[][], table = 'bare_readings_binary'): Promise<{ seconds: number; rows: number }> {
  await pool.query(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (meter TEXT NOT NULL, reading_type TEXT NOT NULL, ts TIMESTAMPTZ NOT NULL, value DOUBLE PRECISION, qualities TEXT[])`);
  const t = process.hrtime.bigint();
  let rows = 0;
  function* chunks(): Generator<Buffer> {
    yield Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
    for (const batch of batches) {
      const parts: Buffer[] = [];
      for (const { meter, readingType, block } of batch) {
        const m = Buffer.from(meter);
        const rt = Buffer.from(readingType);
        for (let i = 0; i < block.timestamps.length; i++) {
          const q = block.notes?.get(i)?.qualities;
          const qs = q && q.length ? q.map((x) => Buffer.from(x)) : undefined;
          const qBytes = qs ? 20 + qs.reduce((n, b) => n + 4 + b.length, 0) : 0;
          const b = Buffer.allocUnsafe(2 + 4 + m.length + 4 + rt.length + 12 + 12 + 4 + qBytes);
          let at = b.writeInt16BE(5, 0);
          at = b.writeInt32BE(m.length, at); at += m.copy(b, at);
          at = b.writeInt32BE(rt.length, at); at += rt.copy(b, at);
          at = b.writeInt32BE(8, at); at = b.writeBigInt64BE(BigInt(block.timestamps[i]! - PG_EPOCH_MS) * 1000n, at);
          if (block.hasValue[i]) { at = b.writeInt32BE(8, at); at = b.writeDoubleBE(block.values[i]!, at); } else at = b.writeInt32BE(-1, at);
          if (qs) {
            at = b.writeInt32BE(qBytes, at);
            at = b.writeInt32BE(1, at); at = b.writeInt32BE(0, at); at = b.writeInt32BE(25, at); at = b.writeInt32BE(qs.length, at); at = b.writeInt32BE(1, at);
            for (const x of qs) { at = b.writeInt32BE(x.length, at); at += x.copy(b, at); }
          } else at = b.writeInt32BE(-1, at);
          parts.push(b.subarray(0, at));
          rows++;
        }
      }
      yield Buffer.concat(parts);
    }
    yield Buffer.from([0xff, 0xff]);
  }
  const client = await pool.connect();
  try {
    await pipeline(Readable.from(chunks()), client.query(copyFrom(`COPY ${table} FROM STDIN (FORMAT binary)`)));
  } finally {
    client.release();
  }
  return { seconds: seconds(t), rows };
}

/** A schema of its own, dropped by close(): every round starts from empty tables. */
export async function benchSchema(url: string): Promise<{ pool: Pool; close(): Promise<void> }> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const pool = openPostgres(url, schema);
  return {
    pool,
    close: async () => {
      await pool.end();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

export async function run(): Promise<Record<string, number | string>> {
  const url = process.env.DATABASE_URL;
  if (!url) return { skipped: 'DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)' };
  const { batches, readings } = loadProfile();
  const raw: number[] = [];
  const rawBinary: number[] = [];
  const store: number[] = [];
  const stage: number[] = [];
  const commit: number[] = [];
  const repeat: number[] = [];
  const edited: number[] = [];
  let bytes = { store: 0, bare: 0 };
  let month = { raw: 0, port: 0 };
  for (let r = 0; r < ROUNDS; r++) {
    const db = await benchSchema(url);
    try {
      const s = await PgReadingStore.create(db.pool);
      // Alternate which goes first: the second one runs with the first one's pages in the cache and its WAL to write back.
      const order = r % 2 === 0 ? ['raw', 'binary', 'store'] : ['store', 'binary', 'raw'];
      for (const which of order) {
        if (which === 'raw' || which === 'binary') {
          const res = which === 'raw' ? await rawCopy(db.pool, batches) : await rawBinaryCopy(db.pool, batches);
          if (res.rows !== readings) throw new Error(`raw COPY wrote ${res.rows} rows, expected ${readings}`);
          (which === 'raw' ? raw : rawBinary).push(readings / res.seconds);
        } else {
          const res = await ingestThroughStore(s, batches);
          if (res.stats.inserted !== readings) throw new Error(`store inserted ${JSON.stringify(res.stats)}, expected ${readings}`);
          store.push(readings / res.seconds);
          stage.push(res.stageSeconds);
          commit.push(res.commitSeconds);
        }
      }
      const again = await ingestThroughStore(s, batches, 'bench-again');
      if (again.stats.unchanged !== readings) throw new Error(`repeat gave ${JSON.stringify(again.stats)}`);
      repeat.push(readings / again.seconds);
      if (r === 0) {
        const size = async (sql: string) => Number((await db.pool.query<{ n: string }>(sql)).rows[0]!.n);
        bytes = {
          store: await size(`SELECT sum(pg_total_relation_size(inhrelid)) AS n FROM pg_inherits WHERE inhparent = 'reading_days'::regclass`) / readings,
          bare: await size(`SELECT pg_total_relation_size('bare_readings') AS n`) / readings,
        };
      }
      // Every day touched by a few corrections: the point-by-point merge (MERGE) for the whole message.
      const corrected = await ingestThroughStore(s, withEdits(batches), 'bench-edited');
      if (corrected.stats.corrected === 0 || corrected.stats.corrected + corrected.stats.unchanged !== readings) throw new Error(`edit gave ${JSON.stringify(corrected.stats)}`);
      edited.push(readings / corrected.seconds);
      if (r === 0) month = await monthQuery(db.pool, s);
    } finally {
      await db.close();
    }
  }
  const list = (xs: number[], d = 0) => xs.map((x) => round(x, d)).join(' / ');
  // The baseline of a round is the faster of its two raw COPYs.
  const best = raw.map((x, i) => Math.max(x, rawBinary[i]!));
  return {
    readings,
    rounds: ROUNDS,
    rawCopyTextRowsPerSecond: Math.round(median(raw)),
    rawCopyBinaryRowsPerSecond: Math.round(median(rawBinary)),
    storeIngestRowsPerSecond: Math.round(median(store)),
    ratioStoreToFasterRawCopy: round(median(store.map((x, i) => x / best[i]!)), 2),
    ratiosPerRound: best.map((x, i) => round(store[i]! / x, 2)).join(' / '),
    rawCopyTextRowsPerSecondPerRound: list(raw),
    rawCopyBinaryRowsPerSecondPerRound: list(rawBinary),
    storeRowsPerSecondPerRound: list(store),
    storeStageSecondsPerRound: list(stage, 2),
    storeCommitSecondsPerRound: list(commit, 2),
    repeatAllUnchangedRowsPerSecond: Math.round(median(repeat)),
    resendWithOnePercentCorrectedRowsPerSecond: Math.round(median(edited)),
    storeBytesPerReading: round(bytes.store, 1),
    bareTableBytesPerReading: round(bytes.bare, 1),
    monthQueryRawSqlMs: round(month.raw, 3),
    monthQueryReadingStoreMs: round(month.port, 3),
    ratioMonthQueryStoreToRawSql: round(month.port / month.raw, 2),
  };
}

/** One meter × one month (2,976 readings): the store's read against the same rows by plain SQL, decoded to points. */
async function monthQuery(pool: Pool, store: PgReadingStore): Promise<{ raw: number; port: number }> {
  const meter = 'MTR-MONTH';
  const start = Date.parse('2026-10-01T00:00:00Z');
  const id = await store.beginIngest({ source: 'BENCH', messageId: 'month', receivedAt: new Date() });
  await store.stage(id, Array.from({ length: 31 * 96 }, (_, i) => ({ meter, readingType: BENCH_KWH, timestamp: start + (i + 1) * 900_000, value: (i % 50) / 10, qualities: [], kind: 'interval' as const })));
  await store.commitIngest(id);
  const end = start + 31 * DAY_MS;
  const rawQuery = async () => {
    const rows = (await pool.query<{ day: number; offs: number[]; vals: number[] }>(
      `SELECT (d.day - date 'epoch') AS day, d.offs, d.vals FROM reading_days d
       WHERE d.meter_id = (SELECT id FROM reading_meters WHERE mrid = $1) AND d.type_id = (SELECT id FROM reading_types WHERE code = $2)
         AND d.day BETWEEN $3 AND $4 ORDER BY d.day`, [meter, BENCH_KWH, '2026-10-01', '2026-11-01'])).rows;
    let n = 0;
    for (const r of rows) for (const o of r.offs) { const ts = r.day * DAY_MS + o; if (ts > start && ts <= end) n++; }
    return n;
  };
  const portQuery = async () => (await store.read({ meters: [meter], readingTypes: [BENCH_KWH], start: new Date(start), end: new Date(end) }, { offset: 0, limit: 10_000 })).length;
  if ((await rawQuery()) !== 2976 || (await portQuery()) !== 2976) throw new Error('month query returned the wrong count');
  const time = async (fn: () => Promise<unknown>, n: number) => {
    for (let i = 0; i < 10; i++) await fn();
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn();
    return seconds(t) / n * 1000;
  };
  // Interleaved halves, so a burst of load from another job hits both sides.
  let [raw, port] = [0, 0];
  for (let k = 0; k < 4; k++) { raw += await time(rawQuery, 50); port += await time(portQuery, 50); }
  return { raw: raw / 4, port: port / 4 };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await run(), null, 2));
}
