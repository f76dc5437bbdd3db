import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { message, replyOf, sample, soap11 } from '../helpers/messages.js';
import { edePayload, manualClock, provision, pushEvents, T0 } from './events-fixtures.js';

interface Row { device: string; event_type: string; known: number; mrid: string; body: string; source: string }

describe('created EndDeviceEvents: validated, mapped, stored idempotently', () => {
  let gw: TestGateway;
  const clock = manualClock(T0 + 3600_000);
  const rows = (where = '1=1') => gw.db.prepare(`SELECT * FROM device_events WHERE ${where} AND source != 'gateway' ORDER BY seq`).all() as Row[];
  before(async () => {
    gw = testGateway({}, { clock });
    await provision(gw);
  });
  after(() => gw.close());

  it('accepts the shared sample and keeps its EndDeviceEventDetails', async () => {
    const xml = sample('created-end-device-events.event.xml').replace(/MTR-000101/g, 'MTR-1');
    const res = await request(gw.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);
    const r = replyOf(res.text);
    assert.equal(res.status, 200);
    assert.equal(r.result, 'OK');
    assert.equal(r.correlationId, 'c3b2a190-8f7e-4d6c-9b5a-4e3d2c1b0a77');
    const stored = rows(`device = 'MTR-1'`);
    assert.deepEqual(stored.map((s) => [s.event_type, s.mrid]), [['3.26.0.85', 'evt-000101-0001'], ['3.26.0.216', 'evt-000101-0002']]);
    assert.deepEqual(JSON.parse(stored[1]!.body).details, [{ name: 'outageDurationSeconds', value: '47' }]);
  });

  it('stores a resent event once (key: device, type, time, mRID), under a new MessageID too', async () => {
    const ev = [{ meter: 'MTR-2', code: '3.12.29.257', at: T0, mRID: 'tamper-1' }];
    await pushEvents(gw, ev, 'dup-a');
    const again = await pushEvents(gw, ev, 'dup-b');
    assert.equal(replyOf(again.text).result, 'OK');
    assert.equal(rows(`device = 'MTR-2'`).length, 1);
    // Same device, type and time but another mRID is another event.
    await pushEvents(gw, [{ ...ev[0]!, mRID: 'tamper-2' }]);
    assert.equal(rows(`device = 'MTR-2'`).length, 2);
  });

  it('answers PARTIAL with a 2.4 per unknown device and stores the others', async () => {
    const res = await pushEvents(gw, [{ meter: 'MTR-3', code: '3.26.38.93', at: T0 }, { meter: 'NOPE-9', code: '3.26.38.93', at: T0 }]);
    const r = replyOf(res.text);
    assert.equal(r.result, 'PARTIAL');
    assert.deepEqual(r.codes, ['2.4']);
    assert.deepEqual(r.xpaths, ['/EventMessage/Payload/EndDeviceEvents/EndDeviceEvent[2]/Assets']);
    assert.match(r.details[0]!, /NOPE-9/);
    assert.equal(rows(`device = 'MTR-3'`).length, 1);
    assert.equal(rows(`device = 'NOPE-9'`).length, 0);
  });

  it('answers FAILED (422 over REST) when no device is known', async () => {
    const res = await pushEvents(gw, [{ meter: 'NOPE-1', code: '3.26.0.85', at: T0 }]);
    assert.equal(res.status, 422);
    assert.equal(replyOf(res.text).result, 'FAILED');
  });

  it('accepts concentrators and meters named by Names/name', async () => {
    await pushEvents(gw, [{ meter: 'DC-1', code: '10.1.0.85', at: T0 }, { meter: 'SN-4', code: '3.36.116.24', at: T0 }]);
    assert.equal(rows(`device = 'DC-1'`).length, 1);
    assert.equal(rows(`device = 'MTR-4' AND event_type = '3.36.116.24'`).length, 1);
  });

  it('keeps and flags an unknown code, with a WARNING and Result OK', async () => {
    const res = await pushEvents(gw, [{ meter: 'MTR-5', code: '3.99.7.1', at: T0 }]);
    const r = replyOf(res.text);
    assert.equal(r.result, 'OK');
    assert.deepEqual(r.codes, ['0.0']);
    assert.match(res.text, /<m:level>WARNING<\/m:level>/);
    assert.match(r.details[0]!, /3\.99\.7\.1/);
    const [stored] = rows(`device = 'MTR-5'`);
    assert.equal(stored!.known, 0);
    assert.equal(stored!.event_type, '3.99.7.1');
  });

  it('maps a vendor alarm code to its CIM code and keeps the original as hesCode', async () => {
    await pushEvents(gw, [{ meter: 'MTR-6', code: 'MAGNETIC_ON', at: T0 }]);
    const [stored] = rows(`device = 'MTR-6'`);
    assert.equal(stored!.event_type, '3.12.66.257');
    assert.equal(stored!.known, 1);
    assert.deepEqual(JSON.parse(stored!.body).details, [{ name: 'hesCode', value: 'MAGNETIC_ON' }]);
  });

  it('splits a status word into one event per set bit, keeping unmapped bits flagged', async () => {
    // bits 7 (cover open), 11 (load limit) and 40 (unmapped)
    const word = `0x${((1n << 7n) | (1n << 11n) | (1n << 40n)).toString(16)}`;
    const res = await pushEvents(gw, [{ meter: 'MTR-7', code: 'VENDOR-STATUS', at: T0, mRID: 'sw-1', details: [['statusWord', word]] }]);
    assert.equal(replyOf(res.text).result, 'OK');
    const stored = rows(`device = 'MTR-7'`);
    assert.deepEqual(stored.map((s) => [s.event_type, s.known]).sort(), [['3.12.29.257', 1], ['3.15.0.93', 1], ['VENDOR-STATUS', 0]]);
    assert.ok(stored.some((s) => JSON.parse(s.body).details.some((d: { name: string; value: string }) => d.name === 'unmappedStatusBits' && d.value === '40')));
  });

  it('rejects an event out of schema order with 1.8 and stores nothing', async () => {
    const bad = edePayload([{ meter: 'MTR-8', code: '3.26.0.85', at: T0, mRID: 'x' }]).replace(/(<e:createdDateTime>[^<]*<\/e:createdDateTime>)(<e:mRID>x<\/e:mRID>)/, '$2$1');
    const res = await request(gw.app).post('/cim/messages').set('content-type', 'application/xml')
      .send(message('EventMessage', { verb: 'created', noun: 'EndDeviceEvents', source: 'HES', messageId: 'bad-order' }, bad));
    assert.deepEqual(replyOf(res.text).codes, ['1.8']);
    assert.equal(rows(`device = 'MTR-8'`).length, 0);
  });

  it('accepts the strongly typed CreatedEndDeviceEvents over SOAP', async () => {
    const TNS = 'http://iec.ch/TC57/2011/EndDeviceEventsMessage';
    const body = `<t:CreatedEndDeviceEvents xmlns:t="${TNS}" xmlns:m="http://iec.ch/TC57/2011/schema/message"><t:Header><m:Verb>created</m:Verb><m:Noun>EndDeviceEvents</m:Noun><m:Source>HES</m:Source><m:MessageID>typed-1</m:MessageID></t:Header>${edePayload([{ meter: 'MTR-9', code: '3.1.0.85', at: T0 }]).replace(/m:Payload/g, 't:Payload')}</t:CreatedEndDeviceEvents>`;
    const res = await request(gw.app).post('/cim/soap').set('content-type', 'text/xml').set('soapaction', `${TNS}/CreatedEndDeviceEvents`).send(soap11(body));
    assert.equal(res.status, 200);
    assert.match(res.text, /EndDeviceEventsResponseMessage/);
    assert.equal(replyOf(res.text).result, 'OK');
    assert.equal(rows(`device = 'MTR-9'`).length, 1);
  });

  it('ingests in process what the head-end pushes (HesListener.onEvents)', async () => {
    const outcomes = await gw.events.ingestEvents([
      { device: 'MTR-10', eventType: 'COMM_LOST', createdDateTime: T0, details: [] },
      { device: 'GHOST', eventType: '3.1.0.85', createdDateTime: T0, details: [] },
    ], 'HES-SIM');
    assert.deepEqual(outcomes.map((o) => o.status), ['stored', 'unknown-device']);
    const [stored] = rows(`device = 'MTR-10'`);
    assert.equal(stored!.event_type, '3.1.0.85');
    assert.equal(stored!.source, 'HES-SIM');
  });
});
