import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { receiver, testGateway, type TestGateway } from '../helpers/gateway.js';
import { replyOf, soap11 } from '../helpers/messages.js';
import { getRequest, mcRequest, meterIds, meterXml, upXml } from './meter-config-messages.js';

const pageTokenOf = (xml: string) => /<(?:\w+:)?ID kind="pageToken">([^<]+)</.exec(xml)?.[1];

describe('get MeterConfig: by meter, name, usage point, concentrator, transformer; paged', () => {
  let gw: TestGateway;
  let peer: Awaited<ReturnType<typeof receiver>>;
  before(async () => {
    peer = await receiver();
    gw = testGateway({ provisioning: { pageSize: 4 }, replies: { defaultProtocol: 'REST' } });
    await gw.deps.network.upsertTransformers([{ id: 'TR-1', feederId: 'FD-1' }, { id: 'TR-2', feederId: 'FD-2' }]);
    await gw.deps.network.upsertConcentrators([{ id: 'DC-1', transformerId: 'TR-1' }]);
    const meters = Array.from({ length: 6 }, (_, i) => meterXml({ mRID: `M-0${i + 1}`, name: `SN-${i + 1}`, concentrator: i < 4 ? 'DC-1' : undefined, up: `UP-${i + 1}` }));
    const ups = Array.from({ length: 6 }, (_, i) => upXml(`UP-${i + 1}`, i < 4 ? 'TR-1' : 'TR-2'));
    const res = await request(gw.app).post('/cim/messages').set('content-type', 'application/xml').send(mcRequest('create', 'seed', meters, ups));
    assert.equal(replyOf(res.text).result, 'OK', res.text);
  });
  after(async () => {
    await gw.close();
    await peer.close();
  });

  const get = async (xml: string) => {
    const res = await request(gw.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);
    return { status: res.status, text: res.text, ids: meterIds(res.text), token: pageTokenOf(res.text), ...replyOf(res.text) };
  };

  it('by meter mRID and name, with the meter and its usage point in the payload', async () => {
    const r = await get(getRequest('g-1', { meters: ['M-02'], meterNames: ['SN-3'] }));
    assert.equal(r.result, 'OK');
    assert.deepEqual(r.ids, ['M-02', 'M-03']);
    assert.match(r.text, /<(\w+:)?UsagePoint><(\w+:)?mRID>UP-2<\/(\w+:)?mRID><(\w+:)?ServiceLocation>/);
    assert.match(r.text, /<(\w+:)?ConcentratorID>DC-1</);
  });

  it('by usage point, concentrator and transformer (criteria add up)', async () => {
    assert.deepEqual((await get(getRequest('g-2', { usagePoints: ['UP-5'] }))).ids, ['M-05']);
    assert.deepEqual((await get(getRequest('g-3', { concentrators: ['DC-1'] }))).ids, ['M-01', 'M-02', 'M-03', 'M-04']);
    assert.deepEqual((await get(getRequest('g-4', { transformers: ['TR-2'], meters: ['M-01'] }))).ids, ['M-01', 'M-05', 'M-06']);
  });

  it('2.4 for an unknown meter and 2.12 for an unknown usage point, PARTIAL beside found ones, FAILED alone', async () => {
    const partial = await get(getRequest('g-5', { meters: ['M-01', 'M-404'], usagePoints: ['UP-404'] }));
    assert.equal(partial.result, 'PARTIAL');
    assert.deepEqual(partial.codes, ['2.4', '2.12']);
    assert.deepEqual(partial.xpaths, ['/RequestMessage/Request/GetMeterConfig/Meter[2]', '/RequestMessage/Request/GetMeterConfig/UsagePoint']);
    assert.deepEqual(partial.ids, ['M-01']);
    const none = await get(getRequest('g-6', { meters: ['M-404'] }));
    assert.equal(none.result, 'FAILED');
    assert.equal(none.status, 422);
  });

  it('no Request: every meter, in pages: 0.1 with a pageToken while more follow, 0.2 on the last', async () => {
    const first = await get(getRequest('g-7'));
    assert.equal(first.result, 'OK');
    assert.deepEqual(first.codes, ['0.1']);
    assert.deepEqual(first.ids, ['M-01', 'M-02', 'M-03', 'M-04']);
    assert.ok(first.token);
    const last = await get(getRequest('g-8', undefined, { pageToken: first.token! }));
    assert.deepEqual(last.codes, ['0.2']);
    assert.deepEqual(last.ids, ['M-05', 'M-06']);
    assert.equal(last.token, undefined);
  });

  it('pageSize option and a single page answer 0.0', async () => {
    const r = await get(getRequest('g-9', { concentrators: ['DC-1'] }, { pageSize: '10' }));
    assert.deepEqual(r.codes, ['0.0']);
    assert.equal(r.ids.length, 4);
  });

  it('2.15 for a pageToken the gateway did not issue', async () => {
    const r = await get(getRequest('g-10', undefined, { pageToken: 'bm9wZQ' }));
    assert.equal(r.result, 'FAILED');
    assert.deepEqual(r.codes, ['2.15']);
  });

  it('async: each page is its own ResponseMessage to ReplyAddress, in order, 0.1 … 0.2', async () => {
    const ack = await get(getRequest('g-async', undefined, {}, { asyncReplyFlag: true, replyAddress: peer.url }));
    assert.deepEqual(ack.codes, ['0.3']);
    for (let i = 0; i < 50 && peer.received.length < 2; i++) {
      await gw.drain();
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(peer.received.length, 2);
    const pages = peer.received.map((p) => ({ ids: meterIds(p.body), ...replyOf(p.body) }));
    assert.deepEqual(pages.map((p) => p.codes), [['0.1'], ['0.2']]);
    assert.deepEqual(pages.flatMap((p) => p.ids), ['M-01', 'M-02', 'M-03', 'M-04', 'M-05', 'M-06']);
    assert.deepEqual(pages.map((p) => p.correlationId), ['g-async', 'g-async']);
    assert.deepEqual(pages.map((p) => p.messageId), ['g-async-page-1', 'g-async-page-2']);
  });

  it('typed GetMeterConfig over SOAP answers a MeterConfigResponseMessage', async () => {
    const body = `<t:GetMeterConfig xmlns:t="http://iec.ch/TC57/2011/MeterConfigMessage" xmlns:m="http://iec.ch/TC57/2011/schema/message"><t:Header><m:Verb>get</m:Verb><m:Noun>MeterConfig</m:Noun><m:MessageID>g-typed</m:MessageID></t:Header><t:Request><g:GetMeterConfig xmlns:g="http://iec.ch/TC57/2011/GetMeterConfig#"><g:Meter><g:mRID>M-06</g:mRID></g:Meter></g:GetMeterConfig></t:Request></t:GetMeterConfig>`;
    const res = await request(gw.app).post('/cim/soap/MeterConfig').set('content-type', 'text/xml').set('soapaction', 'GetMeterConfig').send(soap11(body));
    assert.equal(res.status, 200, res.text);
    assert.match(res.text, /MeterConfigResponseMessage/);
    assert.deepEqual(meterIds(res.text), ['M-06']);
  });
});
