import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { replyOf } from '../helpers/messages.js';
import { commandsGateway, edcRequest, meters } from './commands-helpers.js';

const DAY = 24 * 3_600_000;

describe('meter time synchronisation (seed sequence 4)', () => {
  let t: Awaited<ReturnType<typeof commandsGateway>>;
  before(async () => {
    t = await commandsGateway({ commands: { timeSync: { driftThresholdSeconds: 5 } } });
    await t.network.upsertMeters([...meters(['T-1', 'T-2', 'T-3']), ...meters(['T-OLD'], { status: 'removed' })]);
    for (const m of ['T-1', 'T-2', 'T-3']) await t.sim.provision({ mRID: m, commPath: 'point-to-point' });
  });
  after(() => t.close());

  const driftEvents = async (meter: string) => (await t.gw.events.facade.find({ devices: [{ ref: { mRID: meter }, xpath: '' }], groups: [], usagePoints: [], eventTypes: ['3.36.0.79'], windows: [] })).events;

  it('on request: the corrected offset is kept on the command; drift beyond the threshold raises 3.36.0.79', async () => {
    t.clock.advance(60 * DAY);
    const expected = t.sim.meter('T-1')!;
    const drift = (expected.driftPpm / 1e6) * (60 * DAY / 1000);
    assert.ok(Math.abs(drift) > 5, `seeded drift ${drift} s is beyond the 5 s threshold`);
    await t.post(edcRequest({ messageId: 'ts-1', replyAddress: t.peer.url }, [{ mRID: 'ctl-ts', type: '3.36.116.13', devices: ['T-1'] }]));
    await t.drainUntil(() => t.peer.received.length > 0);
    assert.equal(replyOf(t.peer.received.at(-1)!.body).result, 'OK');
    const cmd = (await t.gw.commands.queue.request('MDM', 'ts-1'))!.commands[0]!;
    assert.ok(Math.abs(cmd.values!.clockOffsetSeconds! - drift) < 0.01, `${cmd.values!.clockOffsetSeconds} vs ${drift}`);
    assert.equal(cmd.confirmedBy, '3.36.116.24');
    const events = await driftEvents('T-1');
    assert.equal(events.length, 1);
    assert.equal(events[0]!.details.find((d) => d.name === 'clockOffsetSeconds')?.value, String(cmd.values!.clockOffsetSeconds));
  });

  it('on schedule: every in-service meter gets one sync per run; a second run in the same minute adds nothing', async () => {
    assert.equal(await t.gw.commands.timeSync.runOnce(), 3);
    assert.equal(await t.gw.commands.timeSync.runOnce(), 0);
    const run = `timesync-${t.clock.now().toISOString().slice(0, 16)}`;
    await t.drainUntil(async () => (await t.gw.commands.queue.request('CIM-GATEWAY', run))!.commands.every((c) => c.state === 'succeeded'));
    const synced = (await t.gw.commands.queue.request('CIM-GATEWAY', run))!.commands;
    assert.deepEqual(synced.map((c) => [c.meter, c.state]), [['T-1', 'succeeded'], ['T-2', 'succeeded'], ['T-3', 'succeeded']]);
    assert.equal(Math.abs(synced[0]!.values!.clockOffsetSeconds!) < 5, true, 'T-1 was synced just before: within tolerance');
    assert.equal((await driftEvents('T-1')).length, 1, 'no new drift event for T-1');
    assert.equal((await driftEvents('T-2')).length, 1, 'T-2 drifted for 60 days');
  });
});
