import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { canonicalNs, normaliseNamespaces } from '../../gateway/xml/namespaces.js';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { message, replyOf } from '../helpers/messages.js';
import { probeNoun, probePayload, probeSchemaFolders } from '../helpers/probe-noun.js';

describe('namespace variants seen in the field', () => {
  it('maps the EPRI www spelling and later-year wrappers to the 2011 published form', () => {
    assert.equal(canonicalNs('http://www.iec.ch/TC57/2011/schema/message'), 'http://iec.ch/TC57/2011/schema/message');
    assert.equal(canonicalNs('http://iec.ch/TC57/2013/EndDeviceControlsMessage'), 'http://iec.ch/TC57/2011/EndDeviceControlsMessage');
    assert.equal(canonicalNs('http://www.iec.ch/TC57/2011/MeterReadings#'), 'http://iec.ch/TC57/2011/MeterReadings#');
    assert.equal(canonicalNs('http://iec.ch/TC57/2011/schema/message'), undefined);
    // A later noun schema is another schema, not a spelling variant.
    assert.equal(canonicalNs('http://iec.ch/TC57/2016/MeterReadings#'), undefined);
  });

  it('keeps every character offset, so positions reported still point into what was sent', () => {
    const sent = '<m:RequestMessage xmlns:m="http://www.iec.ch/TC57/2011/schema/message">\n  <m:Header/></m:RequestMessage>';
    const { xml } = normaliseNamespaces(sent);
    assert.equal(xml.length, sent.length);
    assert.equal(xml.indexOf('<m:Header'), sent.indexOf('<m:Header'));
  });

  describe('end to end', () => {
    let gw: TestGateway;
    const probe = probeNoun();
    before(() => {
      gw = testGateway({ schemas: { folders: probeSchemaFolders } }, { register: probe.register });
    });
    after(() => gw.close());
    const post = (xml: string) => request(gw.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);

    it('accepts the EPRI namespace and answers in it', async () => {
      const res = await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'epri-1' }, probePayload('E1'), 'http://www.iec.ch/TC57/2011/schema/message'));
      assert.equal(replyOf(res.text).result, 'OK');
      assert.match(res.text, /xmlns:m="http:\/\/www.iec.ch\/TC57\/2011\/schema\/message"/);
    });

    it('accepts a later-year typed wrapper and answers in it', async () => {
      const ns = 'http://iec.ch/TC57/2016/ProbesMessage';
      const xml = `<t:CreateProbes xmlns:t="${ns}" xmlns:m="http://iec.ch/TC57/2011/schema/message"><t:Header><m:Verb>create</m:Verb><m:Noun>Probes</m:Noun><m:MessageID>y-1</m:MessageID></t:Header>${probePayload('Y1').replace(/m:Payload/g, 't:Payload')}</t:CreateProbes>`;
      const res = await post(xml);
      assert.equal(replyOf(res.text).result, 'OK');
      assert.match(res.text, new RegExp(`<tns:ProbesResponseMessage[^>]*xmlns:tns="${ns}"`));
    });

    it('an unrelated namespace on the root is not a 61968-100 message', async () => {
      const res = await post(message('RequestMessage', { verb: 'get', noun: 'Probes' }, '', 'http://example.com/not-iec'));
      assert.equal(res.status, 400);
      assert.match(res.headers['content-type']!, /problem\+json/);
      assert.equal(res.body.title, 'Not a 61968-100 message');
    });
  });
});
