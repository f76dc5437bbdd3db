// Event ingest → publication: how long from ingestEvents() until a real HTTP subscriber has the
// EventMessage (p50/p99), and events/s end to end, against a baseline of ingest alone (store +
// outage detection, nobody subscribed) measured in the same run.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createGateway } from '../gateway/app.js';
import { loadConfig } from '../gateway/config/config.js';
import type { DeviceEvent } from '../gateway/domain/events/device-event.js';

const METERS = 200;
const EVENTS = 2000;
const BATCH = 50;

function gateway(pollMs: number) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cimgw-bench-'));
  const gw = createGateway(loadConfig({}, { dataDir, logLevel: 'silent', outbox: { pollMs, batchSize: 256 }, outages: { checkMs: 50 } }), { log: pino({ level: 'silent' }) });
  return { gw, done: async () => { await gw.stop(); rmSync(dataDir, { recursive: true, force: true }); } };
}

async function provision(gw: ReturnType<typeof createGateway>) {
  await gw.storage.network.upsertMeters(Array.from({ length: METERS }, (_, i) => ({ mRID: `MTR-${i}`, names: [], status: 'in-service' as const, commPath: 'point-to-point' as const })));
}

/** Alarms that do not form interruptions plus off/restore pairs, spread over the meters. */
function events(): DeviceEvent[] {
  const t0 = Date.now() - 3600_000;
  const codes = ['3.12.29.257', '3.26.38.93', '3.26.0.85', '3.26.0.216'];
  return Array.from({ length: EVENTS }, (_, i) => ({ device: `MTR-${i % METERS}`, eventType: codes[Math.floor(i / METERS) % 4]!, createdDateTime: t0 + i * 1000, mRID: `b-${i}`, details: [] }));
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function run(): Promise<Record<string, number | string>> {
  const list = events();

  // Baseline: ingest only.
  const base = gateway(1000);
  await provision(base.gw);
  let started = performance.now();
  for (let i = 0; i < list.length; i += BATCH) await base.gw.events.ingestEvents(list.slice(i, i + BATCH), 'HES');
  const ingestOnly = list.length / ((performance.now() - started) / 1000);
  await base.done();

  // With one REST subscriber and the real background workers.
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let lastReceived = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const id = /<(?:\w+:)?mRID>(b-\d+)</.exec(body)?.[1];
      const t = sentAt.get(id ?? '');
      if (t !== undefined) latencies.push(performance.now() - t);
      lastReceived = performance.now();
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scada`;
  const pub = gateway(10);
  await provision(pub.gw);
  await pub.gw.events.subscriptions.add({ endpoint: url, noun: 'EndDeviceEvents', protocol: 'REST' });
  pub.gw.start();
  started = performance.now();
  for (let i = 0; i < list.length; i += BATCH) {
    const now = performance.now();
    for (const e of list.slice(i, i + BATCH)) sentAt.set(e.mRID!, now);
    await pub.gw.events.ingestEvents(list.slice(i, i + BATCH), 'HES');
  }
  const deadline = Date.now() + 120_000;
  while (latencies.length < list.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const endToEnd = latencies.length / ((lastReceived - started) / 1000);
  await pub.done();
  await new Promise<void>((r) => server.close(() => r()));
  latencies.sort((a, b) => a - b);
  return {
    events: list.length,
    delivered: latencies.length,
    'ingest only (events/s)': Math.round(ingestOnly),
    'ingest → subscriber (events/s)': Math.round(endToEnd),
    'ratio end-to-end / ingest only': endToEnd / ingestOnly,
    'latency p50 (ms)': pct(latencies, 50),
    'latency p99 (ms)': pct(latencies, 99),
    note: `${METERS} meters, batches of ${BATCH}, 1 REST subscriber on loopback, outbox poll 10 ms`,
  };
}
