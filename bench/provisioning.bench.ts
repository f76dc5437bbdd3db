// Bulk provisioning throughput (meters/s), against a baseline measured in the same run: raw
// SQLite inserts of the same meter and usage point rows (prepared statements, one transaction,
// same pragmas), i.e. what the store alone costs. The gateway figures add XML parsing, XSD
// validation, the per-item checks, the idempotency claim and the reply.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import request from 'supertest';
import { createGateway } from '../gateway/app.js';
import { openSqlite } from '../gateway/adapters/sqlite/sqlite-database.js';
import { loadConfig } from '../gateway/config/config.js';
import { expandGroup } from '../gateway/domain/meters/network-seed.js';
import { provisioningDeps } from '../gateway/nouns/MeterConfig/register.js';
import { provisionMeters } from '../gateway/use-cases/provision-meters.use-case.js';

const METERS = 20_000;
const DCS = 40;

function freshGateway() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cimgw-bench-'));
  const gw = createGateway(loadConfig({}, { dataDir, logLevel: 'silent' }), { log: pino({ level: 'silent' }) });
  return { gw, close: async () => { await gw.stop(); rmSync(dataDir, { recursive: true, force: true }); } };
}

async function topology(gw: ReturnType<typeof freshGateway>['gw']) {
  const ids = Array.from({ length: DCS }, (_, i) => String(i).padStart(3, '0'));
  await gw.deps.network.upsertTransformers(ids.map((i) => ({ id: `TR-${i}` })));
  await gw.deps.network.upsertConcentrators(ids.map((i) => ({ id: `DC-${i}`, transformerId: `TR-${i}` })));
}

const groups = () => Array.from({ length: DCS }, (_, d) => expandGroup({
  prefix: `B-${String(d).padStart(3, '0')}-`, count: METERS / DCS, start: 1, digits: 5, concentratorId: `DC-${String(d).padStart(3, '0')}`,
  technology: 'PLC', transformerId: `TR-${String(d).padStart(3, '0')}`,
}));

function message(messageId: string): string {
  const meters: string[] = [];
  const ups: string[] = [];
  for (const g of groups()) {
    for (const m of g.meters) meters.push(`<c:Meter><c:mRID>${m.mRID}</c:mRID><c:serialNumber>${m.serialNumber}</c:serialNumber><c:ComModule><c:communicationTechnology>PLC</c:communicationTechnology><c:ConcentratorID>${m.concentratorId}</c:ConcentratorID></c:ComModule><c:Names><c:name>${m.names![0]}</c:name></c:Names><c:UsagePoints><c:mRID>${m.usagePointMRIDs[0]}</c:mRID></c:UsagePoints></c:Meter>`);
    for (const u of g.usagePoints) ups.push(`<c:UsagePoint><c:mRID>${u.mRID}</c:mRID><c:TransformerID>${u.transformerId}</c:TransformerID></c:UsagePoint>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?><m:RequestMessage xmlns:m="http://iec.ch/TC57/2011/schema/message"><m:Header><m:Verb>create</m:Verb><m:Noun>MeterConfig</m:Noun><m:Source>BENCH</m:Source><m:MessageID>${messageId}</m:MessageID></m:Header><m:Payload><c:MeterConfig xmlns:c="http://iec.ch/TC57/2011/MeterConfig#">${meters.join('')}${ups.join('')}</c:MeterConfig></m:Payload></m:RequestMessage>`;
}

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

export async function run(): Promise<Record<string, number | string>> {
  // Baseline: the same rows straight into SQLite.
  const dir = mkdtempSync(path.join(tmpdir(), 'cimgw-bench-raw-'));
  const db = openSqlite(path.join(dir, 'raw.sqlite'));
  db.exec(`CREATE TABLE usage_points (mrid TEXT PRIMARY KEY, names TEXT, transformer_id TEXT) WITHOUT ROWID;
    CREATE TABLE meters (mrid TEXT PRIMARY KEY, names TEXT, serial_number TEXT, status TEXT, usage_point_mrid TEXT, comm_path TEXT, concentrator_id TEXT) WITHOUT ROWID;`);
  const all = groups();
  const insUp = db.prepare('INSERT INTO usage_points VALUES (?, ?, ?)');
  const insM = db.prepare('INSERT INTO meters VALUES (?, ?, ?, ?, ?, ?, ?)');
  const rawSeconds = await timed(() => db.transaction(() => {
    for (const g of all) {
      for (const u of g.usagePoints) insUp.run(u.mRID, '[]', u.transformerId ?? null);
      for (const m of g.meters) insM.run(m.mRID, JSON.stringify(m.names), m.serialNumber ?? null, 'installed', m.usagePointMRIDs[0]!, 'concentrator', m.concentratorId ?? null);
    }
  })());
  db.close();
  rmSync(dir, { recursive: true, force: true });

  // The use case alone (no XML): checks, upserts, events.
  const direct = freshGateway();
  await topology(direct.gw);
  const deps = provisioningDeps(direct.gw.deps);
  const meters = all.flatMap((g) => g.meters);
  const ups = all.flatMap((g) => g.usagePoints);
  const useCaseSeconds = await timed(() => provisionMeters(deps, 'create', meters, ups));
  await direct.close();

  // The whole path: one create MeterConfig message over REST, then the same content again.
  const full = freshGateway();
  await topology(full.gw);
  const first = message('bench-1');
  const post = (xml: string) => request(full.gw.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);
  const messageSeconds = await timed(() => post(first));
  const resendSeconds = await timed(() => post(message('bench-2')));
  const count = await full.gw.deps.network.countMeters();
  await full.close();
  if (count !== METERS) throw new Error(`expected ${METERS} meters provisioned, found ${count}`);

  const rate = (s: number) => Math.round(METERS / s);
  return {
    meters: METERS,
    'message MB': Number((Buffer.byteLength(first) / 1e6).toFixed(1)),
    'baseline raw SQLite inserts meters/s': rate(rawSeconds),
    'use case (no XML) meters/s': rate(useCaseSeconds),
    'create MeterConfig message meters/s': rate(messageSeconds),
    'idempotent resend meters/s': rate(resendSeconds),
    'use case / baseline': useCaseSeconds > 0 ? rawSeconds / useCaseSeconds : 0,
    'message / baseline': rawSeconds / messageSeconds,
  };
}

