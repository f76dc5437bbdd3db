import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import request from 'supertest';
import { parse } from 'yaml';
import { createGateway, type Gateway } from '../../gateway/app.js';
import { loadConfig, repoRoot } from '../../gateway/config/config.js';
import type { StoredEvent } from '../../gateway/domain/events/device-event.js';
import { eventId } from '../../gateway/domain/events/event-key.js';
import type { TestGateway } from '../helpers/gateway.js';
import { client, i8Gateway, ingest, kwh, parseCsv, Q, T0 } from './i8-fixtures.js';

const ev = (device: string, at: number): StoredEvent => {
  const base = { device, eventType: '3.26.0.85', createdDateTime: at };
  return { ...base, id: eventId(base), details: [], source: 'HES', known: true, receivedAt: at };
};
const line = (r: Record<string, string>) => `${r.change} ${r.meter} ${r.usagePoint} ${(Date.parse(r.timestamp!) - T0) / Q} ${r.value}`;

describe('I7 incremental export: watermark, change order, restart', () => {
  let first: TestGateway;
  let gw: Gateway;
  let dwh: string;
  const get = (token: string, url: string) => request(gw.app).get(url).set('Authorization', `Bearer ${token}`).set('Accept', 'text/csv');
  const exportAll = async (resource: string, since?: string, limit?: number) => {
    const q = new URLSearchParams({ ...(since ? { since } : {}), ...(limit ? { limit: String(limit) } : {}) });
    const r = await get(dwh, `/i7/${resource}?${q}`);
    assert.equal(r.status, 200, r.text);
    assert.match(String(r.headers['content-type']), /^text\/csv/);
    return { rows: parseCsv(r.text), watermark: String(r.headers['i7-watermark']), more: r.headers['i7-more'] === 'true' };
  };

  before(async () => {
    first = await i8Gateway();
    gw = first;
    dwh = await client(first, 'dwh', { kind: 'regulator' }, ['export:read']);
  });
  after(async () => {
    await gw.stop();
    rmSync(first.dataDir, { recursive: true, force: true });
  });

  it('exports new and corrected readings once each after the watermark, also across a restart', async () => {
    await ingest(first, [kwh('M-1', 1), kwh('M-1', 2), kwh('M-1', 3), kwh('M-2', 1)], 'a');
    const one = await exportAll('readings');
    assert.deepEqual(one.rows.map(line), ['inserted M-1 UP-1 1 0.1', 'inserted M-1 UP-1 2 0.2', 'inserted M-1 UP-1 3 0.3', 'inserted M-2 UP-2 1 0.1']);
    assert.equal(one.more, false);
    assert.equal(one.watermark, one.rows.at(-1)!.changeId, 'the header is the last row\'s own watermark');
    assert.deepEqual((await exportAll('readings', one.watermark)).rows, [], 'nothing new');

    // Restart on the same data folder: the watermark means the same thing afterwards.
    await first.stop();
    gw = createGateway(loadConfig({}, { dataDir: first.dataDir, logLevel: 'silent' }), { log: pino({ level: 'silent' }) });
    const again = await exportAll('readings', one.watermark);
    assert.deepEqual([again.rows, again.watermark], [[], one.watermark]);

    // More data, a correction and an unchanged repeat (a resend).
    const store = gw.deps.readings;
    const id = await store.beginIngest({ source: 'MDM', messageId: 'b', receivedAt: new Date(T0) });
    await store.stage(id, [kwh('M-1', 3), kwh('M-1', 2, 9.5), kwh('M-2', 2)]);
    await store.commitIngest(id);
    const two = await exportAll('readings', one.watermark);
    assert.deepEqual(two.rows.map(line), ['corrected M-1 UP-1 2 9.5', 'inserted M-2 UP-2 2 0.2']);
    assert.deepEqual((await exportAll('readings')).rows.map(line).slice(4), two.rows.map(line), 'a full export ends with the same changes');

    // limit cuts the answer; I7-More says so; resuming from a row's changeId loses nothing.
    const a = await exportAll('readings', one.watermark, 1);
    assert.deepEqual([a.rows.map(line), a.more], [['corrected M-1 UP-1 2 9.5'], true]);
    const b = await exportAll('readings', a.rows[0]!.changeId, 1);
    assert.deepEqual([b.rows.map(line), b.more, b.watermark], [['inserted M-2 UP-2 2 0.2'], false, two.watermark]);
  });

  it('exports events by arrival and every change of an interruption (opened, closed)', async () => {
    await gw.i8!.deps.events.add([ev('M-1', T0 + 5 * Q), ev('M-2', T0)]);
    const e1 = await exportAll('events');
    assert.deepEqual(e1.rows.map((r) => [r.device, r.usagePoint]), [['M-1', 'UP-1'], ['M-2', 'UP-2']]);
    await gw.i8!.deps.events.add([ev('M-2', T0), ev('M-1', T0 - Q)]);
    assert.deepEqual((await exportAll('events', e1.watermark)).rows.map((r) => [r.device, r.createdDateTime]), [['M-1', new Date(T0 - Q).toISOString()]], 'an older event arriving late is still exported');

    const interruptions = gw.i8!.deps.interruptions;
    const iid = await interruptions.save({ meter: 'M-1', usagePoint: 'UP-1', track: 'power', kind: 'supply', start: T0 });
    const i1 = await exportAll('interruptions');
    assert.deepEqual(i1.rows.map((r) => [r.id, r.start, r.end]), [[String(iid), new Date(T0).toISOString(), '']]);
    await interruptions.save({ id: iid, meter: 'M-1', usagePoint: 'UP-1', track: 'power', kind: 'supply', start: T0, end: T0 + 600_000 });
    assert.deepEqual((await exportAll('interruptions', i1.watermark)).rows.map((r) => [r.id, r.end, r.durationSeconds]), [[String(iid), new Date(T0 + 600_000).toISOString(), '600']]);
  });

  it('keeps to the caller\'s data scope, needs export:read, refuses foreign watermarks, and is audited', async () => {
    const customer = await client(gw as TestGateway, 'app-up2', { kind: 'customer', usagePoint: 'UP-2' }, ['export:read']);
    const mine = parseCsv((await get(customer, '/i7/readings')).text);
    assert.deepEqual([...new Set(mine.map((r) => r.meter))], ['M-2']);
    const reader = await client(gw as TestGateway, 'reader', { kind: 'regulator' }, ['readings:read']);
    assert.equal((await get(reader, '/i7/readings')).status, 403);
    assert.equal((await get(dwh, '/i7/readings?since=e1')).status, 400, 'an events watermark is not a readings one');
    assert.equal((await get(dwh, '/i7/events?since=r1.0')).status, 400);
    assert.equal((await get(dwh, '/i7/readings').set('Accept', 'application/json')).status, 406);
    let audited;
    for (let i = 0; i < 50 && !audited; i++) {
      audited = (await gw.audit.query({ kind: 'data.read', peer: 'app-up2' })).find((e) => e.resource === 'i7/readings');
      if (!audited) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(audited, 'the export is in the audit log');
    assert.equal(audited.interface, 'i7');
    assert.equal(audited.rows, mine.length);
    assert.equal(JSON.parse(audited.filters!).watermark, mine.at(-1)!.changeId);
  });

  it('stops streaming when the client goes away, and audits what was sent', async () => {
    const many = [];
    for (const m of ['M-1', 'M-2', 'M-3']) for (let i = 100; i < 100 + 200 * 96; i++) many.push(kwh(m, i));
    await ingest(gw as TestGateway, many, 'bulk');
    const server = createServer(gw.app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const { port } = server.address() as AddressInfo;
      await new Promise<void>((resolve, reject) => {
        httpGet({ host: '127.0.0.1', port, path: '/i7/readings?limit=1000000', headers: { Authorization: `Bearer ${dwh}`, Accept: 'text/csv' } }, (res) => {
          res.once('data', () => { res.destroy(); resolve(); });
        }).on('error', reject);
      });
      let entry;
      for (let i = 0; i < 100 && !entry; i++) {
        entry = (await gw.audit.query({ kind: 'data.read', peer: 'dwh' })).find((e) => JSON.parse(e.filters!).aborted === true);
        if (!entry) await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(entry, 'the aborted export is audited');
      assert.ok(entry.rows! > 0 && entry.rows! < many.length, `rows sent before the client left: ${entry.rows}`);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('is in the contract', () => {
    const spec = parse(readFileSync(path.join(repoRoot, 'openapi', 'i8.yaml'), 'utf8')) as { paths: Record<string, unknown> };
    for (const p of ['/i7/readings', '/i7/events', '/i7/interruptions']) assert.ok(spec.paths[p], p);
  });
});
