import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ExecutionLog } from '../../gateway/adapters/hes-simulator/execution-log.js';
import { replyOf, sample } from '../helpers/messages.js';
import { commandsGateway, edcRequest, meters } from './commands-helpers.js';

const idsOf = (xml: string) => [...xml.matchAll(/<m:ID kind="commandId" objectType="EndDeviceControl">([^<]+)<\/m:ID>/g)].map((m) => m[1]!);

describe('create EndDeviceControls, async: 0.3 now, the per-device outcome at ReplyAddress', () => {
  let t: Awaited<ReturnType<typeof commandsGateway>>;
  before(async () => {
    t = await commandsGateway();
    await t.network.upsertConcentrators([{ id: 'DC-OK' }, { id: 'DC-NOISY' }]);
    await t.network.upsertMeters([
      ...meters(['MTR-000101', 'MTR-000102', 'MTR-000103']),
      ...meters(['MTR-PLC-1'], { commPath: 'concentrator', concentratorId: 'DC-OK' }),
      ...meters(['MTR-PLC-BAD'], { commPath: 'concentrator', concentratorId: 'DC-NOISY' }),
    ]);
    // The noisy concentrator's S/N sits far below the 15 dB data threshold.
    t.sim.configureConcentrator('DC-NOISY', { noiseLevelDbm: -2 });
  });
  after(() => t.close());

  it('runs the shared sample: waits for its window, disconnects once, replies OK with the command id, correlates the confirmation', async () => {
    const xml = sample('create-end-device-controls.async.request.xml').replace('https://mdm.example.internal/cim/replies', t.peer.url);
    const ack = await t.post(xml);
    assert.equal(ack.status, 202);
    assert.deepEqual(replyOf(ack.text).codes, ['0.3']);
    // 12:00Z is 09:00-03:00: the window opens at 10:00-03:00.
    await t.drainUntil(() => false, 0, 3);
    const waiting = (await t.gw.commands.queue.request('MDM', 'a4d1f1c2-8d0e-4e57-9a0c-3c2b1e7f6d22'))!.commands;
    assert.deepEqual(waiting.map((c) => [c.meter, c.state]), [['MTR-000101', 'accepted']], 'not before the window start');
    assert.equal(t.peer.received.length, 0);
    t.clock.set(Date.parse('2026-11-20T13:00:00Z'));
    await t.drainUntil(() => t.peer.received.length > 0);
    assert.equal(t.sim.meter('MTR-000101')!.relay, 'disconnected');
    const final = replyOf(t.peer.received[0]!.body);
    assert.deepEqual([final.result, final.codes, final.correlationId], ['OK', ['0.0'], 'a4d1f1c2-8d0e-4e57-9a0c-3c2b1e7f6d22']);
    const [commandId] = idsOf(t.peer.received[0]!.body);
    assert.match(t.peer.received[0]!.body, new RegExp(`<c?\\w*:?mRID>${commandId}</`));
    const cmd = (await t.gw.commands.queue.get(commandId!))!;
    assert.deepEqual([cmd.state, cmd.confirmedBy], ['succeeded', '3.31.0.68']);
    assert.deepEqual(ExecutionLog.readLines(`${t.gw.dataDir}/hes-simulator`).filter((e) => e.commandId === commandId).length, 1);
    const found = await t.gw.events.facade.find({ devices: [{ ref: { mRID: 'MTR-000101' }, xpath: '' }], groups: [], usagePoints: [], eventTypes: ['3.31.0.68'], windows: [] });
    assert.equal(found.events.length, 1, 'the head-end\'s confirmation went to the event store too');
  });

  it('reports per device: PARTIAL with 2.4 for the unknown meter and 4.1 for the one the head-end never reached', async () => {
    const before = t.peer.received.length;
    const res = await t.post(edcRequest({ messageId: 'grp-1', replyAddress: t.peer.url }, [
      { mRID: 'ctl-grp-1', type: '3.31.0.23', devices: ['MTR-000102', 'MTR-NOPE', 'MTR-PLC-BAD', 'MTR-PLC-1'] },
    ]));
    assert.deepEqual(replyOf(res.text).codes, ['0.3']);
    // Backoff is 1–4 s: move the clock 5 s per pass until the retries of MTR-PLC-BAD are spent.
    await t.drainUntil(() => t.peer.received.length > before, 5000);
    const body = t.peer.received.at(-1)!.body;
    const final = replyOf(body);
    assert.equal(final.result, 'PARTIAL');
    assert.deepEqual(final.codes.sort(), ['2.4', '4.1']);
    assert.ok(final.details.some((d) => /EndDevice MTR-NOPE: no such meter/.test(d)));
    assert.ok(final.details.some((d) => /EndDevice MTR-PLC-BAD: disconnect dead \(head-end did not execute it after 3 attempts; last: PLC link of concentrator DC-NOISY: S\/N -?\d+\.\d dB below the 15 dB data threshold/.test(d)), final.details.join(' | '));
    assert.equal(idsOf(body).length, 3, 'one ID per command (the unknown meter has none)');
    assert.equal(t.sim.meter('MTR-PLC-1')!.relay, 'disconnected');
    assert.equal(t.sim.meter('MTR-PLC-BAD')!.relay, 'connected');
  });

  it('a repeat of the request key (same Source, MessageID) creates nothing more and sends no second reply', async () => {
    const xml = edcRequest({ messageId: 'rep-1', replyAddress: t.peer.url }, [{ mRID: 'ctl-rep', type: '3.31.0.18', devices: ['MTR-000103'] }]);
    const first = replyOf((await t.post(xml)).text);
    const second = replyOf((await t.post(xml)).text);
    assert.equal(second.messageId, first.messageId);
    const before = t.peer.received.length;
    await t.drainUntil(() => false, 0, 5);
    assert.equal(t.peer.received.length, before + 1);
    assert.equal((await t.gw.commands.queue.request('MDM', 'rep-1'))!.commands.length, 1);
  });

  it('a window that ends before the command could go out expires it: FAILED with 6.1', async () => {
    const before = t.peer.received.length;
    await t.post(edcRequest({ messageId: 'exp-1', replyAddress: t.peer.url }, [
      { mRID: 'ctl-exp', type: '3.31.0.23', devices: ['MTR-000103'], window: { start: '2026-11-20T11:00:00Z', end: '2026-11-20T11:30:00Z', as: 'scheduledInterval' } },
    ]));
    await t.drainUntil(() => t.peer.received.length > before);
    const final = replyOf(t.peer.received.at(-1)!.body);
    assert.deepEqual([final.result, final.codes], ['FAILED', ['6.1']]);
    assert.match(final.details[0]!, /MTR-000103: disconnect expired \(execution window ended at 2026-11-20T11:30:00Z/);
  });

  it('cancel before sending: the cancel is OK and the create is answered FAILED with 6.5', async () => {
    const before = t.peer.received.length;
    await t.post(edcRequest({ messageId: 'can-1', replyAddress: t.peer.url }, [
      { mRID: 'ctl-can', type: '3.31.0.23', devices: ['MTR-000102', 'MTR-000103'], window: { start: '2026-11-21T00:00:00Z' } },
    ]));
    await t.drainUntil(() => false, 0, 2);
    const cancel = await t.post(edcRequest({ verb: 'cancel', messageId: 'can-2' }, [{ mRID: 'ctl-can', type: '3.31.0.23' }]));
    const c = replyOf(cancel.text);
    assert.deepEqual([c.result, c.codes], ['OK', ['0.0']]);
    assert.equal(idsOf(cancel.text).length, 2);
    await t.drainUntil(() => t.peer.received.length > before);
    const final = replyOf(t.peer.received.at(-1)!.body);
    assert.deepEqual([final.result, final.codes, final.correlationId], ['FAILED', ['6.5', '6.5'], 'can-1']);

    const again = replyOf((await t.post(edcRequest({ verb: 'cancel', messageId: 'can-3' }, [{ mRID: 'ctl-grp-1', type: '3.31.0.23' }, { mRID: 'ctl-none', type: '3.31.0.23' }]))).text);
    assert.equal(again.result, 'FAILED');
    assert.ok(again.codes.includes('5.2') && again.codes.includes('2.15'), again.codes.join());
  });
});

describe('a meter removed by provisioning', () => {
  let t: Awaited<ReturnType<typeof commandsGateway>>;
  before(async () => {
    t = await commandsGateway();
    await t.network.upsertMeters(meters(['RM-1', 'RM-2']));
  });
  after(() => t.close());

  it('loses its commands not yet sent (6.1 in the final answer); the others go on', async () => {
    await t.post(edcRequest({ messageId: 'rm-1', replyAddress: t.peer.url }, [{ mRID: 'ctl-rm', type: '3.31.0.23', devices: ['RM-1', 'RM-2'], window: { start: '2026-11-20T12:30:00Z' } }]));
    await t.drainUntil(() => false, 0, 2);
    assert.ok(t.gw.deps.removalListeners.includes(t.gw.commands.removalListener), 'wired for provisioning');
    await t.gw.commands.removalListener.metersRemoved(['RM-1'], t.clock.now());
    t.clock.set(Date.parse('2026-11-20T12:30:00Z'));
    await t.drainUntil(() => t.peer.received.length > 0);
    const final = replyOf(t.peer.received.at(-1)!.body);
    assert.deepEqual([final.result, final.codes], ['PARTIAL', ['6.1']]);
    assert.match(final.details[0]!, /EndDevice RM-1: disconnect canceled \(meter removed from the network/);
  });
});
