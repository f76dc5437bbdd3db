import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { SqliteReadingStore } from '../../gateway/adapters/sqlite/reading-store.sqlite.js';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { message, replyOf, sample } from '../helpers/messages.js';
import { createdReadings, dayOfKwh, KWH, meterReading, MR_NS, provision, VOLT_A } from './readings-helpers.js';

describe('created MeterReadings through the buffered path', () => {
  let gw: TestGateway;
  let store: SqliteReadingStore;
  before(async () => {
    gw = testGateway();
    await provision(gw, [{ mRID: 'MTR-000101' }, { mRID: 'MTR-000102', names: ['SN-102'] }, { mRID: 'MTR-000103' }]);
    store = new SqliteReadingStore(gw.db);
  });
  after(() => gw.close());

  const post = (xml: string) => request(gw.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);
  const stored = (meter: string) => store.read({ meters: [meter] }, { offset: 0, limit: 1000 });

  it('stores the shared sample: values, qualities and its reading type', async () => {
    const res = await post(sample('created-meter-readings.event.xml'));
    assert.equal(res.status, 200);
    assert.deepEqual(replyOf(res.text).codes, ['0.0']);
    const got = await stored('MTR-000101');
    assert.deepEqual(got.map((r) => [new Date(r.timestamp).toISOString(), r.value, r.qualities, r.readingType, r.kind]), [
      ['2026-11-19T03:15:00.000Z', 0.212, [], KWH, 'interval'],
      ['2026-11-19T03:30:00.000Z', 0.198, ['2.4.1'], KWH, 'interval'],
    ]);
  });

  it('stores a repeat once, and a changed value as a correction naming its sender', async () => {
    const day = dayOfKwh('MTR-000102', 96);
    await post(createdReadings({ messageId: 'day-1' }, day));
    await post(createdReadings({ messageId: 'day-1-again' }, day));
    assert.equal((await stored('MTR-000102')).length, 96);
    const changed = meterReading('MTR-000102', [{ type: KWH, readings: [{ ts: '2026-11-19T03:15:00Z', value: 0.5, qualities: ['3.8.0'] }] }]);
    const res = await post(message('RequestMessage', { verb: 'create', noun: 'MeterReadings', source: 'MDM', messageId: 'estimate-1' }, `<m:Payload><MeterReadings xmlns="${MR_NS}">${changed}</MeterReadings></m:Payload>`));
    assert.equal(replyOf(res.text).result, 'OK');
    const first = (await stored('MTR-000102'))[0]!;
    assert.equal(first.value, 0.5);
    assert.deepEqual(first.qualities, ['3.8.0']);
    const history = await store.corrections('MTR-000102', KWH, Date.parse('2026-11-19T03:15:00Z'));
    assert.deepEqual(history.map((c) => [c.previousValue, c.value, c.source, c.messageId]), [[0.001, 0.5, 'MDM', 'estimate-1']]);
  });

  it('resolves a meter by its name', async () => {
    const byName = `<MeterReading><IntervalBlocks><IntervalReadings><timeStamp>2026-11-21T00:15:00Z</timeStamp><value>7</value></IntervalReadings><ReadingType ref="${KWH}"/></IntervalBlocks><Meter><Names><name>SN-102</name></Names></Meter></MeterReading>`;
    const res = await post(createdReadings({ messageId: 'by-name' }, byName));
    assert.equal(replyOf(res.text).result, 'OK');
    assert.ok((await stored('MTR-000102')).some((r) => r.value === 7));
  });

  it('answers 2.4 per unknown meter and stores the rest (PARTIAL)', async () => {
    const res = await post(createdReadings({ messageId: 'partial-meters' }, dayOfKwh('MTR-UNKNOWN', 2), dayOfKwh('MTR-000103', 4), dayOfKwh('MTR-UNKNOWN', 3)));
    const r = replyOf(res.text);
    assert.equal(res.status, 200);
    assert.equal(r.result, 'PARTIAL');
    assert.deepEqual(r.codes, ['2.4']);
    assert.deepEqual(r.xpaths, ['/EventMessage/Payload/MeterReadings/MeterReading[1]/Meter']);
    assert.equal((await stored('MTR-000103')).length, 4);
  });

  it('answers 2.6 for a malformed and 2.10 for an unmapped ReadingType, keeping the other readings', async () => {
    const mr = meterReading('MTR-000101', [
      { type: 'kWh', readings: [{ ts: '2026-11-22T00:15:00Z', value: 1 }] },
      { type: '0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.999.0', readings: [{ ts: '2026-11-22T00:15:00Z', value: 2 }] },
    ], [{ type: VOLT_A, ts: '2026-11-22T00:00:07Z', value: 229.5 }]);
    const r = replyOf((await post(createdReadings({ messageId: 'bad-types' }, mr))).text);
    assert.equal(r.result, 'PARTIAL');
    assert.deepEqual(r.codes, ['2.6', '2.10']);
    assert.deepEqual(r.xpaths, ['/EventMessage/Payload/MeterReadings/MeterReading[1]/IntervalBlocks[1]/ReadingType', '/EventMessage/Payload/MeterReadings/MeterReading[1]/IntervalBlocks[2]/ReadingType']);
    const got = (await stored('MTR-000101')).filter((r) => r.timestamp >= Date.parse('2026-11-22T00:00:00Z'));
    assert.deepEqual(got.map((r) => [r.readingType, r.value, r.kind]), [[VOLT_A, 229.5, 'register']]);
  });

  it('FAILED with 2.4 when no meter is known', async () => {
    const res = await post(createdReadings({ messageId: 'all-unknown' }, dayOfKwh('NOPE-1', 1), dayOfKwh('NOPE-2', 1)));
    assert.equal(res.status, 422);
    assert.deepEqual(replyOf(res.text).codes, ['2.4', '2.4']);
  });

  it('stores nothing of a message that breaks the schema (1.8 with line, column and path)', async () => {
    const broken = dayOfKwh('MTR-000103', 3).replace('<value>0.002</value>', '<value>lots</value>');
    const res = await post(createdReadings({ messageId: 'broken' }, dayOfKwh('MTR-000103', 96, 2), broken));
    const r = replyOf(res.text);
    assert.equal(res.status, 400);
    assert.deepEqual(r.codes, ['1.8']);
    assert.equal(r.xpaths[0], '/EventMessage/Payload/MeterReadings/MeterReading[2]/IntervalBlocks/IntervalReadings[2]/value');
    assert.match(r.details[0]!, /^line 4, column \d+: .*'lots'/);
    assert.equal((await stored('MTR-000103')).length, 4);
  });

  it('accepts a Compressed (gzip, base64) payload', async () => {
    const inner = `<MeterReadings xmlns="${MR_NS}">${dayOfKwh('MTR-000103', 8, 3)}</MeterReadings>`;
    const body = message('EventMessage', { verb: 'created', noun: 'MeterReadings', source: 'HES', messageId: 'zipped' }, `<m:Payload><m:Compressed>${gzipSync(inner).toString('base64')}</m:Compressed></m:Payload>`);
    const res = await post(body);
    assert.deepEqual(replyOf(res.text).codes, ['0.0']);
    assert.deepEqual((await stored('MTR-000103')).slice(0, 8).map((r) => r.value), [0.003, 0.006, 0.009, 0.012, 0.015, 0.018, 0.021, 0.024]);
  });
});
