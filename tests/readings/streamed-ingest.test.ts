import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { SqliteReadingStore } from '../../gateway/adapters/sqlite/reading-store.sqlite.js';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { replyOf, sample, soap11 } from '../helpers/messages.js';
import { createdReadings, dayOfKwh, getReadingsRequest, KWH, meterReading, provision } from './readings-helpers.js';

const METERS = [{ mRID: 'MTR-000101' }, { mRID: 'S-1' }, { mRID: 'S-2' }, { mRID: 'S-3' }];

/**
 * The same messages through a gateway that buffers (default threshold) and one that streams every
 * XML body (threshold 1 byte, validation in the worker thread): the answers must be the same.
 */
describe('streamed ingest answers like the buffered path', () => {
  let buffered: TestGateway;
  let streamed: TestGateway;
  before(async () => {
    buffered = testGateway();
    streamed = testGateway({ readings: { streaming: { thresholdBytes: 1, fragmentsPerBatch: 2, inFlightBatches: 2 } } });
    await provision(buffered, METERS);
    await provision(streamed, METERS);
  });
  after(async () => {
    await buffered.close();
    await streamed.close();
  });

  const both = async (xml: string, path = '/cim/messages', contentType = 'application/xml') => {
    const send = (gw: TestGateway) => request(gw.app).post(path).set('content-type', contentType).send(xml);
    const [b, s] = [await send(buffered), await send(streamed)];
    const strip = (r: ReturnType<typeof replyOf>) => ({ ...r, messageId: undefined });
    assert.deepEqual(strip(replyOf(s.text)), strip(replyOf(b.text)));
    assert.equal(s.status, b.status);
    return s;
  };
  const count = async (gw: TestGateway, meter: string) => new SqliteReadingStore(gw.db).count({ meters: [meter] });

  it('stores the shared sample', async () => {
    const res = await both(sample('created-meter-readings.event.xml'));
    assert.deepEqual(replyOf(res.text).codes, ['0.0']);
    assert.equal(await count(streamed, 'MTR-000101'), 2);
  });

  it('stores many MeterReadings across batches, with 2.4 for unknown meters', async () => {
    const res = await both(createdReadings({ messageId: 'load-1' }, dayOfKwh('S-1'), dayOfKwh('NOPE'), dayOfKwh('S-2'), dayOfKwh('S-3', 10), dayOfKwh('S-1', 96, 1)));
    assert.equal(replyOf(res.text).result, 'PARTIAL');
    assert.deepEqual([await count(streamed, 'S-1'), await count(streamed, 'S-2'), await count(streamed, 'S-3')], [96, 96, 10]);
  });

  it('a schema error deep in the stream: 1.8 with the same line, column and path, nothing stored, MessageID free again', async () => {
    const broken = dayOfKwh('S-3', 20, 7).replace('<value>0.098</value>', '<value>0.098</value><vaule>1</vaule>');
    const xml = createdReadings({ messageId: 'broken-1' }, dayOfKwh('S-3', 50, 5), dayOfKwh('S-2', 5), dayOfKwh('S-1', 5), broken, dayOfKwh('S-2', 3));
    const res = await both(xml);
    const r = replyOf(res.text);
    assert.deepEqual(r.codes, ['1.8']);
    assert.equal(r.xpaths[0], '/EventMessage/Payload/MeterReadings/MeterReading[4]/IntervalBlocks/IntervalReadings[14]/vaule');
    assert.match(r.details[0]!, /^line 6, column \d+: /);
    assert.equal(await count(streamed, 'S-3'), 10);
    const fixed = await both(xml.replace('<vaule>1</vaule>', ''));
    assert.equal(replyOf(fixed.text).result, 'OK');
    assert.equal(await count(streamed, 'S-3'), 50);
  });

  it('ReadingType definitions after the readings are accepted; a MeterReading after them is a schema error', async () => {
    const definition = `<ReadingType><mRID>${KWH}</mRID><accumulation>deltaData</accumulation></ReadingType>`;
    const ok = await both(createdReadings({ messageId: 'defs' }, dayOfKwh('S-1', 2), dayOfKwh('S-2', 2), dayOfKwh('S-3', 2), definition));
    assert.deepEqual(replyOf(ok.text).codes, ['0.0']);
    const bad = await both(createdReadings({ messageId: 'defs-bad' }, dayOfKwh('S-1', 2), dayOfKwh('S-2', 2), definition, dayOfKwh('S-3', 2)));
    assert.deepEqual(replyOf(bad.text).codes, ['1.8']);
    assert.match(replyOf(bad.text).xpaths[0]!, /MeterReading\[3\]$/);
  });

  it('a repeated MessageID gets the stored answer without storing again', async () => {
    const xml = createdReadings({ messageId: 'dup-1' }, meterReading('S-1', [{ type: KWH, readings: [{ ts: '2026-12-24T00:15:00Z', value: 1 }] }]));
    const first = await request(streamed.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);
    const again = await request(streamed.app).post('/cim/messages').set('content-type', 'application/xml').send(xml.replace('<value>1</value>', '<value>2</value>'));
    assert.equal(replyOf(again.text).messageId, replyOf(first.text).messageId);
    const [r] = await new SqliteReadingStore(streamed.db).read({ meters: ['S-1'], start: new Date('2026-12-24T00:00:00Z') }, { offset: 0, limit: 5 });
    assert.equal(r!.value, 1);
  });

  it('works inside a SOAP envelope', async () => {
    const res = await both(soap11(createdReadings({ messageId: 'soap-1' }, dayOfKwh('S-2', 4), dayOfKwh('NOPE', 1))), '/cim/soap', 'text/xml');
    assert.equal(replyOf(res.text).result, 'PARTIAL');
    assert.match(res.text, /<soap:Envelope/);
  });

  it('malformed XML late in the stream is refused like the buffered path (400), nothing stored', async () => {
    const xml = createdReadings({ messageId: 'malformed' }, dayOfKwh('S-1', 96, 9), dayOfKwh('S-2', 3, 9).replace('</IntervalBlocks>', '</IntervalBlock>'));
    const send = (gw: TestGateway) => request(gw.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);
    const [b, s] = [await send(buffered), await send(streamed)];
    assert.equal(s.status, 400);
    assert.equal(b.status, 400);
    assert.equal(s.body.title, b.body.title);
    const [first] = await new SqliteReadingStore(streamed.db).read({ meters: ['S-1'] }, { offset: 0, limit: 1 });
    assert.notEqual(first!.value, 0.009);
  });

  it('a large message that is not a MeterReadings payload is buffered and answered as usual', async () => {
    const res = await both(getReadingsRequest({ messageId: 'get-1' }, '<g:EndDevice><g:mRID>S-3</g:mRID></g:EndDevice>', { start: '2026-11-19T03:00:00Z', end: '2026-11-19T04:00:00Z' }));
    assert.deepEqual(replyOf(res.text).codes, ['0.0']);
  });
});
