import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import request from 'supertest';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { manualClock, off, on, provision, pushEvents, T0, type Ev } from './events-fixtures.js';

const S = 1000;
const meters = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `MTR-${from + i}`);

interface Note { type: string; mRID: string; device: string; meters: string[]; details: Record<string, string> }

describe('outage detection (event times + gateway clock)', () => {
  let gw: TestGateway;
  let clock: ReturnType<typeof manualClock>;
  afterEach(() => gw.close());

  async function start() {
    clock = manualClock(T0);
    gw = testGateway({}, { clock });
    await provision(gw);
  }
  /** The gateway's outage notifications, in the order they were made. */
  const notes = (): Note[] => (gw.db.prepare(`SELECT * FROM device_events WHERE source = 'gateway' ORDER BY seq`).all() as { event_type: string; mrid: string; device: string; body: string }[])
    .map((r) => {
      const details = (JSON.parse(r.body) as { details: { name: string; value: string }[] }).details;
      return { type: r.event_type, mRID: r.mrid, device: r.device, meters: details.filter((d) => d.name === 'meter').map((d) => d.value), details: Object.fromEntries(details.map((d) => [d.name, d.value])) };
    });
  const at = async (ms: number, events: Ev[] = []) => {
    clock.set(ms);
    if (events.length) await pushEvents(gw, events);
    await gw.drain();
  };
  const report = async () => (await request(gw.app).get('/admin/interruptions').query({ from: new Date(T0 - 3600_000).toISOString(), to: new Date(T0 + 3600_000).toISOString() })).body;

  it('records a 15 s cut of five meters as momentary and notifies nothing', async () => {
    await start();
    await at(T0 + 2 * S, meters(5).map((m, i) => off(m, T0 + i * 200)));
    await at(T0 + 20 * S, meters(5).map((m) => on(m, T0 + 15 * S)));
    await at(T0 + 120 * S);
    assert.deepEqual(notes(), []);
    const r = await report();
    assert.deepEqual([r.totals.momentary, r.totals.sustained], [5, 0]);
    assert.equal(r.outages[0].state, 'momentary');
  });

  it('reports a 45 s cut of ten meters of one transformer as ONE outage, then its restoration', async () => {
    await start();
    await at(T0 + 5 * S, meters(10).map((m, i) => off(m, T0 + i * 300)));
    assert.deepEqual(notes(), [], 'nothing before the threshold passes on the gateway clock');
    await at(T0 + 31 * S);
    await at(T0 + 40 * S);
    const started = notes();
    assert.equal(started.length, 1);
    assert.equal(started[0]!.type, '0.26.0.85');
    assert.equal(started[0]!.device, 'TR-1');
    assert.deepEqual(started[0]!.meters, meters(10).sort());
    await at(T0 + 50 * S, meters(10).map((m) => on(m, T0 + 45 * S)));
    const all = notes();
    assert.deepEqual(all.map((n) => n.type), ['0.26.0.85', '0.26.0.216']);
    assert.equal(all[1]!.details.durationSeconds, '45');
    const r = await report();
    assert.deepEqual([r.totals.sustained, r.totals.momentary, r.totals.metersAffected], [10, 0, 10]);
    assert.ok(r.interruptions.every((i: { durationSeconds: number; usagePoint: string }) => i.durationSeconds > 30 && i.usagePoint.startsWith('UP-')));
  });

  it('learns a whole 45 s cut at once (HES sends late): notified and restored in one pass', async () => {
    await start();
    await at(T0 + 300 * S, [...meters(3).map((m) => off(m, T0)), ...meters(3).map((m) => on(m, T0 + 45 * S))]);
    assert.deepEqual(notes().map((n) => [n.type, n.meters.length]), [['0.26.0.85', 3], ['0.26.0.216', 3]]);
  });

  it('notifies an off with no restore yet once, when the gateway clock passes the threshold', async () => {
    await start();
    await at(T0 + 1 * S, [off('MTR-11', T0)]);
    await at(T0 + 30 * S);
    assert.deepEqual(notes(), []);
    await at(T0 + 31 * S);
    await at(T0 + 600 * S);
    assert.deepEqual(notes().map((n) => [n.type, n.device]), [['0.26.0.85', 'MTR-11']]);
    assert.equal((await report()).totals.open, 1);
  });

  it('pairs a restore that arrives before its off (out of order), for 45 s and for 15 s', async () => {
    await start();
    await at(T0 + 50 * S, [on('MTR-1', T0 + 45 * S), on('MTR-2', T0 + 15 * S)]);
    assert.deepEqual(notes(), [], 'a restore alone proves no outage');
    await at(T0 + 60 * S, [off('MTR-1', T0), off('MTR-2', T0)]);
    const n = notes();
    assert.deepEqual(n.map((x) => [x.type, x.meters]), [['0.26.0.85', ['MTR-1']], ['0.26.0.216', ['MTR-1']]]);
    const r = await report();
    assert.deepEqual([r.totals.sustained, r.totals.momentary], [1, 1]);
  });

  it('ignores duplicated offs and restores (resends, and the same edge with another mRID)', async () => {
    await start();
    const cut = [off('MTR-3', T0, 'o-1'), off('MTR-4', T0, 'o-2')];
    await at(T0 + 2 * S, cut);
    await at(T0 + 3 * S, cut);
    await at(T0 + 4 * S, [off('MTR-3', T0, 'o-1-bis'), off('MTR-3', T0 + 2 * S, 'o-1-again')]);
    await at(T0 + 35 * S);
    const back = [on('MTR-3', T0 + 45 * S, 'r-1'), on('MTR-4', T0 + 45 * S, 'r-2')];
    await at(T0 + 46 * S, back);
    await at(T0 + 47 * S, back);
    await at(T0 + 48 * S, [on('MTR-4', T0 + 45 * S, 'r-2-bis')]);
    assert.deepEqual(notes().map((n) => [n.type, n.meters]), [['0.26.0.85', ['MTR-3', 'MTR-4']], ['0.26.0.216', ['MTR-3', 'MTR-4']]]);
    assert.equal((await report()).interruptions.length, 2);
  });

  it('keeps a restore without any off as unknown-start, unless the meter reports how long it was off', async () => {
    await start();
    await at(T0 + 100 * S, [on('MTR-5', T0 + 90 * S)]);
    assert.deepEqual(notes(), []);
    await at(T0 + 101 * S, [{ ...on('MTR-6', T0 + 90 * S), details: [['outageDurationSeconds', '47']] }]);
    assert.deepEqual(notes().map((n) => [n.type, n.meters]), [['0.26.0.85', ['MTR-6']], ['0.26.0.216', ['MTR-6']]]);
    assert.deepEqual((await report()).totals.unknownStart, 1);
  });

  it('marks a remote disconnection as customer-requested: not notified, not a supply interruption', async () => {
    await start();
    await at(T0 + 1 * S, [{ meter: 'MTR-7', code: '3.31.0.68', at: T0, reason: 'non-payment' }]);
    await at(T0 + 2 * S, [off('MTR-7', T0 + 1 * S)]);
    await at(T0 + 900 * S, [on('MTR-7', T0 + 800 * S), { meter: 'MTR-7', code: '3.31.0.42', at: T0 + 800 * S }]);
    assert.deepEqual(notes(), []);
    const r = await report();
    assert.deepEqual([r.totals.sustained, r.totals.customerRequested], [0, 2]);
    assert.ok(r.interruptions.some((i: { cause?: string }) => i.cause === 'non-payment'));
  });

  it('starts a new outage for offs of the same transformer beyond the grouping window', async () => {
    await start();
    await at(T0 + 1 * S, [off('MTR-1', T0)]);
    await at(T0 + 32 * S);
    await at(T0 + 200 * S, [on('MTR-1', T0 + 100 * S), off('MTR-2', T0 + 190 * S)]);
    await at(T0 + 230 * S);
    assert.deepEqual(notes().map((n) => [n.type, n.meters]), [['0.26.0.85', ['MTR-1']], ['0.26.0.216', ['MTR-1']], ['0.26.0.85', ['MTR-2']]]);
  });

  it('rejects a report without a valid period (problem+json)', async () => {
    await start();
    const res = await request(gw.app).get('/admin/interruptions').query({ from: 'yesterday' });
    assert.equal(res.status, 400);
    assert.match(res.headers['content-type']!, /problem\+json/);
  });
});
