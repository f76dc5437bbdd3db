// Cluster profile (issue #10): bulk ingest into PostgreSQL through the gateway's HTTP endpoint
// against a raw COPY of the same rows, and commands/s with two gateway instances against one.
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { commandTopology } from '../gateway/adapters/amqp/command-bus.amqp.js';
import { PgNetwork } from '../gateway/adapters/postgres/network.postgres.js';
import { openGateway } from '../gateway/composition/open-gateway.js';
import { loadConfig, repoRoot } from '../gateway/config/config.js';
import { startProcess, type Started } from '../tests/hes/processes.js';
import { deleteBrokerObjects, testConnection } from '../tests/helpers/amqp.js';
import { BENCH_KWH, benchMeter, generateMeterReadings } from './generate-meter-readings.js';
import { benchSchema, loadProfile, rawBinaryCopy, rawCopy } from './readings-postgres.bench.js';

const METERS = Number(process.env.BENCH_METERS ?? 10_000);
const COMMAND_METERS = 500;
const WARMUP = 300;
const REQUESTS = 2000;
const CONCURRENCY = 16;
const work = path.join(repoRoot, '.bench');
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const inSchema = (url: string, schema: string) => `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;

function post(port: number, file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/cim/messages', method: 'POST', headers: { 'content-type': 'application/xml', 'content-length': statSync(file).size } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

async function dropTopology(url: string, prefix: string, shards: number): Promise<void> {
  const t = commandTopology(prefix, shards);
  const connection = testConnection(url, 'cluster bench cleanup');
  await deleteBrokerObjects(connection, { queues: [...t.queues.map((x) => x.name), t.deadQueue], exchanges: [t.exchange, t.deadExchange] });
  await connection.close();
}

/** The 100 MB created MeterReadings through a cluster gateway into PostgreSQL, against raw COPY of the same rows. */
async function ingest(dbUrl: string, amqpUrl: string) {
  mkdirSync(work, { recursive: true });
  const file = path.join(work, `meter-readings-${METERS}.xml`);
  if (!existsSync(file)) await generateMeterReadings(file, METERS, 96);
  const db = await benchSchema(dbUrl);
  const schema = (await db.pool.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cimgw-cluster-bench-'));
  const prefix = `cimgw-bench.${schema}`;
  try {
    const config = loadConfig({}, { profile: 'cluster', databaseUrl: inSchema(dbUrl, schema), amqpUrl, amqp: { prefix }, dataDir, logLevel: 'silent', http: { port: 0 } });
    const gw = await openGateway(config, { log: pino({ level: 'silent' }) });
    const server = await gw.listen();
    try {
      const meters = Array.from({ length: METERS }, (_, i) => ({ mRID: benchMeter(i + 1), names: [], status: 'in-service' as const, commPath: 'concentrator' as const }));
      for (let i = 0; i < meters.length; i += 1000) await gw.storage.network.upsertMeters(meters.slice(i, i + 1000));
      const t = process.hrtime.bigint();
      const answer = await post((server.address() as AddressInfo).port, file);
      const gatewaySeconds = seconds(t);
      if (!/<(?:\w+:)?Result>OK</.test(answer)) throw new Error(`ingest answered: ${answer.slice(0, 600)}`);
      const stored = await gw.storage.readings.count({ meters: [benchMeter(1), benchMeter(METERS)], readingTypes: [BENCH_KWH] });
      if (stored !== 192) throw new Error(`expected 2 × 96 readings of the first and last meter, found ${stored}`);
      // The baseline's rows are built after the gateway's run: 960,000 readings as JS arrays in this
      // process's heap would otherwise be marked by every major GC of the in-process gateway.
      const { batches, readings } = loadProfile(METERS, 96);
      const text = await rawCopy(db.pool, batches);
      const binary = await rawBinaryCopy(db.pool, batches);
      const best = Math.max(readings / text.seconds, readings / binary.seconds);
      const through = readings / gatewaySeconds;
      return {
        ingestDocumentMB: round(statSync(file).size / 1024 / 1024, 1),
        ingestReadings: readings,
        ingestGatewayReadingsPerSecond: Math.round(through),
        ingestRawCopyTextRowsPerSecond: Math.round(readings / text.seconds),
        ingestRawCopyBinaryRowsPerSecond: Math.round(readings / binary.seconds),
        ingestRatioGatewayToFasterRawCopy: round(through / best),
      };
    } finally {
      await gw.stop();
    }
  } finally {
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
    await dropTopology(amqpUrl, prefix, 4);
  }
}

const edc = (i: number) => `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>`
  + `<m:RequestMessage xmlns:m="http://iec.ch/TC57/2011/schema/message"><m:Header><m:Verb>create</m:Verb><m:Noun>EndDeviceControls</m:Noun>`
  + `<m:Timestamp>2026-11-20T09:12:00-03:00</m:Timestamp><m:Source>BENCH</m:Source><m:MessageID>bench-${i}</m:MessageID></m:Header><m:Payload>`
  + `<c:EndDeviceControls xmlns:c="http://iec.ch/TC57/2011/EndDeviceControls#"><c:EndDeviceControl><c:mRID>ctl-${i}</c:mRID><c:reason>non-payment</c:reason>`
  + `<c:EndDeviceControlType ref="${i % 2 ? '3.31.0.23' : '3.31.0.18'}"/><c:EndDevices><c:mRID>CMD-${i % COMMAND_METERS}</c:mRID></c:EndDevices></c:EndDeviceControl></c:EndDeviceControls></m:Payload></m:RequestMessage>`
  + `</soapenv:Body></soapenv:Envelope>`;

/** Requests from..to over SOAP, spread round-robin over the instances, CONCURRENCY in flight; returns requests/s. */
async function load(ports: number[], from: number, to: number): Promise<number> {
  let next = from;
  const t = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < to) {
      const i = next++;
      const res = await fetch(`http://127.0.0.1:${ports[i % ports.length]}/cim/soap`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' }, body: edc(i) });
      const text = await res.text();
      if (res.status !== 200 || !/<(\w+:)?code>0\.3</.test(text)) throw new Error(`request ${i}: HTTP ${res.status} ${text.slice(0, 300)}`);
    }
  }));
  return (to - from) / seconds(t);
}

