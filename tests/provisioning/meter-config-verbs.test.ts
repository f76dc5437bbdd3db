import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { replyOf } from '../helpers/messages.js';
import { mcRequest, meterXml, recordingHes, recordingPublisher, upXml } from './meter-config-messages.js';

describe('MeterConfig create / change / delete: per-item codes, idempotent, told to the head-end', () => {
  let gw: TestGateway;
  const hes = recordingHes();
  const publisher = recordingPublisher();
  const removedSeen: string[][] = [];
  before(async () => {
    gw = testGateway({}, { hes, publisher });
    gw.deps.removalListeners.push({ metersRemoved: async (ids) => { removedSeen.push(ids); } });
    await gw.deps.network.upsertTransformers([{ id: 'TR-1', feederId: 'FD-1' }, { id: 'TR-2', feederId: 'FD-1' }]);
    await gw.deps.network.upsertConcentrators([{ id: 'DC-1', transformerId: 'TR-1' }, { id: 'DC-2', transformerId: 'TR-2' }]);
  });
  after(() => gw.close());

  const post = async (xml: string) => {
    const res = await request(gw.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);
    return { status: res.status, text: res.text, ...replyOf(res.text) };
  };

  it('creates meters behind a concentrator and point-to-point, with their usage points', async () => {
    const r = await post(mcRequest('create', 'c-1', [
      meterXml({ mRID: 'M-1', serial: 'S1', name: 'SN-1', concentrator: 'DC-1', tech: 'PLC', up: 'UP-1' }),
      meterXml({ mRID: 'M-2', serial: 'S2', name: 'SN-2', tech: 'CELLULAR', up: 'UP-2', status: 'inService' }),
    ], [upXml('UP-1', 'TR-1'), upXml('UP-2', 'TR-9')]));
    assert.equal(r.result, 'OK', r.text);
    assert.deepEqual(r.codes, ['0.0']);
    const m1 = await gw.deps.network.meterRecord('M-1');
    assert.equal(m1?.commPath, 'concentrator');
    assert.equal(m1?.status, 'installed');
    assert.equal((await gw.deps.network.meterRecord('M-2'))?.status, 'in-service');
    assert.deepEqual(hes.meters.get('M-1'), { mRID: 'M-1', commPath: 'concentrator', concentratorId: 'DC-1' });
    assert.deepEqual(hes.meters.get('M-2'), { mRID: 'M-2', commPath: 'point-to-point' });
    assert.equal((await gw.deps.network.usagePoint('UP-1'))?.customerAccount, 'ACC-UP-1');
    assert.ok((await gw.deps.network.transformers()).some((t) => t.id === 'TR-9'), 'a transformer named by a usage point is registered');
    assert.deepEqual((await gw.deps.meters.byTransformer('TR-1')).map((m) => m.mRID), ['M-1']);
    assert.equal(publisher.events.length, 1);
    assert.equal(publisher.events[0]!.verb, 'created');
    assert.deepEqual(publisher.events[0]!.devices, ['M-1', 'M-2']);
  });

  it('a resend of the same content (new MessageID) answers the same and changes nothing', async () => {
    const events = publisher.events.length;
    const r = await post(mcRequest('create', 'c-1-again', [
      meterXml({ mRID: 'M-1', serial: 'S1', name: 'SN-1', concentrator: 'DC-1', tech: 'PLC', up: 'UP-1' }),
      meterXml({ mRID: 'M-2', serial: 'S2', name: 'SN-2', tech: 'CELLULAR', up: 'UP-2', status: 'inService' }),
    ], [upXml('UP-1', 'TR-1'), upXml('UP-2', 'TR-9')]));
    assert.equal(r.result, 'OK');
    assert.deepEqual(r.codes, ['0.0']);
    assert.equal(publisher.events.length, events, 'nothing changed, nothing published');
    assert.equal(await gw.deps.network.countMeters(), 2);
  });

  it('2.4 for a create that contradicts a provisioned meter, a meter without mRID, an unknown concentrator or a cellular meter on a concentrator', async () => {
    const r = await post(mcRequest('create', 'c-2', [
      meterXml({ mRID: 'M-1', serial: 'OTHER', concentrator: 'DC-1', up: 'UP-1' }),
      meterXml({ serial: 'no-mrid' }),
      meterXml({ mRID: 'M-3', concentrator: 'DC-404' }),
      meterXml({ mRID: 'M-4', concentrator: 'DC-1', tech: 'CELLULAR' }),
      meterXml({ mRID: 'M-5', concentrator: 'DC-2' }),
    ]));
    assert.equal(r.result, 'PARTIAL');
    assert.deepEqual(r.codes, ['2.4', '2.4', '2.4', '2.4']);
    assert.deepEqual(r.xpaths, [1, 2, 3, 4].map((i) => `/RequestMessage/Payload/MeterConfig/Meter[${i}]`));
    assert.match(r.details[0]!, /already provisioned with other attributes/);
    assert.match(r.details[2]!, /concentrator DC-404 is not known/);
    assert.equal((await gw.deps.network.meterRecord('M-1'))?.serialNumber, 'S1', 'the contradicting create did not overwrite');
    assert.ok(await gw.deps.network.meterRecord('M-5'));
  });

  it('2.12 for a usage point neither in the message nor stored (FAILED when no item went through)', async () => {
    const r = await post(mcRequest('create', 'c-3', [meterXml({ mRID: 'M-6', up: 'UP-404' })]));
    assert.equal(r.result, 'FAILED');
    assert.deepEqual(r.codes, ['2.12']);
    assert.equal(r.xpaths[0], '/RequestMessage/Payload/MeterConfig/Meter');
    assert.equal(r.status, 422);
  });

  it('2.13 for a usage point served by another active meter, two usage points, or a PLC meter across a transformer', async () => {
    const r = await post(mcRequest('create', 'c-4', [
      meterXml({ mRID: 'M-7', concentrator: 'DC-1', up: 'UP-1' }),
      meterXml({ mRID: 'M-8', up: ['UP-3', 'UP-4'] }),
      meterXml({ mRID: 'M-9', concentrator: 'DC-2', tech: 'PLC', up: 'UP-3' }),
      meterXml({ mRID: 'M-10', concentrator: 'DC-2', tech: 'RF', up: 'UP-3' }),
    ], [upXml('UP-3', 'TR-1'), upXml('UP-4', 'TR-1')]));
    assert.equal(r.result, 'PARTIAL');
    assert.deepEqual(r.codes, ['2.13', '2.13', '2.13']);
    assert.match(r.details[0]!, /UP-1 is served by meter M-1/);
    assert.match(r.details[2]!, /PLC concentrator DC-2 is on transformer TR-2 but usage point UP-3 hangs on TR-1/);
    assert.equal((await gw.deps.network.meterRecord('M-10'))?.usagePointMRID, 'UP-3', 'RF crosses transformers');
  });

  it('change: 2.4 for an unknown meter; a known one keeps what is not sent and moves where it is told', async () => {
    const events = publisher.events.length;
    const r = await post(mcRequest('change', 'ch-1', [
      meterXml({ mRID: 'M-404' }),
      `<c:Meter><c:mRID>M-5</c:mRID><c:ComModule><c:communicationTechnology>PLC</c:communicationTechnology><c:ConcentratorID>DC-1</c:ConcentratorID></c:ComModule></c:Meter>`,
    ]));
    assert.equal(r.result, 'PARTIAL');
    assert.deepEqual(r.codes, ['2.4']);
    assert.equal(r.xpaths[0], '/RequestMessage/Payload/MeterConfig/Meter[1]');
    const m5 = await gw.deps.network.meterRecord('M-5');
    assert.equal(m5?.concentratorId, 'DC-1');
    assert.equal(m5?.manufacturer, 'Enel', 'attributes not sent are kept');
    assert.equal(hes.meters.get('M-5')?.concentratorId, 'DC-1');
    assert.equal(publisher.events.length, events + 1);
    assert.equal(publisher.events.at(-1)!.verb, 'changed');
  });

  it('change by name finds the meter without renaming it', async () => {
    const r = await post(mcRequest('change', 'ch-2', [`<c:Meter><c:serialNumber>S2b</c:serialNumber><c:Names><c:name>SN-2</c:name></c:Names></c:Meter>`]));
    assert.equal(r.result, 'OK', r.text);
    const m2 = await gw.deps.network.meterRecord('M-2');
    assert.equal(m2?.serialNumber, 'S2b');
    assert.deepEqual(m2?.names, ['SN-2']);
  });

  it('delete: 2.4 for an unknown meter; a known one becomes removed (kept), leaves the head-end, its pending work stops; again is a no-op', async () => {
    const r = await post(mcRequest('delete', 'd-1', [meterXml({ mRID: 'M-1' }), meterXml({ mRID: 'M-404' })]));
    assert.equal(r.result, 'PARTIAL');
    assert.deepEqual(r.codes, ['2.4']);
    const m1 = await gw.deps.network.meterRecord('M-1');
    assert.equal(m1?.status, 'removed');
    assert.ok(m1?.statusAt);
    assert.equal(hes.meters.has('M-1'), false);
    assert.deepEqual(removedSeen.at(-1), ['M-1']);
    const again = await post(mcRequest('delete', 'd-2', [meterXml({ mRID: 'M-1' })]));
    assert.equal(again.result, 'OK');
    assert.equal(removedSeen.length, 1);
  });

  it('a removed meter frees its usage point for the meter that replaces it', async () => {
    const r = await post(mcRequest('create', 'c-5', [meterXml({ mRID: 'M-11', concentrator: 'DC-1', up: 'UP-1' })]));
    assert.equal(r.result, 'OK', r.text);
    assert.deepEqual((await gw.deps.meters.byUsagePoint('UP-1')).map((m) => [m.mRID, m.status]), [['M-1', 'removed'], ['M-11', 'installed']]);
  });

  it('an unknown status value is 2.4', async () => {
    const r = await post(mcRequest('create', 'c-6', [meterXml({ mRID: 'M-12', status: 'floating' })]));
    assert.deepEqual(r.codes, ['2.4']);
    assert.match(r.details[0]!, /status 'floating'/);
  });
});
