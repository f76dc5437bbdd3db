// I8 read path and I7 export: one meter × one month of 15-minute data through GET /i8/readings
// (JSON, over HTTP) against the same query in raw SQL in the same run; then a 1,000,000-row CSV
// export (GET /i7/readings and GET /i8/exports/readings) with rows/s and the peak RSS of the
// process serving it (this one: the gateway runs in-process; the client only counts bytes).
//
// Fairness of the month comparison: the raw SQL baseline reads the same rows (day blocks and the
// annotations of the window) and materialises every reading with the columns the API answers
// (meter, reading type, time, value, qualities, kind), one object per reading as a SQL driver
// gives rows; the HTTP client only counts the bytes it receives (parsing the answer is the
// client's work, checked once before timing). All run warmed, interleaved round by round in a
// shuffled order (a burst of load from another job hits them the same way), and the figure is the median. Two more
// figures for scale: the raw rows serialised with JSON.stringify, and the same HTTP request for one
// reading (the fixed cost of any I8 answer). And the floor of any HTTP answer in this process:
// a bare node:http server (and a bare Express app) answering `{}`, and a bare node:http server
// answering the month's very JSON bytes, prepared beforehand (moving 0.5 MB through loopback HTTP
// with no work at all).
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, get as httpGet, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { pino } from 'pino';
import { mulberry32 } from '../gateway/adapters/hes-simulator/prng.js';
import { openSqlite } from '../gateway/adapters/sqlite/sqlite-database.js';
import { createGateway } from '../gateway/app.js';
import { loadConfig } from '../gateway/config/config.js';
import { DAY_MS, dayOf, hasValue, isRegister, pointCount, pointFlagsAt, pointOffset, pointValue } from '../gateway/domain/readings/day-block.js';
import type { Reading } from '../gateway/domain/readings/reading.js';
import { registerClient } from '../gateway/i8/register-client.js';
import { BENCH_KWH } from './generate-meter-readings.js';

const MONTH_START = Date.parse('2026-10-01T00:00:00Z');
const POINTS = 31 * 96;
const BULK_METERS = 337; // × 2,976 = 1,002,912 readings (+ the month meter's): above 1 M
const EXPORT_ROWS = 1_000_000;
/** Month query rounds (raw, store, HTTP each once per round) after WARMUP untimed rounds. */
const ROUNDS = 300;
const WARMUP = 50;
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const mb = (b: number) => round(b / 1024 / 1024, 0);
const EMPTY = Buffer.from('{}');

/** A server listening on a free loopback port, and how to close it. */
async function listening(server: Server): Promise<{ port: number; close: () => Promise<void> }> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const month = (meter: string): Reading[] => Array.from({ length: POINTS }, (_, i) =>
  ({ meter, readingType: BENCH_KWH, timestamp: MONTH_START + (i + 1) * 900_000, value: (i % 50) / 10, qualities: [], kind: 'interval' as const }));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** One keep-alive connection, as an API client holds it (no TCP handshake per request). */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** GET → status, body bytes and newline count, the body streamed and dropped (never buffered). */
function fetchCounting(port: number, url: string, token: string, accept: string, keep = false): Promise<{ status: number; bytes: number; lines: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port, path: url, agent, headers: { Authorization: `Bearer ${token}`, Accept: accept } }, (res) => {
      let bytes = 0, lines = 0, body = '';
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) lines++;
        if (keep) body += c.toString('utf8');
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, lines, body }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

