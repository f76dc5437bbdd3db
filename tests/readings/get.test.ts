import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { Reading } from '../../gateway/domain/readings/reading.js';
import type { HesPort } from '../../gateway/ports/hes.port.js';
import { parseInbound } from '../../gateway/ingress/inbound-xml.js';
import { receiver, testGateway, type TestGateway } from '../helpers/gateway.js';
import { replyOf, sample } from '../helpers/messages.js';
import { createdReadings, dayOfKwh, getReadingsRequest, KWH, KWH_RECEIVED, meterReading, provision, valuesOf, VOLT_A } from './readings-helpers.js';

/** A head-end that answers on-demand reads with one reading per call and records the calls. */
function fakeHes(): HesPort & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    readOnDemand: async (meter: string, types: string[], start: Date, end: Date): Promise<Reading[]> => {
      calls.push(`${meter} ${types.join(',')} ${start.toISOString()} ${end.toISOString()}`);
      if (meter === 'MTR-DOWN') throw new Error('no answer from concentrator');
      return [{ meter, readingType: KWH, timestamp: end.getTime(), value: 42.5, qualities: ['1.0.0'], kind: 'interval' }];
    },
    execute: async () => ({ status: 'failed', transient: false, reason: 'not used' }),
    provision: async () => {},
    remove: async () => {},
    listen: () => {},
  };
}

