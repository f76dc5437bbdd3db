import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { message, replyOf, soap11 } from '../helpers/messages.js';
import { manualClock, provision, pushEvents, T0 } from './events-fixtures.js';

const GET = 'http://iec.ch/TC57/2011/GetEndDeviceEvents#';

/** Event mRIDs in an answer, in order. */
const mrids = (xml: string) => [...xml.matchAll(/<(?:\w+:)?mRID>(ev-[^<]*)<\/(?:\w+:)?mRID>/g)].map((m) => m[1]);

describe('get EndDeviceEvents (extraction on demand)', () => {
  let gw: TestGateway;
  before(async () => {
    gw = testGateway({}, { clock: manualClock(T0 + 86_400_000) });
    await provision(gw);
    await pushEvents(gw, [
      { meter: 'MTR-1', code: '3.12.29.257', at: T0, mRID: 'ev-a' },
      { meter: 'MTR-1', code: '3.26.38.93', at: T0 + 60_000, mRID: 'ev-b', details: [['voltage', '253.1']] },
      { meter: 'MTR-2', code: '3.12.29.257', at: T0 + 120_000, mRID: 'ev-c' },
      { meter: 'MTR-11', code: '3.12.29.257', at: T0 + 180_000, mRID: 'ev-d' },
      { meter: 'DC-1', code: '10.1.0.85', at: T0 + 240_000, mRID: 'ev-e' },
    ]);
  });
  after(() => gw.close());

  const get = (criteria: string, request_ = '') => request(gw.app).post('/cim/messages').set('content-type', 'application/xml')
    .send(message('RequestMessage', { verb: 'get', noun: 'EndDeviceEvents', messageId: `g-${Math.random()}` }, `<m:Request>${request_}<g:GetEndDeviceEvents xmlns:g="${GET}">${criteria}</g:GetEndDeviceEvents></m:Request>`));

  it('answers a device\'s events oldest first, with their details', async () => {
    const res = await get('<g:EndDevice><g:mRID>MTR-1</g:mRID></g:EndDevice>');
    assert.equal(replyOf(res.text).result, 'OK');
    assert.deepEqual(mrids(res.text), ['ev-a', 'ev-b']);
    assert.match(res.text, /<(\w+:)?name>voltage<\/(\w+:)?name><(\w+:)?value>253.1</);
  });

  it('filters by event type (CIM or vendor code) and by time window', async () => {
    assert.deepEqual(mrids((await get('<g:EndDeviceEventType ref="3.12.29.257"/>')).text), ['ev-a', 'ev-c', 'ev-d']);
    assert.deepEqual(mrids((await get('<g:EndDeviceEventType ref="COVER_OPEN"/>')).text), ['ev-a', 'ev-c', 'ev-d']);
    const window = `<g:TimeSchedule><g:scheduleInterval><g:start>${new Date(T0 + 30_000).toISOString()}</g:start><g:end>${new Date(T0 + 150_000).toISOString()}</g:end></g:scheduleInterval></g:TimeSchedule>`;
    assert.deepEqual(mrids((await get(window)).text), ['ev-b', 'ev-c']);
    // The Request's own StartTime/EndTime work as a window too.
    assert.deepEqual(mrids((await get('', `<m:StartTime>${new Date(T0 + 170_000).toISOString()}</m:StartTime>`)).text), ['ev-d', 'ev-e']);
  });

  it('expands an EndDeviceGroup (concentrator or transformer) to its meters and its own events', async () => {
    assert.deepEqual(mrids((await get('<g:EndDeviceGroup><g:mRID>DC-1</g:mRID></g:EndDeviceGroup>')).text), ['ev-a', 'ev-b', 'ev-c', 'ev-e']);
    assert.deepEqual(mrids((await get('<g:UsagePoint><g:mRID>UP-2</g:mRID></g:UsagePoint>')).text), ['ev-c']);
  });

  it('reports unknown devices per item (2.4, PARTIAL) and fails when nothing named exists', async () => {
    const partial = await get('<g:EndDevice><g:mRID>MTR-2</g:mRID></g:EndDevice><g:EndDevice><g:mRID>NOPE</g:mRID></g:EndDevice>');
    const r = replyOf(partial.text);
    assert.equal(r.result, 'PARTIAL');
    assert.deepEqual(r.codes, ['2.4']);
    assert.deepEqual(r.xpaths, ['/RequestMessage/Request/GetEndDeviceEvents/EndDevice[2]']);
    assert.deepEqual(mrids(partial.text), ['ev-c']);
    const none = await get('<g:EndDevice><g:mRID>NOPE</g:mRID></g:EndDevice>');
    assert.equal(replyOf(none.text).result, 'FAILED');
  });

  it('answers OK without payload for a known device with no events', async () => {
    const res = await get('<g:EndDevice><g:mRID>MTR-5</g:mRID></g:EndDevice>');
    assert.equal(replyOf(res.text).result, 'OK');
    assert.doesNotMatch(res.text, /Payload/);
  });

  it('serves the typed GetEndDeviceEvents over SOAP', async () => {
    const TNS = 'http://iec.ch/TC57/2011/EndDeviceEventsMessage';
    const body = `<t:GetEndDeviceEvents xmlns:t="${TNS}" xmlns:m="http://iec.ch/TC57/2011/schema/message"><t:Header><m:Verb>get</m:Verb><m:Noun>EndDeviceEvents</m:Noun><m:MessageID>typed-get</m:MessageID></t:Header><t:Request><t:StartTime>${new Date(T0 + 100_000).toISOString()}</t:StartTime><g:GetEndDeviceEvents xmlns:g="${GET}"><g:EndDeviceEventType ref="3.12.29.257"/></g:GetEndDeviceEvents></t:Request></t:GetEndDeviceEvents>`;
    const res = await request(gw.app).post('/cim/soap').set('content-type', 'text/xml').set('soapaction', `${TNS}/GetEndDeviceEvents`).send(soap11(body));
    assert.equal(replyOf(res.text).result, 'OK');
    assert.deepEqual(mrids(res.text), ['ev-c', 'ev-d']);
  });

  it('caps an answer at events.maxGetResults with 0.2', async () => {
    const small = testGateway({ events: { maxGetResults: 2 } }, { clock: manualClock(T0 + 86_400_000) });
    try {
      await provision(small);
      await pushEvents(small, [1, 2, 3].map((i) => ({ meter: 'MTR-1', code: '3.12.29.257', at: T0 + i, mRID: `ev-${i}` })));
      const res = await request(small.app).post('/cim/messages').set('content-type', 'application/xml')
        .send(message('RequestMessage', { verb: 'get', noun: 'EndDeviceEvents', messageId: 'cap' }, `<m:Request><g:GetEndDeviceEvents xmlns:g="${GET}"/></m:Request>`));
      const r = replyOf(res.text);
      assert.equal(r.result, 'PARTIAL');
      assert.deepEqual(r.codes, ['0.2']);
      assert.deepEqual(mrids(res.text), ['ev-1', 'ev-2']);
    } finally {
      await small.close();
    }
  });
});
