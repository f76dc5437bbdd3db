import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { replyOf } from '../helpers/messages.js';
import { mcRequest, recordingHes } from './meter-config-messages.js';

const METERS = 50_000;

/** 50,000 meters over 100 concentrators, each with its usage point, in one message. */
function bulkMessage(messageId: string): string {
  const meters: string[] = [];
  const ups: string[] = [];
  for (let i = 0; i < METERS; i++) {
    const id = String(i).padStart(6, '0');
    const dc = `DC-${String(i % 100).padStart(3, '0')}`;
    meters.push(`<c:Meter><c:mRID>BM-${id}</c:mRID><c:serialNumber>S${id}</c:serialNumber><c:ComModule><c:communicationTechnology>PLC</c:communicationTechnology><c:ConcentratorID>${dc}</c:ConcentratorID></c:ComModule><c:Names><c:name>SN-${id}</c:name></c:Names><c:UsagePoints><c:mRID>UP-${id}</c:mRID></c:UsagePoints></c:Meter>`);
    ups.push(`<c:UsagePoint><c:mRID>UP-${id}</c:mRID><c:TransformerID>TR-${String(i % 100).padStart(3, '0')}</c:TransformerID></c:UsagePoint>`);
  }
  return mcRequest('create', messageId, meters, ups);
}

describe(`bulk provisioning: ${METERS} meters in one message`, () => {
  let gw: TestGateway;
  const hes = recordingHes();
  let body: string;
  before(async () => {
    gw = testGateway({}, { hes });
    const ids = Array.from({ length: 100 }, (_, i) => String(i).padStart(3, '0'));
    await gw.deps.network.upsertTransformers(ids.map((i) => ({ id: `TR-${i}` })));
    await gw.deps.network.upsertConcentrators(ids.map((i) => ({ id: `DC-${i}`, transformerId: `TR-${i}` })));
    body = bulkMessage('bulk-1');
  });
  after(() => gw.close());

  const post = async (xml: string) => replyOf((await request(gw.app).post('/cim/messages').set('content-type', 'application/xml').send(xml)).text);

  it('provisions every meter, in the store and behind its concentrator in the head-end', async () => {
    const r = await post(body);
    assert.equal(r.result, 'OK');
    assert.deepEqual(r.codes, ['0.0']);
    assert.equal(await gw.deps.network.countMeters(), METERS);
    assert.equal(hes.meters.size, METERS);
    assert.equal((await gw.deps.meters.byConcentrator('DC-007')).length, METERS / 100);
    assert.equal((await gw.deps.meters.byTransformer('TR-042')).length, METERS / 100);
  });

  it('is idempotent: the same message again (new MessageID) answers the same and changes nothing', async () => {
    const before = await gw.deps.network.meterRecord('BM-012345');
    const r = await post(body.replace('<m:MessageID>bulk-1</m:MessageID>', '<m:MessageID>bulk-2</m:MessageID>'));
    assert.equal(r.result, 'OK');
    assert.deepEqual(r.codes, ['0.0']);
    assert.equal(await gw.deps.network.countMeters(), METERS);
    assert.deepEqual(await gw.deps.network.meterRecord('BM-012345'), before);
  });
});