describe('get MeterReadings', () => {
  let gw: TestGateway;
  const hes = fakeHes();
  before(async () => {
    gw = testGateway({ readings: { pageSize: 50, maxResultReadings: 200 } }, { hes });
    await provision(gw, [
      { mRID: 'MTR-000101', usagePoint: 'UP-1' }, { mRID: 'MTR-000102', names: ['SN-102'] }, { mRID: 'MTR-000103' },
      { mRID: 'MTR-EMPTY' }, { mRID: 'MTR-DOWN' }, { mRID: 'MTR-BIG' },
    ]);
    const post = (xml: string) => request(gw.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);
    await post(sample('created-meter-readings.event.xml'));
    await post(createdReadings({ messageId: 'load-1' }, dayOfKwh('MTR-000102', 96),
      meterReading('MTR-000102', [{ type: KWH_RECEIVED, readings: [{ ts: '2026-11-19T03:15:00Z', value: 0.05 }, { ts: '2026-11-19T03:30:00Z', qualities: ['1.5.257'] }] }], [{ type: VOLT_A, ts: '2026-11-19T03:00:07Z', value: 229.8 }])));
    for (let d = 0; d < 3; d++) await post(createdReadings({ messageId: `big-${d}` }, dayOfKwh('MTR-BIG', 96).replaceAll('2026-11-19', `2026-12-0${d + 1}`).replaceAll('2026-11-20', `2026-12-0${d + 2}`)));
  });
  after(() => gw.close());

  const post = (xml: string) => request(gw.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);

  it('answers the shared sample request from the store, and the answer validates against the schema', async () => {
    const res = await post(sample('get-meter-readings.request.xml'));
    assert.equal(res.status, 200);
    const r = replyOf(res.text);
    // 98 readings over two meters, 50 per page (this gateway's pageSize): the first page, more to follow.
    assert.equal(r.result, 'OK');
    assert.deepEqual(r.codes, ['0.1']);
    assert.deepEqual(valuesOf(res.text), [['2026-11-19T03:15:00.000Z', '0.212'], ['2026-11-19T03:30:00.000Z', '0.198'],
      ...Array.from({ length: 48 }, (_, i) => [new Date(Date.parse('2026-11-19T03:15:00Z') + i * 900_000).toISOString(), String((i + 1) / 1000)] as [string, string])]);
    const parsed = parseInbound(res.text);
    try {
      assert.deepEqual(gw.schemas.validate(parsed.doc.root, parsed.text), []);
    } finally {
      parsed.doc.dispose();
    }
  });

  it('round-trips values, qualities, register readings and reading types (meter by name, all types)', async () => {
    const res = await post(getReadingsRequest({ messageId: 'rt-1' }, '<g:EndDevice><g:Names><g:name>SN-102</g:name></g:Names></g:EndDevice>',
      { start: '2026-11-19T03:00:00Z', end: '2026-11-19T03:30:00Z' }));
    assert.deepEqual(replyOf(res.text).codes, ['0.0']);
    assert.match(res.text, /<IntervalReadings><timeStamp>2026-11-19T03:30:00.000Z<\/timeStamp><ReadingQualities><ReadingQualityType ref="1.5.257"\/><\/ReadingQualities><\/IntervalReadings><ReadingType ref="0.0.2.4.19.1.12.0.0.0.0.0.0.0.0.3.72.0"\/>/);
    assert.match(res.text, /<Readings><timeStamp>2026-11-19T03:00:07.000Z<\/timeStamp><value>229.8<\/value><ReadingType ref="0.0.0.6.0.1.54.0.0.0.0.0.0.0.129.0.29.0"\/><\/Readings>/);
    assert.match(res.text, /<ReadingType><mRID>0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0<\/mRID><Names><name>kwh-delivered-15min<\/name><\/Names><\/ReadingType>/);
    // Interval blocks in reading-type code order, then the register readings.
    assert.deepEqual(valuesOf(res.text).map(([, v]) => v), ['0.001', '0.002', '0.05', undefined, '229.8']);
  });

  it('selects by usage point and by the TimeSchedule window, filtered by reading type', async () => {
    const res = await post(getReadingsRequest({ messageId: 'up-1' }, `<g:ReadingType><g:mRID>${KWH}</g:mRID></g:ReadingType><g:TimeSchedule><g:scheduleInterval><g:start>2026-11-19T03:15:00Z</g:start><g:end>2026-11-19T03:30:00Z</g:end></g:scheduleInterval></g:TimeSchedule><g:UsagePoint><g:mRID>UP-1</g:mRID></g:UsagePoint>`));
    assert.deepEqual(valuesOf(res.text), [['2026-11-19T03:30:00.000Z', '0.198']]);
  });

  it('reports unknown meters 2.4, unknown usage points 2.12, bad reading types 2.6 and meters without data 5.7', async () => {
    const res = await post(getReadingsRequest({ messageId: 'errs' }, `<g:EndDevice><g:mRID>MTR-000101</g:mRID></g:EndDevice><g:EndDevice><g:mRID>NOPE</g:mRID></g:EndDevice><g:EndDevice><g:mRID>MTR-EMPTY</g:mRID></g:EndDevice><g:ReadingType><g:mRID>${KWH}</g:mRID></g:ReadingType><g:ReadingType><g:mRID>kWh</g:mRID></g:ReadingType><g:UsagePoint><g:mRID>UP-404</g:mRID></g:UsagePoint>`));
    const r = replyOf(res.text);
    assert.equal(r.result, 'PARTIAL');
    assert.deepEqual(r.codes, ['2.4', '2.12', '2.6', '5.7']);
    assert.deepEqual(r.xpaths, ['/RequestMessage/Request/GetMeterReadings/EndDevice[2]', '/RequestMessage/Request/GetMeterReadings/UsagePoint', '/RequestMessage/Request/GetMeterReadings/ReadingType[2]']);
    assert.match(r.details[3]!, /MTR-EMPTY/);
    assert.equal(valuesOf(res.text).length, 2);
  });

  it('pages a large result: 0.1 while more follow, 0.2 on the last page (Request/Option page)', async () => {
    const get = (page: number) => post(getReadingsRequest({ messageId: `page-${page}` }, '<g:EndDevice><g:mRID>MTR-BIG</g:mRID></g:EndDevice>', { start: '2026-12-01T00:00:00Z', end: '2026-12-02T12:00:00Z', options: { page: String(page) } }));
    const pages = await Promise.all([1, 2, 3].map(get));
    assert.deepEqual(pages.map((p) => replyOf(p.text).codes), [['0.1'], ['0.1'], ['0.2']]);
    assert.deepEqual(pages.map((p) => replyOf(p.text).result), ['OK', 'OK', 'OK']);
    const all = pages.flatMap((p) => valuesOf(p.text));
    assert.equal(all.length, 96 + 48 - 12);
    assert.deepEqual(pages.map((p) => valuesOf(p.text).length), [50, 50, 32]);
    assert.equal(new Set(all.map(([ts]) => ts)).size, all.length);
  });

  it('refuses a result over the hard limit with 3.1', async () => {
    const res = await post(getReadingsRequest({ messageId: 'too-big' }, '<g:EndDevice><g:mRID>MTR-BIG</g:mRID></g:EndDevice>'));
    assert.equal(res.status, 413);
    assert.deepEqual(replyOf(res.text).codes, ['3.1']);
  });

  it('reads on demand from the head-end with Request/Option source=HES, storing what it read', async () => {
    const res = await post(getReadingsRequest({ messageId: 'hes-1' }, '<g:EndDevice><g:mRID>MTR-EMPTY</g:mRID></g:EndDevice><g:EndDevice><g:mRID>MTR-DOWN</g:mRID></g:EndDevice>', { start: '2026-11-25T00:00:00Z', end: '2026-11-25T06:00:00Z', options: { source: 'HES' } }));
    const r = replyOf(res.text);
    assert.deepEqual(hes.calls.slice(-2), ['MTR-DOWN  2026-11-25T00:00:00.000Z 2026-11-25T06:00:00.000Z', 'MTR-EMPTY  2026-11-25T00:00:00.000Z 2026-11-25T06:00:00.000Z']);
    assert.deepEqual(r.codes, ['5.7', '5.7']);
    assert.match(r.details.join(' '), /on-demand read of meter MTR-DOWN failed: no answer from concentrator/);
    assert.deepEqual(valuesOf(res.text), [['2026-11-25T06:00:00.000Z', '42.5']]);
    // Stored: the same question to the store now has the answer without asking the head-end.
    const again = await post(getReadingsRequest({ messageId: 'hes-2' }, '<g:EndDevice><g:mRID>MTR-EMPTY</g:mRID></g:EndDevice>', { start: '2026-11-25T00:00:00Z', end: '2026-11-25T06:00:00Z' }));
    assert.deepEqual(valuesOf(again.text), [['2026-11-25T06:00:00.000Z', '42.5']]);
    assert.equal(hes.calls.length, 2);
  });

  it('needs a meter selector (1.6)', async () => {
    const res = await post(getReadingsRequest({ messageId: 'nothing' }, `<g:ReadingType><g:mRID>${KWH}</g:mRID></g:ReadingType>`));
    assert.deepEqual(replyOf(res.text).codes, ['1.6']);
  });

  it('sends each page of an async request as its own ResponseMessage, in order', async () => {
    const peer = await receiver();
    try {
      const res = await post(getReadingsRequest({ messageId: 'async-pages', asyncReplyFlag: true, replyAddress: peer.url }, '<g:EndDevice><g:mRID>MTR-BIG</g:mRID></g:EndDevice>', { start: '2026-12-01T00:00:00Z', end: '2026-12-02T12:00:00Z' }));
      assert.equal(res.status, 202);
      for (let i = 0; i < 6 && peer.received.length < 3; i++) await gw.drain();
      assert.deepEqual(peer.received.map((m) => replyOf(m.body).codes), [['0.1'], ['0.1'], ['0.2']]);
      assert.deepEqual(peer.received.map((m) => replyOf(m.body).correlationId), ['async-pages', 'async-pages', 'async-pages']);
      assert.equal(peer.received.flatMap((m) => valuesOf(m.body)).length, 132);
    } finally {
      await peer.close();
    }
  });
});