export async function run(): Promise<Record<string, number | string>> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cimgw-i8-bench-'));
  const config = loadConfig({}, { dataDir, logLevel: 'silent', i8: { rateLimit: { burst: 100_000, perSecond: 100_000 } } });
  const gw = createGateway(config, { log: pino({ level: 'silent' }) });
  const server = createServer(gw.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  try {
    const monthMeter = 'MTR-MONTH';
    const bulk = Array.from({ length: BULK_METERS }, (_, i) => `MTR-${String(i + 1).padStart(5, '0')}`);
    await gw.deps.network.upsertMeters([monthMeter, ...bulk].map((mRID) => ({ mRID, names: [], status: 'in-service' as const, commPath: 'concentrator' as const })));
    const store = gw.deps.readings;
    let t = process.hrtime.bigint();
    for (let i = 0; i < bulk.length + 1; i += 20) {
      const id = await store.beginIngest({ source: 'bench', messageId: `bulk-${i}`, receivedAt: new Date() });
      for (const m of [monthMeter, ...bulk].slice(i, i + 20)) await store.stage(id, month(m));
      await store.commitIngest(id);
    }
    const ingestMs = ms(t);
    const clients = gw.i8!.deps.clients;
    await registerClient(clients, { id: 'bench', scopes: ['readings:read', 'export:read'], dataScope: { kind: 'regulator' } }, new Date());
    const token = (await gw.i8!.issuer.issue('bench', ['readings:read', 'export:read'], new Date())).token;

    // Month query: raw SQL (the window's day rows and annotations, every reading materialised) vs
    // the reading store port vs the I8 HTTP answer (JSON).
    const db = openSqlite(path.join(dataDir, 'gateway.sqlite'));
    const window = { start: MONTH_START, end: MONTH_START + 31 * DAY_MS };
    const rawDays = db.prepare('SELECT reading_type, day, points FROM reading_days WHERE meter = ? AND reading_type = ? AND day BETWEEN ? AND ? ORDER BY day');
    const rawNotes = db.prepare('SELECT ts, qualities FROM reading_annotations WHERE meter = ? AND reading_type = ? AND ts > ? AND ts <= ?');
    const none: readonly string[] = [];
    const rawRows = () => {
      const notes = new Map<number, string[]>();
      for (const n of rawNotes.all(monthMeter, BENCH_KWH, window.start, window.end) as { ts: number; qualities: string }[]) notes.set(n.ts, JSON.parse(n.qualities) as string[]);
      const rows: { meter: string; readingType: string; timestamp: number; value: number | undefined; qualities: readonly string[]; kind: string }[] = [];
      for (const row of rawDays.all(monthMeter, BENCH_KWH, dayOf(window.start), dayOf(window.end)) as { reading_type: string; day: number; points: Buffer }[]) {
        const b = row.points;
        for (let i = 0, n = pointCount(b); i < n; i++) {
          const ts = row.day * DAY_MS + pointOffset(b, i);
          if (ts <= window.start || ts > window.end) continue;
          const flags = pointFlagsAt(b, i);
          rows.push({ meter: monthMeter, readingType: row.reading_type, timestamp: ts, value: hasValue(flags) ? pointValue(b, i) : undefined, qualities: notes.get(ts) ?? none, kind: isRegister(flags) ? 'register' : 'interval' });
        }
      }
      return rows;
    };
    const rawQuery = () => rawRows().length;
    // For scale, not the baseline: the raw rows turned into the same JSON document the generic way.
    const rawJson = () => JSON.stringify({ items: rawRows().map((r) => ({ ...r, timestamp: new Date(r.timestamp).toISOString() })) }).length;
    const url = `/i8/readings?meter=${monthMeter}&readingType=${BENCH_KWH}&from=${new Date(window.start).toISOString()}&to=${new Date(window.end).toISOString()}&limit=10000`;
    const httpQuery = async () => {
      const r = await fetchCounting(port, url, token, 'application/json');
      if (r.status !== 200) throw new Error(`GET /i8/readings: ${r.status}`);
      return r.bytes;
    };
    const portQuery = async () => (await store.readAfter({ meters: [monthMeter], readingTypes: [BENCH_KWH], start: new Date(window.start), end: new Date(window.end) }, undefined, 10_001)).length;
    const checked = await fetchCounting(port, url, token, 'application/json', true);
    const items = checked.status === 200 ? (JSON.parse(checked.body) as { items: { timestamp: string; value: number }[] }).items : [];
    if (rawQuery() !== POINTS || items.length !== POINTS || (await portQuery()) !== POINTS) throw new Error(`month query returned the wrong count (HTTP ${checked.status})`);
    if (items[0]!.timestamp !== new Date(window.start + 900_000).toISOString() || items[1]!.value !== 0.1) throw new Error('month query answered other readings');
    // The fixed cost of any answer (HTTP, routing, token, scope, audit): the same request for one reading.
    const minimalQuery = async () => {
      const r = await fetchCounting(port, url.replace('limit=10000', 'limit=1'), token, 'application/json');
      if (r.status !== 200) throw new Error(`GET /i8/readings limit=1: ${r.status}`);
      return r.bytes;
    };
    // The floor: servers in this process that do no work, on keep-alive connections like the API's.
    const monthBytes = Buffer.from(checked.body, 'utf8');
    const bare = await listening(createServer((req, res) => {
      const body = req.url === '/month' ? monthBytes : EMPTY;
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length }).end(body);
    }));
    const bareExpress = await listening(createServer(express().get('/', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': EMPTY.length }).end(EMPTY);
    })));
    const floor = (port: number, path: string, bytes: number) => async () => {
      const r = await fetchCounting(port, path, token, 'application/json');
      if (r.status !== 200 || r.bytes !== bytes) throw new Error(`floor ${path}: ${r.status}, ${r.bytes} bytes`);
    };
    const emptyHttp = floor(bare.port, '/', EMPTY.length), emptyExpress = floor(bareExpress.port, '/', EMPTY.length);
    const monthBytesHttp = floor(bare.port, '/month', monthBytes.length);
    // The same one-reading request through the gateway's whole route stack: a trailing slash is the
    // same resource to Express but not an exact path, so it skips the direct routes (where they exist).
    const fullStackQuery = async () => {
      const r = await fetchCounting(port, url.replace('limit=10000', 'limit=1').replace('/i8/readings?', '/i8/readings/?'), token, 'application/json');
      if (r.status !== 200) throw new Error(`GET /i8/readings/ limit=1: ${r.status}`);
    };
    const samples = {
      raw: [] as number[], port: [] as number[], http: [] as number[], rawJson: [] as number[], minimal: [] as number[], fullStack: [] as number[],
      emptyHttp: [] as number[], emptyExpress: [] as number[], monthBytesHttp: [] as number[],
    };
    const timed = async (fn: () => unknown, into?: number[]) => {
      const t1 = process.hrtime.bigint();
      await fn();
      into?.push(ms(t1));
    };
    // The order is shuffled every round: whichever runs right after the month answers (HTTP JSON,
    // JSON.stringify) pays for the garbage collection of their ~0.5 MB. A rotation only moved the
    // start of one fixed cycle, so the same contender always followed the same one (the one-reading
    // request always came after JSON.stringify's 3 MB of garbage).
    const contenders = [[rawQuery, samples.raw], [portQuery, samples.port], [httpQuery, samples.http], [rawJson, samples.rawJson], [minimalQuery, samples.minimal], [fullStackQuery, samples.fullStack],
      [emptyHttp, samples.emptyHttp], [emptyExpress, samples.emptyExpress], [monthBytesHttp, samples.monthBytesHttp]] as const;
    const random = mulberry32(8);
    for (let i = 0; i < WARMUP + ROUNDS; i++) {
      const order = [...contenders];
      for (let k = order.length - 1; k > 0; k--) {
        const j = Math.floor(random() * (k + 1));
        [order[k], order[j]] = [order[j]!, order[k]!];
      }
      for (const [fn, into] of order) await timed(fn, i >= WARMUP ? into : undefined);
    }
    const rawMs = median(samples.raw), portMs = median(samples.port), httpMs = median(samples.http);
    const rawJsonMs = median(samples.rawJson), minimalMs = median(samples.minimal), fullStackMs = median(samples.fullStack);
    const emptyHttpMs = median(samples.emptyHttp), emptyExpressMs = median(samples.emptyExpress), monthBytesHttpMs = median(samples.monthBytesHttp);
    await Promise.all([bare.close(), bareExpress.close()]);
    const httpBytes = checked.bytes;
    db.close();

    // 1 M-row CSV exports, RSS sampled every 10 ms while they stream.
    const exportRun = async (path: string, expectRows: number) => {
      const base = process.memoryUsage().rss;
      let peak = base;
      const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
      const t2 = process.hrtime.bigint();
      const r = await fetchCounting(port, path, token, 'text/csv');
      const took = ms(t2);
      clearInterval(sampler);
      if (r.status !== 200 || r.lines - 1 !== expectRows) throw new Error(`${path}: ${r.status}, ${r.lines - 1} rows`);
      return { rowsPerSecond: Math.round(expectRows / (took / 1000)), seconds: round(took / 1000), mb: round(r.bytes / 1024 / 1024, 1), baseRss: mb(base), peakRss: mb(peak) };
    };
    const i7 = await exportRun(`/i7/readings?limit=${EXPORT_ROWS}`, EXPORT_ROWS);
    const total = (BULK_METERS + 1) * POINTS;
    const i8 = await exportRun(`/i8/exports/readings?from=${new Date(window.start).toISOString()}&to=${new Date(window.end).toISOString()}`, total);

    console.log(`  I8 month query / raw SQL = ${round(httpMs / rawMs, 1)}× (target ≤ 1.5×)`);
    return {
      ingestSecondsSetup: round(ingestMs / 1000, 1),
      monthQueryRawSqlMs: round(rawMs, 3),
      monthQueryReadingStoreMs: round(portMs, 3),
      monthQueryI8HttpJsonMs: round(httpMs, 3),
      monthQueryI8HttpJsonBytes: httpBytes,
      monthQueryRounds: ROUNDS,
      monthQueryRawSqlPlusJsonStringifyMs: round(rawJsonMs, 3),
      i8HttpOneReadingMs: round(minimalMs, 3),
      ratioI8HttpOneReadingToRawSql: round(minimalMs / rawMs, 1),
      i8HttpOneReadingFullRouteStackMs: round(fullStackMs, 3),
      floorEmptyNodeHttpMs: round(emptyHttpMs, 3),
      floorEmptyExpressMs: round(emptyExpressMs, 3),
      floorMonthBytesNodeHttpMs: round(monthBytesHttpMs, 3),
      ratioFloorMonthBytesToRawSql: round(monthBytesHttpMs / rawMs, 1),
      ratioI8HttpToRawSql: round(httpMs / rawMs, 1),
      ratioReadingStoreToRawSql: round(portMs / rawMs, 2),
      target: '≤ 1.5× raw SQL',
      i7ExportRows: EXPORT_ROWS,
      i7ExportRowsPerSecond: i7.rowsPerSecond,
      i7ExportSeconds: i7.seconds,
      i7ExportMB: i7.mb,
      i7ExportRssBeforeMB: i7.baseRss,
      i7ExportPeakRssMB: i7.peakRss,
      i8ExportRows: total,
      i8ExportRowsPerSecond: i8.rowsPerSecond,
      i8ExportRssBeforeMB: i8.baseRss,
      i8ExportPeakRssMB: i8.peakRss,
    };
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
    agent.destroy();
    await gw.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await run(), null, 2));
}
