import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { message, replyOf } from '../helpers/messages.js';
import { PROBES_NS, probeNoun, probeSchemaFolders } from '../helpers/probe-noun.js';

describe('bad input over REST: a clear answer, nothing stored, the process stays up', () => {
  let gw: TestGateway;
  const probe = probeNoun();
  before(() => {
    gw = testGateway({ schemas: { folders: probeSchemaFolders }, limits: { maxBodyBytes: 64 * 1024, maxDepth: 32, maxDecompressedBytes: 100_000 } }, { register: probe.register });
  });
  after(() => gw.close());
  const post = (body: string | Buffer, type = 'application/xml') => request(gw.app).post('/cim/messages').set('content-type', type).send(body);
  const storedBefore = () => probe.stored.size;

  const problems: [string, () => ReturnType<typeof post>, number, string][] = [
    ['non-XML', () => post('hello'), 400, 'Malformed XML'],
    ['truncated XML', () => post(message('RequestMessage', { verb: 'create', noun: 'Probes' }).slice(0, 100)), 400, 'Malformed XML'],
    ['a DOCTYPE with an internal entity (billion laughs)', () => post('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><m:RequestMessage xmlns:m="http://iec.ch/TC57/2011/schema/message">&lol2;</m:RequestMessage>'), 400, 'DTD not allowed'],
    ['an external entity (XXE)', () => post('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'), 400, 'DTD not allowed'],
    ['a wrong root', () => post('<RequestMessage/>'), 400, 'Not a 61968-100 message'],
    ['over-deep nesting', () => post(message('RequestMessage', { verb: 'create', noun: 'Probes' }, `<m:Payload>${'<x:a xmlns:x="urn:x">'.repeat(40)}${'</x:a>'.repeat(40)}</m:Payload>`)), 400, 'XML too deep'],
    ['nesting beyond what libxml2 parses at all', () => post(`<a>${'<a>'.repeat(300)}${'</a>'.repeat(300)}</a>`), 400, 'XML too deep'],
    ['an oversize body', () => post(message('RequestMessage', { verb: 'create', noun: 'Probes' }, `<m:Comment>${'x'.repeat(70 * 1024)}</m:Comment>`)), 413, 'Message too large'],
    ['a wrong Content-Type', () => post(message('RequestMessage', { verb: 'create', noun: 'Probes' }), 'text/plain'), 415, 'Unsupported media type'],
  ];
  for (const [name, send, status, title] of problems) {
    it(`problem+json ${status} for ${name}`, async () => {
      const n = storedBefore();
      const res = await send();
      assert.equal(res.status, status);
      assert.match(res.headers['content-type']!, /application\/problem\+json/);
      assert.equal(res.body.title, title);
      assert.equal(res.body.status, status);
      assert.equal(probe.stored.size, n);
    });
  }

  it('reports where a truncated document broke', async () => {
    const res = await post('<m:RequestMessage xmlns:m="http://iec.ch/TC57/2011/schema/message">\n<m:Header>\n<m:Verb>get');
    assert.equal(res.body.line, 3);
  });

  it('406 when neither XML nor JSON is acceptable', async () => {
    const res = await request(gw.app).post('/cim/messages').set('content-type', 'application/xml').set('accept', 'text/csv').send('<x/>');
    assert.equal(res.status, 406);
  });

  describe('Compressed payloads', () => {
    const compressed = (xml: string) => `<m:Payload><m:Compressed>${gzipSync(xml).toString('base64')}</m:Compressed></m:Payload>`;
    const probes = (m: string) => `<Probes xmlns="${PROBES_NS}"><Probe><mRID>${m}</mRID></Probe></Probes>`;

    it('are inflated, validated and processed like plain ones', async () => {
      const res = await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'z-1' }, compressed(probes('Z1'))));
      assert.equal(replyOf(res.text).result, 'OK');
      assert.equal(probe.stored.has('Z1'), true);
    });

    it('an invalid inner document is 1.8 with its path', async () => {
      const res = await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'z-2' }, compressed(`<Probes xmlns="${PROBES_NS}"><Probe><mRIDD>x</mRIDD></Probe></Probes>`)));
      const r = replyOf(res.text);
      assert.deepEqual(r.codes, ['1.8']);
      assert.equal(r.xpaths[0], '/RequestMessage/Payload/Compressed/Probes/Probe/mRIDD');
    });

    it('a zip bomb is refused by its inflated size, not by trying', async () => {
      const bomb = `<Probes xmlns="${PROBES_NS}"><Probe><mRID>${'a'.repeat(5_000_000)}</mRID></Probe></Probes>`;
      const res = await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'z-3' }, compressed(bomb)));
      const r = replyOf(res.text);
      assert.deepEqual(r.codes, ['1.8']);
      assert.match(r.details[0]!, /inflates beyond 100000 bytes/);
    });

    it('garbage that is not base64 gzip is 1.8', async () => {
      const res = await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'z-4' }, '<m:Payload><m:Compressed>bm90IGd6aXA=</m:Compressed></m:Payload>'));
      assert.deepEqual(replyOf(res.text).codes, ['1.8']);
    });
  });

  it('still serves after all of that', async () => {
    assert.equal((await request(gw.app).get('/healthz')).status, 200);
    const ready = await request(gw.app).get('/readyz');
    assert.deepEqual([ready.status, ready.body], [200, { status: 'ready', checks: { database: true } }]);
  });
});
