import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, createReadStream } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { openSqlite } from '../gateway/adapters/sqlite/sqlite-database.js';
import { SqliteNetwork } from '../gateway/adapters/sqlite/network.sqlite.js';
import { SqliteReadingStore } from '../gateway/adapters/sqlite/reading-store.sqlite.js';
import { repoRoot } from '../gateway/config/config.js';
import { DAY_MS, dayOf, decodeDay } from '../gateway/domain/readings/day-block.js';
import { discoverSchemas } from '../gateway/xml/schema-set.js';
import { BENCH_KWH, benchMeter, generateMeterReadings } from './generate-meter-readings.js';

const METERS = Number(process.env.BENCH_METERS ?? 10_000);
const work = path.join(repoRoot, '.bench');

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

function post(port: number, file: string, size: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/cim/messages', method: 'POST', headers: { 'content-type': 'application/xml', 'content-length': size } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

function postText(port: number, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/cim/messages', method: 'POST', headers: { 'content-type': 'application/xml' } }, (res) => {
      let out = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (out += c));
      res.on('end', () => resolve(out));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const vmHwmMb = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** The gateway as `npm start` runs it (built JavaScript): under tsx the idle process alone is ~280 MB. */
async function startGateway(dataDir: string, port: number) {
  const build = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(repoRoot, 'tsconfig.build.json')], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
  // The node flags of `npm start` (a bounded young generation: see docs/readings.md), taken from package.json so the two cannot drift.
  const start = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const flags = /\bnode ((?:--\S+ )*)dist\/gateway\/main\.js/.exec(start)?.[1]?.trim().split(' ').filter(Boolean) ?? [];
  // BENCH_GATEWAY_FLAGS adds node flags for a diagnostic run, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const extra = process.env.BENCH_GATEWAY_FLAGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...flags, ...extra, path.join(repoRoot, 'dist', 'gateway', 'main.js')], {
    env: { ...process.env, GATEWAY_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' }, stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((resolve) => request({ host: '127.0.0.1', port, path: '/healthz' }, (r) => { r.resume(); resolve(r.statusCode === 200); }).on('error', () => resolve(false)).end());
    if (up) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('gateway did not start');
}

/** The 100 MB ingest against xmllint's streaming validation, then one meter × one month through get against raw SQL. */
export async function run(): Promise<Record<string, number | string>> {
  mkdirSync(work, { recursive: true });
  const file = path.join(work, `meter-readings-${METERS}.xml`);
  if (!existsSync(file)) await generateMeterReadings(file, METERS, 96);
  const size = statSync(file).size;
  const mb = size / 1024 / 1024;

  const bundle = path.join(work, 'bundle.xsd');
  writeFileSync(bundle, `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:bench">\n${discoverSchemas([path.join(repoRoot, 'xsd')]).map((f) => `<xs:import namespace="${f.namespace}" schemaLocation="${f.file}"/>`).join('\n')}\n</xs:schema>`);
  let t = process.hrtime.bigint();
  const lint = spawnSync('xmllint', ['--stream', '--noout', '--schema', bundle, file], { encoding: 'utf8' });
  const xmllintSeconds = seconds(t);
  if (lint.status !== 0) throw new Error(`xmllint: ${lint.stderr.slice(0, 500)}`);

  const dataDir = mkdtempSync(path.join(tmpdir(), 'cimgw-bench-'));
  const db = openSqlite(path.join(dataDir, 'gateway.sqlite'));
  const month = 'MTR-MONTH';
  await new SqliteNetwork(db).upsertMeters([...Array.from({ length: METERS }, (_, i) => benchMeter(i + 1)), month].map((mRID) => ({ mRID, names: [], status: 'in-service' as const, commPath: 'concentrator' as const })));
  const store = new SqliteReadingStore(db);
  const port = 18_000 + Math.floor(Math.random() * 2000);
  const child = await startGateway(dataDir, port);
  const idle = vmHwmMb(child.pid!);
  try {
    t = process.hrtime.bigint();
    const res = await post(port, file, size);
    const ingestSeconds = seconds(t);
    const peakRss = vmHwmMb(child.pid!);
    const idleRss = idle;
    if (!/<(?:\w+:)?Result>OK</.test(res.body)) throw new Error(`ingest answered ${res.status}: ${res.body.slice(0, 800)}`);
    const stored = (db.prepare('SELECT SUM(length(points)) / 16 AS n FROM reading_days').get() as { n: number }).n;

    // One meter × one month (31 days × 96) for the query comparison.
    const start = Date.parse('2026-10-01T00:00:00Z');
    const id = await store.beginIngest({ source: 'bench', messageId: 'month', receivedAt: new Date() });
    await store.stage(id, Array.from({ length: 31 * 96 }, (_, i) => ({ meter: month, readingType: BENCH_KWH, timestamp: start + (i + 1) * 900_000, value: (i % 50) / 10, qualities: [], kind: 'interval' as const })));
    await store.commitIngest(id);
    const window = { start: new Date(start), end: new Date(start + 31 * DAY_MS) };
    const raw = db.prepare('SELECT day, points FROM reading_days WHERE meter = ? AND reading_type = ? AND day BETWEEN ? AND ? ORDER BY day');
    const rawQuery = () => {
      let n = 0;
      for (const row of raw.all(month, BENCH_KWH, dayOf(window.start.getTime()), dayOf(window.end.getTime())) as { day: number; points: Buffer }[]) {
        for (const p of decodeDay(row.points)) {
          const ts = row.day * DAY_MS + p.offset;
          if (ts > window.start.getTime() && ts <= window.end.getTime()) n++;
        }
      }
      return n;
    };
    const portQuery = async () => (await store.read({ meters: [month], readingTypes: [BENCH_KWH], ...window }, { offset: 0, limit: 10_000 })).length;
    const time = async (fn: () => unknown, n: number) => {
      for (let i = 0; i < 5; i++) await fn();
      const t1 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await fn();
      return seconds(t1) / n * 1000;
    };
    if (rawQuery() !== 2976 || (await portQuery()) !== 2976) throw new Error('month query returned the wrong count');
    // Interleaved rounds, median of each: a burst of load from another job lands on both sides
    // of a round instead of on one whole loop.
    const rounds: [number, number][] = [];
    for (let r = 0; r < 11; r++) rounds.push([await time(rawQuery, 40), await time(portQuery, 40)]);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const rawMs = median(rounds.map(([raw]) => raw));
    const portMs = median(rounds.map(([, viaPort]) => viaPort));
    const portRatio = median(rounds.map(([raw, viaPort]) => viaPort / raw));
    const getXml = `<?xml version="1.0"?><m:RequestMessage xmlns:m="http://iec.ch/TC57/2011/schema/message"><m:Header><m:Verb>get</m:Verb><m:Noun>MeterReadings</m:Noun><m:Source>BENCH</m:Source></m:Header><m:Request><m:StartTime>${window.start.toISOString()}</m:StartTime><m:EndTime>${window.end.toISOString()}</m:EndTime><g:GetMeterReadings xmlns:g="http://iec.ch/TC57/2011/GetMeterReadings#"><g:EndDevice><g:mRID>${month}</g:mRID></g:EndDevice><g:ReadingType><g:mRID>${BENCH_KWH}</g:mRID></g:ReadingType></g:GetMeterReadings></m:Request></m:RequestMessage>`;
    const httpMs = await time(() => postText(port, getXml), 30);

    return {
      documentMB: round(mb, 1),
      readingsInDocument: METERS * 96,
      xmllintStreamSchemaMBps: round(mb / xmllintSeconds),
      gatewayIngestMBps: round(mb / ingestSeconds),
      ratioGatewayToXmllint: round(xmllintSeconds / ingestSeconds, 3),
      gatewayIdleRssMB: round(idleRss, 1),
      gatewayPeakRssMB: round(peakRss, 1),
      readingsStored: stored,
      readingsPerSecond: Math.round(stored / ingestSeconds),
      monthQueryRawSqlMs: round(rawMs, 3),
      monthQueryReadingStoreMs: round(portMs, 3),
      ratioReadingStoreToRawSql: round(portRatio, 2),
      monthGetOverHttpMs: round(httpMs, 2),
      ratioHttpGetToRawSql: round(httpMs / rawMs, 1),
    };
  } finally {
    child.kill('SIGTERM');
    db.close();
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await run(), null, 2));
}
