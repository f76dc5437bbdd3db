import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { message, replyOf } from '../helpers/messages.js';
import { probeNoun, probePayload, probeSchemaFolders } from '../helpers/probe-noun.js';

describe('REST with the JSON mapping', () => {
  let gw: TestGateway;
  const probe = probeNoun();
  before(() => {
    gw = testGateway({ schemas: { folders: probeSchemaFolders } }, { register: probe.register });
  });
  after(() => gw.close());
  const postJson = (body: unknown, accept?: string) => {
    const r = request(gw.app).post('/cim/messages').set('content-type', 'application/json');
    if (accept) r.set('accept', accept);
    return r.send(typeof body === 'string' ? body : JSON.stringify(body));
  };

  const create = (mrid: string, messageId: string) => ({
    RequestMessage: {
      Header: { Verb: 'create', Noun: 'Probes', Source: 'MDM', MessageID: messageId },
      Payload: { Probes: { Probe: [{ mRID: mrid, count: 7, Names: [{ name: 'n1' }], Kind: { '@ref': '3.26.0.85' } }] } },
    },
  });

  it('takes the JSON form and answers in JSON by default, with namespaces from position', async () => {
    const res = await postJson(create('J1', 'j-1'));
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type']!, /application\/json/);
    const reply = res.body.ResponseMessage;
    assert.equal(reply.Header.Verb, 'reply');
    assert.equal(reply.Header.CorrelationID, 'j-1');
    assert.equal(reply.Reply.Result, 'OK');
    // Error is repeatable in the schema, so it is an array even with one entry.
    assert.deepEqual(reply.Reply.Error, [{ code: '0.0', level: 'INFORM', reason: 'no errors' }]);
    assert.equal(probe.stored.get('J1'), 7);
  });

  it('answers in XML when asked, with the same reply', async () => {
    const res = await postJson(create('J2', 'j-2'), 'application/xml');
    assert.match(res.headers['content-type']!, /application\/xml/);
    assert.equal(replyOf(res.text).result, 'OK');
  });

  it('gives XML senders JSON when they ask for it; repeatable payload elements are arrays', async () => {
    const xml = message('RequestMessage', { verb: 'get', noun: 'Probes', messageId: 'j-3' }, '<m:Request/>');
    const res = await request(gw.app).post('/cim/messages').set('content-type', 'application/xml').set('accept', 'application/json').send(xml);
    const probes = res.body.ResponseMessage.Payload.Probes;
    assert.ok(Array.isArray(probes.Probe));
    assert.ok(probes.Probe.some((p: { mRID: string; count: string }) => p.mRID === 'J1' && p.count === '7'));
  });

  it('reports schema errors by element path (no line numbers: the sender wrote no XML)', async () => {
    const bad = create('J4', 'j-4');
    (bad.RequestMessage.Payload.Probes.Probe[0] as Record<string, unknown>).colour = 'red';
    const res = await postJson(bad);
    assert.equal(res.status, 400);
    const err = res.body.ResponseMessage.Reply.Error[0];
    assert.equal(err.code, '1.8');
    assert.equal(err.xpath, '/RequestMessage/Payload/Probes/Probe/colour');
    assert.doesNotMatch(err.details, /line \d/);
  });

  it('round-trips: the JSON answer of a get, posted back as a create payload, validates', async () => {
    const got = await postJson({ RequestMessage: { Header: { Verb: 'get', Noun: 'Probes', MessageID: 'j-5' }, Request: {} } });
    const payload = got.body.ResponseMessage.Payload;
    const res = await postJson({ RequestMessage: { Header: { Verb: 'create', Noun: 'Probes', MessageID: 'j-6' }, Payload: payload } });
    assert.equal(res.body.ResponseMessage.Reply.Result, 'OK');
  });

  const shapes: [string, unknown, RegExp][] = [
    ['malformed JSON', '{"RequestMessage": ', /not valid JSON/],
    ['an array at the top', [1, 2], /one key/],
    ['two top-level keys', { RequestMessage: {}, Other: {} }, /exactly one top-level key/],
    ['an unknown message name', { Hello: {} }, /not a 61968-100 message name/],
    ['a nested array', { RequestMessage: { Header: { Verb: [[1]] } } }, /not nested in another array/],
    ['an object as attribute value', { RequestMessage: { Header: { Verb: { '@x': {} } } } }, /attribute @x/],
    ['an invalid element name', { RequestMessage: { 'no spaces allowed': 1 } }, /not an XML element name/],
  ];
  for (const [name, body, detail] of shapes) {
    it(`problem+json 400 for ${name}`, async () => {
      const res = await postJson(body);
      assert.equal(res.status, 400);
      assert.match(res.headers['content-type']!, /application\/problem\+json/);
      assert.match(res.body.detail, detail);
    });
  }

  it('problem+json 400 for JSON nested deeper than the limit', async () => {
    let deep: Record<string, unknown> = { x: 1 };
    for (let i = 0; i < 100; i++) deep = { a: deep };
    const res = await postJson({ RequestMessage: deep });
    assert.equal(res.status, 400);
    assert.match(res.body.detail, /nesting exceeds/);
  });

  it('accepts the sample payload shape as in the spec example', async () => {
    const res = await postJson({ RequestMessage: { Header: { Verb: 'create', Noun: 'Probes', MessageID: 'j-7' }, Payload: { Probes: { Probe: { mRID: 'single', Kind: { '@ref': '0.0.2' } } } } } });
    assert.equal(res.body.ResponseMessage.Reply.Result, 'OK');
    assert.ok(probePayload);
  });
});
