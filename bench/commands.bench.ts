// Commands: (1) accepted-and-queued commands/s over SOAP (sync create EndDeviceControls, one
// device each) against a bare express echo of the same bodies in the same run — target ratio
// ≥ 0.5; (2) dispatch throughput of queued commands to the built-in simulator, in process and
// over HTTP (the simulator's server with the HttpHes adapter).
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { pino } from 'pino';
import { HttpHes } from '../gateway/adapters/hes-http/hes.http.js';
import { HesSimulator } from '../gateway/adapters/hes-simulator/hes-simulator.js';
import { listenSimulator } from '../gateway/adapters/hes-simulator/hes-simulator.server.js';
import { createGateway } from '../gateway/app.js';
import { loadConfig } from '../gateway/config/config.js';
import type { HesPort } from '../gateway/ports/hes.port.js';

const METERS = 500;
const REQUESTS = 3000;
// JIT, libxml2-wasm and SQLite page cache need about a thousand requests to reach their steady state.
const WARMUP = 1000;
const CONCURRENCY = 16;
const ROUNDS = 5;
const DISPATCH = 2000;

const body = (i: number) => `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>`
  + `<m:RequestMessage xmlns:m="http://iec.ch/TC57/2011/schema/message"><m:Header><m:Verb>create</m:Verb><m:Noun>EndDeviceControls</m:Noun>`
  + `<m:Timestamp>2026-11-20T09:12:00-03:00</m:Timestamp><m:Source>BENCH</m:Source><m:MessageID>bench-${i}</m:MessageID></m:Header><m:Payload>`
  + `<c:EndDeviceControls xmlns:c="http://iec.ch/TC57/2011/EndDeviceControls#"><c:EndDeviceControl><c:mRID>ctl-${i}</c:mRID><c:reason>non-payment</c:reason>`
  + `<c:EndDeviceControlType ref="3.31.0.23"/><c:EndDevices><c:mRID>MTR-${i % METERS}</c:mRID></c:EndDevices></c:EndDeviceControl></c:EndDeviceControls></m:Payload></m:RequestMessage>`
  + `</soapenv:Body></soapenv:Envelope>`;

async function gateway(extra: Record<string, unknown> = {}, hes?: HesPort) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cimgw-bench-'));
  const gw = createGateway(loadConfig({}, { dataDir, logLevel: 'silent', http: { port: 0 }, ...extra }), { log: pino({ level: 'silent' }), ...(hes ? { hes } : {}) });
  await gw.storage.network.upsertMeters(Array.from({ length: METERS }, (_, i) => ({ mRID: `MTR-${i}`, names: [], status: 'in-service' as const, commPath: 'point-to-point' as const })));
  return { gw, dataDir, done: async () => { await gw.stop(); rmSync(dataDir, { recursive: true, force: true }); } };
}

/** Posts bodies from..to with a fixed number in flight; returns requests/s. */
async function load(url: string, from: number, to: number): Promise<number> {
  let next = from;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < to) {
      const i = next++;
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' }, body: body(i) });
      const text = await res.text();
      if (res.status !== 200 || !text.includes('<m:code>0.3</m:code>')) throw new Error(`request ${i}: HTTP ${res.status} ${text.slice(0, 300)}`);
    }
  }));
  return (to - from) / ((performance.now() - started) / 1000);
}

async function echoLoad(from: number, to: number, url: string): Promise<number> {
  let next = from;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < to) {
      const i = next++;
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body: body(i) });
      await res.text();
    }
  }));
  return (to - from) / ((performance.now() - started) / 1000);
}

async function dispatchRate(hes?: HesPort): Promise<number> {
  const g = await gateway({ commands: { batchSize: 256, concurrency: 32 } }, hes);
  for (let i = 0; i < DISPATCH; i += 100) {
    await g.gw.commands.facade.accept(Array.from({ length: 100 }, (_, k) => ({
      index: k, xpath: '', type: '3.31.0.23', mRID: `d-${i + k}`, devices: [{ mRID: `MTR-${(i + k) % METERS}`, label: '', xpath: '' }], groups: [], usagePoints: [], usagePointGroups: [],
    })), { source: 'BENCH', messageId: `dispatch-${i}`, correlationId: `dispatch-${i}`, verb: 'create', typed: false, rewrite: [] });
  }
  const started = performance.now();
  while ((await g.gw.commands.queue.counts()).succeeded < DISPATCH) await g.gw.commands.tick();
  const rate = DISPATCH / ((performance.now() - started) / 1000);
  await g.done();
  return rate;
}

export async function run(): Promise<Record<string, number | string>> {
  const echo = express().post('/echo', express.text({ type: '*/*', limit: '1mb' }), (req, res) => { res.type('text/xml').send(req.body as string); });
  const echoServer: Server = await new Promise((r) => { const s = echo.listen(0, '127.0.0.1', () => r(s)); });
  const echoUrl = `http://127.0.0.1:${(echoServer.address() as AddressInfo).port}/echo`;
  const g = await gateway();
  const server = await g.gw.listen();
  const soapUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cim/soap`;

  await echoLoad(0, WARMUP, echoUrl);
  await load(soapUrl, 0, WARMUP);
  // Interleaved rounds: on a shared machine the load of the moment moves both sides alike.
  const rounds: { echo: number; accept: number }[] = [];
  const per = (REQUESTS - WARMUP) / ROUNDS;
  for (let r = 0; r < ROUNDS; r++) {
    const from = WARMUP + r * per;
    rounds.push({ echo: await echoLoad(from, from + per, echoUrl), accept: await load(soapUrl, from, from + per) });
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const echoRate = median(rounds.map((x) => x.echo));
  const acceptRate = median(rounds.map((x) => x.accept));
  const ratio = median(rounds.map((x) => x.accept / x.echo));
  const queued = (await g.gw.commands.queue.counts()).accepted;
  await g.done();
  echoServer.close();

  const embedded = await dispatchRate();
  const simDir = mkdtempSync(path.join(tmpdir(), 'hes-bench-'));
  const sim = new HesSimulator({ dataDir: simDir, seed: 1 });
  for (let i = 0; i < METERS; i++) await sim.provision({ mRID: `MTR-${i}`, commPath: 'point-to-point' });
  const simServer = await listenSimulator(sim, 0);
  const http = new HttpHes(`http://127.0.0.1:${(simServer.address() as AddressInfo).port}`, { timeoutMs: 10_000, pollMs: 60_000 });
  const overHttp = await dispatchRate(http);
  await http.close();
  simServer.close();
  await sim.stop();
  rmSync(simDir, { recursive: true, force: true });

  return {
    'express echo of the same SOAP bodies (req/s, median)': Math.round(echoRate),
    'create EndDeviceControls accepted + queued (commands/s, median)': Math.round(acceptRate),
    'ratio accepted / echo, median of rounds (target ≥ 0.5)': ratio,
    'commands queued (check: warm-up + measured)': queued,
    'dispatch to the embedded simulator (commands/s)': Math.round(embedded),
    'dispatch to the simulator over HTTP (commands/s)': Math.round(overHttp),
  };
}
