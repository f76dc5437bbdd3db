import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { message, MSG, replyOf } from '../helpers/messages.js';
import { probeNoun, probePayload, probeSchemaFolders } from '../helpers/probe-noun.js';

describe('protocol core over REST/XML', () => {
  let gw: TestGateway;
  const probe = probeNoun();
  before(() => {
    gw = testGateway({ schemas: { folders: probeSchemaFolders }, protocol: { acceptedRevisions: ['1.0', '2.0'], requireMessageIdFrom: ['STRICT-MDM'] } }, { register: probe.register });
  });
  after(() => gw.close());

  const post = (xml: string) => request(gw.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);

  it('routes (create, Probes) and answers a ResponseMessage correlated to the request', async () => {
    const res = await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'm-1' }, probePayload('P1', 'P2')));
    assert.equal(res.status, 200);
    const r = replyOf(res.text);
    assert.equal(r.verb, 'reply');
    assert.equal(r.noun, 'Probes');
    assert.equal(r.result, 'OK');
    assert.deepEqual(r.codes, ['0.0']);
    assert.equal(r.correlationId, 'm-1');
    assert.notEqual(r.messageId, 'm-1');
    assert.equal(probe.stored.get('P2'), 2);
  });

  it('answers with the request CorrelationID when the request carried one', async () => {
    const res = await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'm-corr', correlationId: 'mdm-key-7' }, probePayload('P3')));
    assert.equal(replyOf(res.text).correlationId, 'mdm-key-7');
  });

  it('replays the stored answer for a repeated (Source, MessageID) without running the handler again', async () => {
    const xml = message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'm-dup', source: 'MDM' }, probePayload('D1'));
    const before = probe.calls.length;
    const first = await post(xml);
    const second = await post(xml);
    assert.equal(probe.calls.length, before + 1);
    assert.equal(replyOf(second.text).messageId, replyOf(first.text).messageId);
    // Same MessageID from another Source is another message.
    await post(xml.replace('<m:Source>MDM</m:Source>', '<m:Source>OMS</m:Source>'));
    assert.equal(probe.calls.length, before + 2);
  });

  it('assigns a MessageID when the sender gave none, and runs such messages every time', async () => {
    const xml = message('RequestMessage', { verb: 'create', noun: 'Probes' }, probePayload('N1'));
    const a = replyOf((await post(xml)).text);
    const b = replyOf((await post(xml)).text);
    assert.match(a.correlationId!, /^[0-9a-f-]{36}$/);
    assert.notEqual(a.correlationId, b.correlationId);
  });

  it('requires a MessageID from a peer configured as strict (1.5)', async () => {
    const res = await post(message('RequestMessage', { verb: 'create', noun: 'Probes', source: 'STRICT-MDM' }, probePayload('S1')));
    const r = replyOf(res.text);
    assert.equal(res.status, 400);
    assert.deepEqual(r.codes, ['1.5']);
    assert.deepEqual(r.xpaths, ['/RequestMessage/Header/MessageID']);
  });

  it('1.5 for a Header without Verb or Noun', async () => {
    const r = replyOf((await post(message('RequestMessage', { noun: 'Probes', messageId: 'no-verb' }, probePayload('X')))).text);
    assert.equal(r.result, 'FAILED');
    assert.deepEqual(r.codes, ['1.5']);
    assert.deepEqual(r.xpaths, ['/RequestMessage/Header/Verb']);
    const r2 = replyOf((await post(message('RequestMessage', { messageId: 'no-both' }))).text);
    assert.deepEqual(r2.codes, ['1.5', '1.5']);
  });

  it('1.8 with line, column and element path for a schema violation; nothing is executed', async () => {
    const before = probe.calls.length;
    const xml = message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'bad-1' },
      `<m:Payload>\n<p:Probes xmlns:p="http://iec.ch/TC57/2011/Probes#">\n<p:Probe><p:mRID>A</p:mRID></p:Probe>\n<p:Probe><p:mRID>B</p:mRID><p:cuont>3</p:cuont></p:Probe>\n</p:Probes></m:Payload>`);
    const res = await post(xml);
    const r = replyOf(res.text);
    assert.equal(res.status, 400);
    assert.deepEqual(r.codes, ['1.8']);
    assert.deepEqual(r.xpaths, ['/RequestMessage/Payload/Probes/Probe[2]/cuont']);
    assert.match(r.details[0]!, /^line 5, column 28: Element 'cuont': This element is not expected/);
    assert.equal(probe.calls.length, before);
  });

  it('1.8 for a typed value error, pointing at the element', async () => {
    const xml = message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'bad-2' }, `<m:Payload><p:Probes xmlns:p="http://iec.ch/TC57/2011/Probes#"><p:Probe><p:mRID>A</p:mRID><p:count>many</p:count></p:Probe></p:Probes></m:Payload>`);
    const r = replyOf((await post(xml)).text);
    assert.deepEqual(r.xpaths, ['/RequestMessage/Payload/Probes/Probe/count']);
    assert.match(r.details[0]!, /'many' is not a valid value/);
  });

  it('2.5 for an unknown noun, 2.9 for a verb the noun does not support or that is not a verb', async () => {
    const unknownNoun = replyOf((await post(message('RequestMessage', { verb: 'get', noun: 'Wombats', messageId: 'u1' }))).text);
    assert.deepEqual(unknownNoun.codes, ['2.5']);
    assert.deepEqual(unknownNoun.xpaths, ['/RequestMessage/Header/Noun']);
    const unsupported = await post(message('RequestMessage', { verb: 'delete', noun: 'Probes', messageId: 'u2' }, probePayload('X')));
    assert.equal(unsupported.status, 422);
    assert.deepEqual(replyOf(unsupported.text).codes, ['2.9']);
    const notAVerb = replyOf((await post(message('RequestMessage', { verb: 'obliterate', noun: 'Probes', messageId: 'u3' }))).text);
    assert.deepEqual(notAVerb.codes, ['2.9']);
    const pastInRequest = replyOf((await post(message('RequestMessage', { verb: 'created', noun: 'Probes', messageId: 'u4' }, probePayload('X')))).text);
    assert.deepEqual(pastInRequest.codes, ['2.9']);
  });

  it('1.7 when a create has no Payload, 1.6 when a get that needs one has no Request', async () => {
    assert.deepEqual(replyOf((await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'p1' }))).text).codes, ['1.7']);
    assert.deepEqual(replyOf((await post(message('RequestMessage', { verb: 'get', noun: 'Probes', messageId: 'p2' }))).text).codes, ['1.6']);
  });

  it('1.8 when the Payload holds another noun than the Header names', async () => {
    const xml = message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'mismatch' },
      '<m:Payload><c:EndDeviceControls xmlns:c="http://iec.ch/TC57/2011/EndDeviceControls#"><c:EndDeviceControl><c:EndDeviceControlType ref="3.31.0.23"/></c:EndDeviceControl></c:EndDeviceControls></m:Payload>');
    const r = replyOf((await post(xml)).text);
    assert.deepEqual(r.codes, ['1.8']);
    assert.deepEqual(r.xpaths, ['/RequestMessage/Payload/EndDeviceControls']);
  });

  it('1.9 for a Revision outside the configured list', async () => {
    const r = replyOf((await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'rev', revision: '3.0' }, probePayload('R')))).text);
    assert.deepEqual(r.codes, ['1.9']);
    const okRev = replyOf((await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'rev2', revision: '2.0' }, probePayload('R')))).text);
    assert.equal(okRev.result, 'OK');
  });

  it('PARTIAL with per-item errors; FAILED with the handler code when nothing succeeded', async () => {
    const partial = replyOf((await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'part' }, probePayload('G1', 'unknown-1')))).text);
    assert.equal(partial.result, 'PARTIAL');
    assert.deepEqual(partial.codes, ['2.4']);
    const none = await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'none' }, probePayload('unknown-2')));
    assert.equal(none.status, 422);
    assert.equal(replyOf(none.text).result, 'FAILED');
  });

  it('a technical failure is a problem+json 500 without internals, and the key is released for a retry', async () => {
    const xml = message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'crash-1' }, probePayload('crash'));
    const res = await post(xml);
    assert.equal(res.status, 500);
    assert.match(res.headers['content-type']!, /application\/problem\+json/);
    assert.doesNotMatch(res.text, /database unavailable|at .*\.ts/);
    const before = probe.calls.length;
    await post(xml);
    assert.equal(probe.calls.length, before + 1, 'the retry ran again');
  });

  it('get answers with the noun in Payload', async () => {
    const res = await post(message('RequestMessage', { verb: 'get', noun: 'Probes', messageId: 'g1' }, '<m:Request/>'));
    assert.equal(res.status, 200);
    assert.match(res.text, /<Probes xmlns="http:\/\/iec.ch\/TC57\/2011\/Probes#"><Probe><mRID>P1<\/mRID>/);
  });

  it('a peer ResponseMessage (the Response operation) is acknowledged', async () => {
    const res = await post(`<m:ResponseMessage xmlns:m="${MSG}"><m:Header><m:Verb>reply</m:Verb><m:Noun>Probes</m:Noun><m:CorrelationID>abc</m:CorrelationID></m:Header><m:Reply><m:Result>OK</m:Result></m:Reply></m:ResponseMessage>`);
    assert.equal(res.status, 200);
    assert.equal(replyOf(res.text).result, 'OK');
  });
});

