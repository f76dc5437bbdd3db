import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { MIN, schedulesGateway, T0 } from './schedules-helpers.js';

describe('concentrator activity: scheduled and on-demand collections, recorded', () => {
  let t: Awaited<ReturnType<typeof schedulesGateway>>;
  before(async () => {
    t = await schedulesGateway({
      provisioning: { collections: { 'DC-1': [{ kind: 'load-profile', cron: '*/30 * * * *' }, { kind: 'events', cron: '0 3 * * *' }] } },
      // Noise 15 dB above the default: S/N about 4 dB, far below the 15 dB data threshold.
      hes: { simulator: { concentrators: { 'DC-BAD': { noiseLevelDbm: -5 } }, statusWordProbability: 1 } },
    });
  });
  after(() => t.close());
  const admin = () => request(t.gw.app);

  it('lists each concentrator with its schedule (cron in the configured zone) and no run yet', async () => {
    const res = await admin().get('/admin/concentrators').expect(200);
    const dc1 = (res.body as { id: string }[]).find((c) => c.id === 'DC-1') as Record<string, unknown>;
    assert.deepEqual([dc1.meters, dc1.lastRun], [2, undefined]);
    assert.deepEqual(dc1.collections, [
      { kind: 'load-profile', cron: '*/30 * * * *', timeZone: 'America/Santiago', nextRunAt: new Date(T0 + 30 * MIN).toISOString() },
      { kind: 'events', cron: '0 3 * * *', timeZone: 'America/Santiago', nextRunAt: '2026-11-21T06:00:00.000Z' },
    ]);
  });

  it('runs a collection when its cron is due on the gateway clock, and records it', async () => {
    assert.deepEqual(await t.gw.schedules.tick(), [], 'the first pass only plans');
    t.clock.advance(31 * MIN);
    const runs = await t.gw.schedules.tick();
    assert.deepEqual(runs.map((r) => [r.target, r.kind, r.trigger, r.outcome, r.meters, r.readings]), [['DC-1', 'load-profile', 'scheduled', 'ok', 2, 4]]);
    assert.equal((await t.readingsOf(['M-C1', 'M-C2'])).length, 4);
    assert.deepEqual(await t.gw.schedules.tick(), [], 'not again until the next occurrence');
  });

  it('collects on demand through the admin endpoint and answers the run', async () => {
    t.clock.advance(15 * MIN);
    const res = await admin().post('/admin/concentrators/DC-1/collect').send({ kind: 'events' }).expect(200);
    assert.deepEqual([res.body.target, res.body.kind, res.body.trigger, res.body.outcome, res.body.meters, res.body.events], ['DC-1', 'events', 'on-demand', 'ok', 2, 2]);
    assert.equal(res.body.finishedAt, t.clock.now().getTime());
    const listed = (await admin().get('/admin/concentrators').expect(200)).body as { id: string; lastRun?: { id: number } }[];
    assert.equal(listed.find((c) => c.id === 'DC-1')?.lastRun?.id, res.body.id);
  });

  it('a concentrator whose link S/N is below the threshold records a failed run with the reason', async () => {
    t.clock.advance(15 * MIN);
    const res = await admin().post('/admin/concentrators/DC-BAD/collect').expect(200);
    assert.deepEqual([res.body.outcome, res.body.readings], ['failed', 0]);
    assert.match(res.body.error, /1 of 1 meters not reached: PLC link of concentrator DC-BAD: S\/N -?\d+\.\d dB below the 15 dB data threshold/);
    assert.equal((await t.readingsOf(['M-B1'])).length, 0);
    const [last] = await t.gw.schedules.store.runs('DC-BAD', undefined, 1);
    assert.equal(last?.outcome, 'failed');
  });

  it('an unknown concentrator is 404, a bad kind 400; an unavailable head-end is a failed run', async () => {
    await admin().post('/admin/concentrators/DC-404/collect').expect(404);
    await admin().post('/admin/concentrators/DC-1/collect').send({ kind: 'everything' }).expect(400);
    t.sim.setAvailable(false);
    const res = await admin().post('/admin/concentrators/DC-1/collect').expect(200);
    t.sim.setAvailable(true);
    assert.deepEqual([res.body.outcome, res.body.error], ['failed', 'head-end unavailable']);
  });
});

describe('/admin/concentrators is behind the admin gate', () => {
  it('credentials the gateway cannot verify are refused before the router runs', async () => {
    const t = await schedulesGateway();
    try {
      await request(t.gw.app).get('/admin/concentrators').set('authorization', 'Bearer not-a-token').expect(401);
      await request(t.gw.app).post('/admin/concentrators/DC-1/collect').set('authorization', 'Bearer not-a-token').expect(401);
      assert.deepEqual(await t.gw.schedules.store.runs('DC-1', undefined, 5), [], 'no collection ran');
    } finally {
      await t.close();
    }
  });
});
