import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { replyOf } from '../helpers/messages.js';
import { commandsGateway, edcRequest, meters } from './commands-helpers.js';

describe('create EndDeviceControls, sync: answered once accepted, executed by the dispatcher', () => {
  let t: Awaited<ReturnType<typeof commandsGateway>>;
  before(async () => {
    t = await commandsGateway();
    await t.network.upsertConcentrators([{ id: 'DC-7' }]);
    await t.network.upsertMeters([...meters(['M-1', 'M-2', 'M-3', 'M-4']), ...meters(['M-G1', 'M-G2'], { commPath: 'concentrator', concentratorId: 'DC-7' })]);
  });
  after(() => t.close());

  it('answers 0.3 with one command per device in the payload, PARTIAL with 2.4 for an unknown name', async () => {
    const res = await t.post(edcRequest({ messageId: 's-1' }, [{ mRID: 'ctl-s1', type: '3.31.0.23', devices: ['M-1'], names: ['SN-M-2', 'SN-NOPE'] }]));
    assert.equal(res.status, 200);
    const r = replyOf(res.text);
    assert.deepEqual([r.result, r.codes], ['PARTIAL', ['0.3', '2.4']]);
    assert.match(r.details[1]!, /EndDevice SN-NOPE: no such meter/);
    assert.equal(r.xpaths[0], '/RequestMessage/Payload/EndDeviceControls/EndDeviceControl/EndDevices[3]');
    assert.equal((res.text.match(/<(\w+:)?EndDeviceControl>/g) ?? []).length, 2);
    assert.match(res.text, /<reason>accepted<\/reason>/);
    await t.drainUntil(async () => (await t.gw.commands.queue.counts()).succeeded === 2);
    assert.deepEqual([t.sim.meter('M-1')!.relay, t.sim.meter('M-2')!.relay], ['disconnected', 'disconnected']);
  });

  it('an EndDeviceGroup (a concentrator) becomes one command per member', async () => {
    const res = await t.post(edcRequest({ messageId: 's-2' }, [{ mRID: 'ctl-s2', type: '3.31.0.5', groups: ['DC-7'] }]));
    assert.deepEqual(replyOf(res.text).codes, ['0.3']);
    const { commands } = (await t.gw.commands.queue.request('MDM', 's-2'))!;
    assert.deepEqual(commands.map((c) => [c.meter, c.kind]), [['M-G1', 'arm'], ['M-G2', 'arm']]);
  });

  it('without MessageID, a resend of the same control (by mRID) adds no command', async () => {
    const xml = edcRequest({}, [{ mRID: 'ctl-nomsg', type: '3.31.0.18', devices: ['M-3'] }]);
    const a = replyOf((await t.post(xml)).text);
    const b = replyOf((await t.post(xml)).text);
    assert.notEqual(a.correlationId, b.correlationId, 'each arrival gets its own assigned MessageID');
    assert.equal((await t.gw.commands.queue.byControl('MDM', 'ctl-nomsg')).length, 1);
  });

  it('a load-limit control carries its value and unit to the head-end; without loadLimit it is 1.7', async () => {
    await t.post(edcRequest({ messageId: 's-4' }, [{ mRID: 'ctl-ll', type: '3.15.0.13', devices: ['M-4'], loadLimit: { value: 2.5, unit: 'kW' } }]));
    await t.drainUntil(async () => (await t.gw.commands.queue.request('MDM', 's-4'))!.commands[0]!.state === 'succeeded');
    assert.equal(t.sim.meter('M-4')!.loadLimitW, 2500);
    const bad = replyOf((await t.post(edcRequest({ messageId: 's-5' }, [{ mRID: 'ctl-ll2', type: '3.15.0.13', devices: ['M-4'] }]))).text);
    assert.deepEqual([bad.result, bad.codes, bad.xpaths], ['FAILED', ['1.7'], ['/RequestMessage/Payload/EndDeviceControls/EndDeviceControl/EndDeviceAction']]);
  });

  it('an EndDeviceControlType missing from the mapping table is refused with 5.2 naming it', async () => {
    const r = replyOf((await t.post(edcRequest({ messageId: 's-6' }, [{ type: '3.99.0.1', devices: ['M-1'] }]))).text);
    assert.deepEqual([r.result, r.codes], ['FAILED', ['5.2']]);
    assert.match(r.details[0]!, /EndDeviceControlType 3\.99\.0\.1 is not in mappings\/end-device-control-types\.json/);
  });

  it('a reason of safety outranks the table priority; reads stay lowest', async () => {
    await t.post(edcRequest({ messageId: 's-7' }, [
      { mRID: 'ctl-read', type: '3.21.0.8', devices: ['M-3'] },
      { mRID: 'ctl-safe', type: '3.31.0.23', reason: 'Safety: line work', devices: ['M-4'] },
    ]));
    const { commands } = (await t.gw.commands.queue.request('MDM', 's-7'))!;
    assert.deepEqual(commands.map((c) => [c.kind, c.priority]), [['read', 10], ['disconnect', 100]]);
  });
});
