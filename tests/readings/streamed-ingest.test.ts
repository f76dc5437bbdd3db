import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { SqliteReadingStore } from '../../gateway/adapters/sqlite/reading-store.sqlite.js';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { replyOf, sample, soap11 } from '../helpers/messages.js';
import { message } from '../helpers/messages.js';
import { createdReadings, dayOfKwh, getReadingsRequest, KWH, meterReading, MR_NS, provision } from './readings-helpers.js';

const METERS = [{ mRID: 'MTR-000101' }, { mRID: 'S-1' }, { mRID: 'S-2' }, { mRID: 'S-3' }, { mRID: 'H-1' }, { mRID: 'H-2' }, { mRID: 'A&B' }, { mRID: 'F-1' }, { mRID: 'F-2' }, { mRID: 'F-3' }];

/**
 * The same messages through a gateway that buffers (default threshold) and one that streams every
 * XML body (threshold 1 byte, validation in the worker thread): the answers must be the same.
 */
describe('streamed ingest answers like the buffered path', () => {
  let buffered: TestGateway;
  let streamed: TestGateway;
  before(async () => {
    buffered = testGateway();
    // Two validation threads and staging every 3 MeterReadings: batches finish out of order, staging lags the reader.
    streamed = testGateway({ readings: { streaming: { thresholdBytes: 1, fragmentsPerBatch: 2, inFlightBatches: 2, validationWorkers: 2, stagingFragments: 3, warmWorkers: true } } });
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

  const readings = async (gw: TestGateway, meter: string) => new SqliteReadingStore(gw.db).read({ meters: [meter] }, { offset: 0, limit: 1000 });
  const payload = (id: string, content: string) => message('EventMessage', { verb: 'created', noun: 'MeterReadings', source: 'HES', messageId: id }, `<m:Payload>${content}</m:Payload>`);

  it('hostile but valid content (prefixes, comments, processing instructions, CDATA, references, CRLF, a variant namespace) is stored alike on both paths', async () => {
    const r = (ts: string, v: string, extra = '') => `<r:IntervalReadings>${extra}<r:timeStamp>${ts}</r:timeStamp><r:value>${v}</r:value></r:IntervalReadings>`;
    const xml = payload('hostile-ok', `<r:MeterReadings xmlns:r="${MR_NS}">\r\n<!-- </r:MeterReadings> --><?pi <MeterReading> ?>\r\n`
      + `<r:MeterReading><r:IntervalBlocks>${r('<![CDATA[2026-11-19T03:15:00Z]]>', '1<!-- </r:value> -->.5')}${r('2026-11-19T03:30:00Z', '\r\n 2 ', '<r:source>a &amp; &lt;b&gt; <![CDATA[</r:MeterReading>]]></r:source>')}`
      + `<?between readings?>${r('2026-11-19T03:45:00.5+00:00', '-.5')}`
      + `<r:IntervalReadings><r:timeStamp>2026-11-19T04:00:00Z</r:timeStamp><r:ReadingQualities><r:ReadingQualityType ref="2.4&#46;1"/></r:ReadingQualities></r:IntervalReadings>`
      + `<r:ReadingType ref='${KWH}'/></r:IntervalBlocks><r:Meter><r:mRID>H-1</r:mRID></r:Meter></r:MeterReading><?between fragments?>`
      + `<MeterReading xmlns="http://www.iec.ch/TC57/2011/MeterReadings#"><IntervalBlocks><IntervalReadings><timeStamp>2026-11-19T03:15:00Z</timeStamp><value>7</value></IntervalReadings>`
      + `<ReadingType ref="${KWH}"/></IntervalBlocks><Meter><mRID>H-2</mRID></Meter></MeterReading>`
      + `<r:MeterReading><r:IntervalBlocks>${r('2026-11-19T03:15:00Z', '8')}<r:ReadingType ref="${KWH}"/></r:IntervalBlocks><r:Meter><r:mRID>A&amp;B</r:mRID></r:Meter></r:MeterReading>`
      + `\n<!-- trailing --><?end?>\n</r:MeterReadings>`);
    const res = await both(xml);
    assert.deepEqual(replyOf(res.text).codes, ['0.0'], replyOf(res.text).details.join('; '));
    for (const meter of ['H-1', 'H-2', 'A&B']) {
      const [b, s] = [await readings(buffered, meter), await readings(streamed, meter)];
      assert.ok(s.length > 0, meter);
      assert.deepEqual(s, b, meter);
    }
    assert.deepEqual((await readings(streamed, 'H-1')).map((x) => [x.value, x.source, x.qualities]), [[1.5, undefined, []], [2, 'a & <b> </r:MeterReading>', []], [-0.5, undefined, []], [undefined, undefined, ['2.4.1']]]);
  });

  it('what libxml2 refuses anywhere in the payload is refused alike, and nothing is stored', async () => {
    const ok = dayOfKwh('S-2', 4, 7777);
    const cases: [string, string][] = [
      ['comment with --', `${ok}<!-- a -- b -->${ok}`],
      ['xml declaration in content', `${ok}<?xml version="1.0"?>${ok}`],
      ['undefined entity', ok.replace('<mRID>S-2</mRID>', '<mRID>S&nbsp;2</mRID>')],
      ['< in an attribute value', ok.replace(`ref="${KWH}"`, 'ref="a<b"')],
      ['mismatched end tag', ok.replace('</Meter>', '</Metre>')],
      ['unclosed CDATA', `${ok}${ok.replace('<value>7.777</value>', '<value><![CDATA[1</value>')}`],
      ['malformed trailing comment', `${ok}\n<!-- x -- y -->`],
    ];
    for (const [name, content] of cases) {
      const xml = createdReadings({ messageId: `refused-${name}` }, content);
      const send = (gw: TestGateway) => request(gw.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);
      const [b, s] = [await send(buffered), await send(streamed)];
      assert.equal(b.status, 400, `${name}: buffered ${b.text}`);
      assert.equal(s.status, 400, `${name}: streamed ${s.text}`);
      assert.equal(s.body.title, b.body.title, name);
    }
    const bad = createdReadings({ messageId: 'tail-bad' }, ok).replace('</m:Payload>', '</m:Payload><junk>');
    const [b, s] = [await request(buffered.app).post('/cim/messages').set('content-type', 'application/xml').send(bad), await request(streamed.app).post('/cim/messages').set('content-type', 'application/xml').send(bad)];
    assert.deepEqual([s.status, s.body.title], [b.status, b.body.title]);
    assert.equal((await readings(streamed, 'S-2')).some((x) => x.value === 7.777), false);
  });

  it('a schema error on a prefixed MeterReading after the definitions is found (local names), with its position', async () => {
    const xml = payload('late-prefixed', `<r:MeterReadings xmlns:r="${MR_NS}">${dayOfKwh('S-1', 2).replace(/<(\/?)/g, '<$1r:')}<r:ReadingType><r:mRID>${KWH}</r:mRID></r:ReadingType>\n  ${dayOfKwh('S-3', 2).replace(/<(\/?)/g, '<$1r:')}</r:MeterReadings>`);
    const res = await both(xml);
    assert.deepEqual(replyOf(res.text).codes, ['1.8']);
    assert.match(replyOf(res.text).xpaths[0]!, /MeterReading\[2\]$/);
  });

  it('an attribute the schema does not allow is a 1.8 with the same line, column and path', async () => {
    const xml = createdReadings({ messageId: 'attr' }, dayOfKwh('S-1', 2), dayOfKwh('S-2', 3).replace('<IntervalReadings>', '<IntervalReadings\n foo="1">'));
    const res = await both(xml);
    assert.deepEqual(replyOf(res.text).codes, ['1.8']);
  });

  it('a staging failure mid-stream (staging runs behind the reader) fails the message and stores nothing', async () => {
    const original = SqliteReadingStore.prototype.stageSeries;
    let calls = 0;
    SqliteReadingStore.prototype.stageSeries = async function (this: SqliteReadingStore, ...args: Parameters<typeof original>) {
      if (++calls === 2) throw new Error('disk full');
      return original.apply(this, args);
    };
    const xml = createdReadings({ messageId: 'stage-fails' }, ...['F-1', 'F-2', 'F-3', 'F-1', 'F-2', 'F-3', 'F-1', 'F-2', 'F-3', 'F-1'].map((m, i) => dayOfKwh(m, 4, 20 + i)));
    let res;
    try {
      res = await request(streamed.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);
    } finally {
      SqliteReadingStore.prototype.stageSeries = original;
    }
    assert.ok(calls >= 2);
    assert.ok(res.status >= 500, `status ${res.status}`);
    assert.deepEqual([await count(streamed, 'F-1'), await count(streamed, 'F-3')], [0, 0]);
    const again = await request(streamed.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);
    assert.equal(replyOf(again.text).result, 'OK');
    assert.deepEqual([await count(streamed, 'F-1'), await count(streamed, 'F-3')], [4, 4]);
  });

  it('a UTF-8 byte order mark before the message is accepted on both paths', async () => {
    const res = await both(`\uFEFF${createdReadings({ messageId: 'bom' }, dayOfKwh('S-3', 2))}`);
    assert.deepEqual(replyOf(res.text).codes, ['0.0']);
  });
});