/** N gateway processes (cluster profile) and one head-end simulator process: accepted/s over SOAP and executed/s to the end. */
async function commandsWith(instances: number, dbUrl: string, amqpUrl: string) {
  const db = await benchSchema(dbUrl);
  const schema = (await db.pool.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
  const dir = mkdtempSync(path.join(tmpdir(), 'cimgw-cluster-cmd-'));
  const prefix = `cimgw-bench.${schema}`;
  const procs: Started[] = [];
  try {
    writeFileSync(path.join(dir, 'sim.json'), JSON.stringify({ cellular: { lossProbability: 0, baseLatencyMs: 5, jitterMs: 0 } }));
    const sim = await startProcess('scripts/hes-simulator.ts', { HES_SIM_PORT: '0', HES_SIM_DATA_DIR: path.join(dir, 'sim'), HES_SIM_SEED: '3', HES_SIM_CONFIG: path.join(dir, 'sim.json'), LOG_LEVEL: 'warn' }, 'hes simulator listening');
    procs.push(sim);
    const network = await PgNetwork.create(db.pool);
    const meters = Array.from({ length: COMMAND_METERS }, (_, i) => `CMD-${i}`);
    await network.upsertMeters(meters.map((mRID) => ({ mRID, names: [], status: 'in-service' as const, commPath: 'point-to-point' as const })));
    await Promise.all(meters.map((m) => fetch(`http://127.0.0.1:${sim.port}/hes/meters/${m}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"commPath":"point-to-point"}' })));
    writeFileSync(path.join(dir, 'gateway.json'), JSON.stringify({ hes: { mode: 'http', url: `http://127.0.0.1:${sim.port}` }, amqp: { prefix }, commands: { batchSize: 128, concurrency: 16 } }));
    for (let n = 0; n < instances; n++) {
      procs.push(await startProcess('gateway/main.ts', {
        PORT: '0', GATEWAY_PROFILE: 'cluster', GATEWAY_DATA_DIR: path.join(dir, `gw-${n}`), GATEWAY_CONFIG: path.join(dir, 'gateway.json'), LOG_LEVEL: 'info',
        DATABASE_URL: inSchema(dbUrl, schema), AMQP_URL: amqpUrl,
      }, 'gateway listening'));
    }
    const ports = procs.slice(1).map((p) => p.port);
    const done = async () => Number((await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM commands WHERE state = 'succeeded'`)).rows[0]!.n);
    await load(ports, 0, WARMUP);
    while ((await done()) < WARMUP) await new Promise((r) => setTimeout(r, 50));
    const t = process.hrtime.bigint();
    const accepted = await load(ports, WARMUP, WARMUP + REQUESTS);
    while ((await done()) < WARMUP + REQUESTS) await new Promise((r) => setTimeout(r, 20));
    return { accepted, executed: REQUESTS / seconds(t) };
  } finally {
    for (const p of procs.reverse()) { p.child.kill('SIGTERM'); await p.exited; }
    await db.close();
    rmSync(dir, { recursive: true, force: true });
    await dropTopology(amqpUrl, prefix, 4);
  }
}

export async function run(): Promise<Record<string, number | string>> {
  const dbUrl = process.env.DATABASE_URL;
  const amqpUrl = process.env.AMQP_URL;
  if (!dbUrl || !amqpUrl) return { skipped: 'DATABASE_URL and AMQP_URL must be set (e.g. postgres://postgres@127.0.0.1:5432/test, amqp://guest:guest@127.0.0.1:5672)' };
  // BENCH_CLUSTER_PARTS=commands (or ingest) runs one part only; both by default.
  const parts = (process.env.BENCH_CLUSTER_PARTS ?? 'ingest,commands').split(',').map((p) => p.trim());
  for (const p of parts) if (p !== 'ingest' && p !== 'commands') throw new Error(`BENCH_CLUSTER_PARTS: unknown part ${p} (ingest, commands)`);
  const ingested = parts.includes('ingest') ? await ingest(dbUrl, amqpUrl) : {};
  if (!parts.includes('commands')) return ingested;
  // Alternating order so neither configuration always runs on a warmer machine.
  const one = await commandsWith(1, dbUrl, amqpUrl);
  const two = await commandsWith(2, dbUrl, amqpUrl);
  const oneAgain = await commandsWith(1, dbUrl, amqpUrl);
  const oneAccepted = (one.accepted + oneAgain.accepted) / 2;
  const oneExecuted = (one.executed + oneAgain.executed) / 2;
  return {
    ...ingested,
    commandRequests: REQUESTS,
    commandsAcceptedPerSecondOneInstance: Math.round(oneAccepted),
    commandsAcceptedPerSecondTwoInstances: Math.round(two.accepted),
    commandsAcceptedRatioTwoToOne: round(two.accepted / oneAccepted),
    commandsExecutedPerSecondOneInstance: Math.round(oneExecuted),
    commandsExecutedPerSecondTwoInstances: Math.round(two.executed),
    commandsExecutedRatioTwoToOne: round(two.executed / oneExecuted),
    oneInstanceRuns: `${Math.round(one.accepted)}/${Math.round(one.executed)} then ${Math.round(oneAgain.accepted)}/${Math.round(oneAgain.executed)} (accepted/executed per s)`,
  };
}
