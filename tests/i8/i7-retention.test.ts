import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { Clock } from '../../gateway/ports/clock.port.js';
import { registerClient } from '../../gateway/i8/register-client.js';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { ingest, kwh, parseCsv, provision, specValidator, T0 } from './i8-fixtures.js';

const DAY = 86_400_000;
const validate = specValidator();

/**
 * Retention of the I7 change journals: entries older than i7.journal.retentionDays go once every
 * export client still in use has passed them; asking from before what is left is a 410 naming the
 * horizon, never a silently incomplete answer.
 */
describe('I7 change journal retention', () => {
  let gw: TestGateway;
  let now = T0;
  const clock: Clock = { now: () => new Date(now) };
  const token = async (id: string) => (await gw.i8!.issuer.issue(id, ['export:read'], clock.now())).token;
  const get = async (id: string, url: string) => request(gw.app).get(url).set('Authorization', `Bearer ${await token(id)}`).set('Accept', 'text/csv');
  const exported = async (id: string, resource: string, since?: string, limit?: number) => {
    const q = new URLSearchParams({ ...(since !== undefined ? { since } : {}), ...(limit ? { limit: String(limit) } : {}) });
    const r = await get(id, `/i7/${resource}?${q}`);
    assert.equal(r.status, 200, r.text);
    return { rows: parseCsv(r.text), watermark: String(r.headers['i7-watermark']) };
  };
  /** Journal entries left, read through the store (an I7 request would itself hold a watermark). */
  const everything = async () => {
    const { end } = await gw.deps.readings.changeBound({ seq: 0, index: 0 }, 1_000_000);
    return end ? (await gw.deps.readings.readChanges({ seq: 0, index: 0 }, end, 1_000_000)).length : 0;
  };

  before(async () => {
    gw = testGateway({ i7: { journal: { retentionDays: 30 } } }, { clock });
    await provision(gw);
    for (const id of ['dwh', 'bi', 'late', 'auditor']) await registerClient(gw.i8!.deps.clients, { id, scopes: ['export:read'], dataScope: { kind: 'regulator' } }, clock.now());
  });
  after(() => gw.close());

  it('keeps what an export client in use has not passed, prunes the rest once old, answers 410 from before the horizon', async () => {
    await ingest(gw, [kwh('M-1', 1), kwh('M-1', 2)], 'day-0-a');
    await ingest(gw, [kwh('M-2', 1)], 'day-0-b');
    assert.equal(await everything(), 3);
    // dwh follows the feed and has stored all of it; bi has only started (its position: the beginning).
    const first = await exported('dwh', 'readings');
    assert.deepEqual((await exported('dwh', 'readings', first.watermark)).rows, []);
    await exported('bi', 'readings', undefined, 1);

    now = T0 + 10 * DAY;
    await ingest(gw, [kwh('M-3', 1)], 'day-10');
    now = T0 + 40 * DAY;
    await gw.drain();
    assert.equal(await everything(), 4, 'bi still needs everything: nothing goes');

    await gw.i8!.deps.clients.setDisabled('bi', true);
    assert.equal(await gw.i8!.journalTick(), 1);
    assert.equal(await everything(), 2);
    // Below dwh's watermark and older than 30 days: the day-0 entry of M-1. M-2's entry holds dwh's
    // own position (kept), M-3's is younger than 30 days.
    const horizon = await gw.deps.readings.changeHorizon();
    assert.ok(horizon > 0);
    const late = await get('late', '/i7/readings');
    assert.equal(late.status, 410, 'from the beginning is no longer complete');
    assert.equal(late.type, 'application/problem+json');
    assert.deepEqual(validate('Problem', JSON.parse(late.text)), []);
    const restart = JSON.parse(late.text).horizon as string;
    assert.match(restart, /^r\d+\.999999999$/);
    assert.deepEqual((await exported('late', 'readings', restart)).rows.map((r) => r.meter), ['M-2', 'M-3'], 'from the horizon on: complete');
    assert.deepEqual((await exported('dwh', 'readings', first.watermark)).rows.map((r) => r.meter), ['M-3'], 'dwh carries on without a gap');

    await gw.i8!.deps.clients.setDisabled('bi', false);
    const bi = await get('bi', '/i7/readings?since=r1.0');
    assert.equal(bi.status, 410, 'a watermark below the horizon is refused, not answered with a gap');
    assert.equal(JSON.parse(bi.text).horizon, restart);
  });

  it('prunes the interruption journal the same way; events are never pruned', async () => {
    const interruptions = gw.i8!.deps.interruptions;
    now = T0 + 50 * DAY;
    const id = await interruptions.save({ meter: 'M-1', usagePoint: 'UP-1', track: 'power', kind: 'supply', start: now });
    await interruptions.save({ id, meter: 'M-1', usagePoint: 'UP-1', track: 'power', kind: 'supply', start: now, end: now + 60_000 });
    const all = await exported('dwh', 'interruptions');
    assert.equal(all.rows.length, 2, 'opened, then closed');
    for (const c of ['dwh', 'late', 'bi']) await exported(c, 'interruptions', all.watermark);
    now = T0 + 90 * DAY;
    await gw.i8!.journalTick();
    assert.equal((await get('auditor', '/i7/interruptions')).status, 410, 'the opening is gone');
    assert.deepEqual((await exported('dwh', 'interruptions', all.watermark)).rows, []);
    assert.equal((await get('auditor', '/i7/events')).status, 200);
  });

  it('keeps every entry with a retention of 0', async () => {
    let t = T0;
    const keep = testGateway({ i7: { journal: { retentionDays: 0 } } }, { clock: { now: () => new Date(t) } });
    try {
      await provision(keep);
      await ingest(keep, [kwh('M-1', 1)]);
      t = T0 + 10_000 * DAY;
      await keep.drain();
      assert.equal(await keep.deps.readings.changeHorizon(), 0);
    } finally {
      await keep.close();
    }
  });
});