describe('metrics', () => {
  it('counts answers by verb, noun, result and code, rejections by reason, and the outbox backlog', async () => {
    const gw = testGateway({ schemas: { folders: probeSchemaFolders } }, { register: probeNoun().register });
    try {
      const post = (xml: string) => request(gw.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);
      await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'mx-1' }, probePayload('M1')));
      await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'mx-2' }, '<m:Payload><p:Probes xmlns:p="http://iec.ch/TC57/2011/Probes#"><p:Nope/></p:Probes></m:Payload>'));
      await post('not xml');
      const res = await request(gw.app).get('/metrics');
      assert.equal(res.status, 200);
      assert.match(res.text, /cim_messages_total\{transport="rest",verb="create",noun="Probes",result="OK",code="0.0"\} 1/);
      assert.match(res.text, /cim_validation_failures_total\{noun="Probes"\} 1/);
      assert.match(res.text, /cim_rejections_total\{transport="rest",reason="Malformed XML"\} 1/);
      assert.match(res.text, /cim_message_duration_seconds_count\{transport="rest",verb="create",noun="Probes"\} 2/);
    } finally {
      await gw.close();
    }
  });
});

describe('element paths with names beyond ASCII', () => {
  it('report 1.8 with the path of an element whose name has non-ASCII letters', async () => {
    const gw = testGateway({ schemas: { folders: probeSchemaFolders } }, { register: probeNoun().register });
    try {
      const res = await request(gw.app).post('/cim/messages').set('content-type', 'application/xml')
        .send(message('RequestMessage', { verb: 'get', noun: 'Probes', messageId: 'utf-1' }, '<m:Requesé/>'));
      const r = replyOf(res.text);
      assert.deepEqual(r.codes, ['1.8']);
      assert.deepEqual(r.xpaths, ['/RequestMessage/Requesé']);
    } finally {
      await gw.close();
    }
  });
});
