import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { StoredEvent } from '../../gateway/domain/events/device-event.js';
import { eventId } from '../../gateway/domain/events/event-key.js';
import type { Clock } from '../../gateway/ports/clock.port.js';
import { registerClient } from '../../gateway/i8/register-client.js';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { client, ingest, kwh, parseCsv, provision, Q, T0, VOLT_A } from './i8-fixtures.js';

const iso = (i: number) => new Date(T0 + i * Q).toISOString();
const at = (t: string) => (Date.parse(t) - T0) / Q;
const ev = (device: string, i: number): StoredEvent => {
  const base = { device, eventType: '3.26.0.85', createdDateTime: T0 + i * Q };
  return { ...base, id: eventId(base), details: [], source: 'HES', known: true, receivedAt: T0 };
};

/**
 * A third party with a consent from D1 to D2 gets only the data stamped within [D1, D2], on every
 * way out (pages, exports, events, interruptions, reports, I7); a customer registered with a
 * supply period only that period's. The gateway clock stands inside the consent (it is in force).
 */
describe('I8 data limited to the consent period', () => {
  let gw: TestGateway;
  let esco: string, regulator: string;
  let now = T0 + 3 * Q;
  const clock: Clock = { now: () => new Date(now) };
  const get = (token: string, url: string, accept = 'application/json') => request(gw.app).get(url).set('Authorization', `Bearer ${token}`).set('Accept', accept);
  const grant = (usagePoint: string, start: number, end?: number) => request(gw.app).post('/admin/i8/consents')
    .send({ clientId: 'esco', usagePoint, start: iso(start), ...(end !== undefined ? { end: iso(end) } : {}) });

  before(async () => {
    gw = testGateway({ i8: { tokenLifetimeSeconds: 86_400 } }, { clock });
    await provision(gw);
    // Readings at 0…8 Q on M-1 (UP-1) and M-2 (UP-2); a voltage sample at each of them on M-1.
    await ingest(gw, [...[0, 1, 2, 3, 4, 5, 6, 7, 8].flatMap((i) => [kwh('M-1', i), kwh('M-2', i), { ...kwh('M-1', i, 250), readingType: VOLT_A }])]);
    await gw.i8!.deps.events.add([0, 1, 2, 4, 5, 7].map((i) => ev('M-1', i)));
    const interruptions = gw.i8!.deps.interruptions;
    for (const [start, end] of [[0, 1], [1, 2], [2, 4], [3, undefined], [4, 6], [6, 7]] as const) {
      await interruptions.save({ meter: 'M-1', usagePoint: 'UP-1', track: 'power', kind: 'supply', start: T0 + start * Q, ...(end !== undefined ? { end: T0 + end * Q } : {}) });
    }
    esco = await client(gw, 'esco', { kind: 'third-party' }, ['readings:read', 'events:read', 'interruptions:read', 'reports:read', 'export:read']);
    regulator = await client(gw, 'sec', { kind: 'regulator' }, ['readings:read']);
    // UP-1: consent from 2 Q to 4 Q (in force now, at 3 Q). UP-2: from 6 Q on, and from 1 Q to 2 Q.
    assert.equal((await grant('UP-1', 2, 4)).status, 201);
  });
  after(() => gw.close());

  it('readings: JSON pages, CSV, XML and the streamed export hold only [D1, D2]', async () => {
    const page = await get(esco, '/i8/readings?meter=M-1&readingType=0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0');
    assert.equal(page.status, 200);
    assert.deepEqual(page.body.items.map((r: { timestamp: string }) => at(r.timestamp)), [2, 3, 4], 'both ends included');
    const paged = await get(esco, '/i8/readings?meter=M-1&readingType=0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0&limit=2');
    const next = await get(esco, `/i8/readings?meter=M-1&readingType=0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0&limit=2&cursor=${paged.body.nextCursor}`);
    assert.deepEqual([...paged.body.items, ...next.body.items].map((r: { timestamp: string }) => at(r.timestamp)), [2, 3, 4], 'paging counts only what may be seen');
    assert.equal(next.body.nextCursor, undefined);
    const csv = parseCsv((await get(esco, '/i8/readings?readingType=0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0', 'text/csv')).text);
    assert.deepEqual(csv.map((r) => `${r.meter} ${at(r.timestamp!)}`), ['M-1 2', 'M-1 3', 'M-1 4']);
    const xml = (await get(esco, '/i8/readings?meter=M-1&readingType=0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0', 'application/xml')).text;
    assert.deepEqual([...xml.matchAll(/<(?:\w+:)?timeStamp>([^<]+)</g)].map((m) => at(m[1]!)), [2, 3, 4]);
    const exported = parseCsv((await get(esco, `/i8/exports/readings?from=${iso(-10)}&to=${iso(10)}`, 'text/csv')).text);
    assert.deepEqual(exported.map((r) => `${r.meter} ${at(r.timestamp!)}`), ['M-1 2', 'M-1 3', 'M-1 4', 'M-1 2', 'M-1 3', 'M-1 4'], 'voltage and kWh of M-1, nothing of M-2');
    assert.equal((await get(regulator, '/i8/readings?meter=M-1&readingType=0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0')).body.items.length, 9, 'the regulator is not limited');
  });

  it('events, interruptions and the voltage report: only what lies within the period', async () => {
    const events = await get(esco, '/i8/events');
    assert.deepEqual(events.body.items.map((e: { createdDateTime: string }) => at(e.createdDateTime)), [2, 4]);
    const interruptions = await get(esco, `/i8/interruptions?from=${iso(-10)}&to=${iso(10)}`);
    // [2, 4] lies inside; [3, open) started inside; [1, 2] and [4, 6] straddle an end of the period.
    assert.deepEqual(interruptions.body.items.map((i: { start: string; end?: string }) => [at(i.start), i.end && at(i.end)]), [[2, 4], [3, undefined]]);
    const voltage = await get(esco, `/i8/reports/voltage-quality?from=${iso(-10)}&to=${iso(10)}&period=all`);
    assert.deepEqual(voltage.body.rows.map((r: { meter: string; samples: number }) => [r.meter, r.samples]), [['M-1', 3]]);
    const report = await get(esco, `/i8/reports/interruptions?from=${iso(-10)}&to=${iso(10)}&period=all`);
    assert.deepEqual([report.body.customersServed, report.body.periods.map((p: { count: number }) => p.count)], [1, [2]], 'the two interruptions within the period');
  });

  it('I7: the feeds skip what lies outside the period; the watermark still passes it', async () => {
    const readings = await get(esco, '/i7/readings', 'text/csv');
    assert.deepEqual(parseCsv(readings.text).map((r) => `${r.meter} ${at(r.timestamp!)}`), ['M-1 2', 'M-1 3', 'M-1 4', 'M-1 2', 'M-1 3', 'M-1 4']);
    const sent = parseCsv(readings.text);
    const watermark = String(readings.headers['i7-watermark']);
    assert.notEqual(watermark, sent.at(-1)!.changeId, 'the watermark passes the readings after D2 it may not see');
    const again = await get(esco, `/i7/readings?since=${watermark}`, 'text/csv');
    assert.deepEqual([parseCsv(again.text), again.headers['i7-watermark']], [[], watermark]);
    assert.deepEqual(parseCsv((await get(esco, '/i7/events', 'text/csv')).text).map((r) => at(r.createdDateTime!)), [2, 4]);
    assert.deepEqual(parseCsv((await get(esco, '/i7/interruptions', 'text/csv')).text).map((r) => at(r.start!)), [2, 3]);
  });

  it('scheduled deliveries hold only the period too', async () => {
    const job = await request(gw.app).post('/i8/delivery-jobs').set('Authorization', `Bearer ${esco}`)
      .send({ cron: '* * * * *', query: { resource: 'readings', meter: ['M-1'], readingType: ['0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0'], lookbackMinutes: 600 }, target: { kind: 'file' } });
    assert.equal(job.status, 201, job.text);
    now = T0 + 3 * Q + 90_000; // the job's first minute has passed; the consent (to 4 Q) is still in force
    try {
      await gw.i8!.deliveryTick();
    } finally {
      now = T0 + 3 * Q;
    }
    const run = (await request(gw.app).get(`/i8/delivery-jobs/${job.body.id}`).set('Authorization', `Bearer ${esco}`)).body.runs[0];
    assert.equal(run.state, 'delivered', run.lastError);
    const rows = parseCsv(readFileSync(path.join(gw.dataDir, 'i8-exports', run.location), 'utf8'));
    assert.deepEqual(rows.map((r) => at(r.timestamp!)), [2, 3], 'the lookback reaches back to 0 Q; the consent from 2 Q');
  });

  it('several consents in force for one usage point grant the union of their periods; one not yet started grants nothing', async () => {
    assert.equal((await grant('UP-2', 5)).status, 201);
    assert.equal((await get(esco, '/i8/readings?meter=M-2')).status, 403, 'from 5 Q: not in force at 3 Q');
    assert.equal((await grant('UP-2', 1, 3.5)).status, 201);
    assert.equal((await grant('UP-2', 2, 7)).status, 201);
    const m2 = await get(esco, '/i8/readings?meter=M-2');
    assert.deepEqual(m2.body.items.map((r: { timestamp: string }) => at(r.timestamp)), [1, 2, 3, 4, 5, 6, 7]);
  });

  it('a revocation still stops everything on the next request', async () => {
    const { items } = (await request(gw.app).get('/admin/i8/consents?clientId=esco&usagePoint=UP-1')).body as { items: { id: string }[] };
    await request(gw.app).post(`/admin/i8/consents/${items[0]!.id}/revoke`);
    assert.equal((await get(esco, '/i8/readings?meter=M-1')).status, 403);
    assert.deepEqual(parseCsv((await get(esco, '/i7/readings', 'text/csv')).text).map((r) => `${r.meter} ${at(r.timestamp!)}`), [1, 2, 3, 4, 5, 6, 7].map((i) => `M-2 ${i}`));
  });

  it('a customer registered with a supply period sees its supply from then on only', async () => {
    const mover = await client(gw, 'mover', { kind: 'customer', usagePoint: 'UP-2', start: iso(5) }, ['readings:read']);
    assert.deepEqual((await get(mover, '/i8/readings')).body.items.map((r: { timestamp: string }) => at(r.timestamp)), [5, 6, 7, 8]);
    const bounded = await client(gw, 'former', { kind: 'customer', usagePoint: 'UP-2', start: iso(1), end: iso(2) }, ['readings:read']);
    assert.deepEqual((await get(bounded, '/i8/readings')).body.items.map((r: { timestamp: string }) => at(r.timestamp)), [1, 2]);
    await assert.rejects(registerClient(gw.i8!.deps.clients, { id: 'bad', scopes: [], dataScope: { kind: 'customer', usagePoint: 'UP-2', start: '2026-03-01T00:00:00' } }, new Date()), /offset/);
    await assert.rejects(registerClient(gw.i8!.deps.clients, { id: 'bad', scopes: [], dataScope: { kind: 'customer', usagePoint: 'UP-2', start: iso(2), end: iso(1) } }, new Date()), /after start/);
  });
});
