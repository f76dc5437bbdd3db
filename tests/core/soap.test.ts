import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as soap from 'soap';
import request from 'supertest';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { message, soap11, soap12, replyOf } from '../helpers/messages.js';
import { probeNoun, probePayload, probeSchemaFolders } from '../helpers/probe-noun.js';

describe('SOAP binding', () => {
  let gw: TestGateway;
  let server: Server;
  let base: string;
  const probe = probeNoun();
  before(async () => {
    gw = testGateway({ schemas: { folders: probeSchemaFolders }, http: { port: 0 } }, { register: probe.register });
    server = await gw.listen();
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => gw.close());

  const post = (body: string, contentType = 'text/xml; charset=utf-8', action?: string) => {
    const r = request(gw.app).post('/cim/soap').set('content-type', contentType);
    if (action !== undefined) r.set('SOAPAction', action);
    return r.send(body);
  };

  it('SOAP 1.1: a RequestMessage in the Body is answered with a ResponseMessage in a 1.1 envelope', async () => {
    const res = await post(soap11(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 's-1' }, probePayload('S1'))), 'text/xml', '"http://iec.ch/TC57/2011/schema/message/Request"');
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type']!, /^text\/xml/);
    assert.match(res.text, /<soap:Envelope xmlns:soap="http:\/\/schemas.xmlsoap.org\/soap\/envelope\/"><soap:Body><m:ResponseMessage/);
    assert.equal(replyOf(res.text).result, 'OK');
  });

  it('SOAP 1.2 with the action in the Content-Type', async () => {
    const res = await post(soap12(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 's-2' }, probePayload('S2'))), 'application/soap+xml; charset=utf-8; action="http://iec.ch/TC57/2011/schema/message/Request"');
    assert.equal(res.status, 200);
    assert.match(res.text, /http:\/\/www.w3.org\/2003\/05\/soap-envelope/);
  });

  it('a functional error inside a good envelope is a Reply, not a Fault', async () => {
    const res = await post(soap11(message('RequestMessage', { verb: 'get', noun: 'Wombats', messageId: 's-3' })));
    assert.equal(res.status, 200);
    assert.doesNotMatch(res.text, /Fault/);
    assert.deepEqual(replyOf(res.text).codes, ['2.5']);
  });

  const faults: [string, () => ReturnType<typeof post>, number, RegExp][] = [
    ['non-XML body', () => post('this is not xml'), 500, /Malformed XML/],
    ['truncated XML', () => post(soap11(message('RequestMessage', { verb: 'get', noun: 'Probes' })).slice(0, 120)), 500, /Malformed XML: .*line 1/],
    ['not a SOAP envelope', () => post(message('RequestMessage', { verb: 'get', noun: 'Probes' })), 500, /Not a SOAP envelope/],
    ['an empty Body', () => post('<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body/></e:Envelope>'), 500, /exactly one message element, found 0/],
    ['a 1.2 envelope sent as text/xml', () => post(soap12(message('RequestMessage', { verb: 'get', noun: 'Probes' }))), 500, /VersionMismatch/],
    ['a wrong root inside the Body', () => post(soap11('<x:Other xmlns:x="urn:x"/>')), 500, /Not a 61968-100 message/],
    ['a SOAPAction that does not match the body', () => post(soap11(message('RequestMessage', { verb: 'get', noun: 'Probes' })), 'text/xml', '"http://iec.ch/TC57/2011/schema/message/PublishEvent"'), 500, /SOAPAction mismatch/],
    ['a DOCTYPE', () => post('<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x "y">]><e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body/></e:Envelope>'), 500, /DTD not allowed/],
    ['a wrong Content-Type', () => post(soap11(message('RequestMessage', { verb: 'get', noun: 'Probes' })), 'application/json'), 415, /Unsupported media type/],
  ];
  for (const [name, send, status, reason] of faults) {
    it(`a SOAP Fault for ${name}`, async () => {
      const res = await send();
      assert.equal(res.status, status);
      assert.match(res.text, /<soap:Fault>/);
      assert.match(res.text, reason);
      // The detail carries a 61968-100 FaultMessage with a code.
      if (status !== 415) assert.match(res.text, /<m:FaultMessage[^>]*>.*<m:code>1\.8<\/m:code>/);
    });
  }

  it('serves the generic WSDL with Request, PublishEvent and Response, and its schemas', async () => {
    const res = await request(gw.app).get('/cim/soap?wsdl');
    assert.equal(res.status, 200);
    for (const op of ['Request', 'PublishEvent', 'Response']) assert.match(res.text, new RegExp(`<wsdl:operation name="${op}">`));
    const xsd = await request(gw.app).get('/cim/xsd/message/Message.xsd');
    assert.equal(xsd.status, 200);
    assert.match(xsd.text, /targetNamespace="http:\/\/iec.ch\/TC57\/2011\/schema\/message"/);
    assert.equal((await request(gw.app).get('/cim/xsd/../package.json')).status, 404);
  });

  it('the soap package, generated from the generic WSDL, calls Request', async () => {
    const client = await soap.createClientAsync(`${base}/cim/soap?wsdl`);
    const [result] = await client.RequestAsync({
      Header: { Verb: 'create', Noun: 'Probes', Source: 'MDM', MessageID: 'soap-client-1' },
      Payload: { $xml: '<p:Probes xmlns:p="http://iec.ch/TC57/2011/Probes#"><p:Probe><p:mRID>C1</p:mRID></p:Probe></p:Probes>' },
    });
    assert.equal(result.Reply.Result, 'OK');
    assert.equal(result.Header.CorrelationID, 'soap-client-1');
    assert.equal(probe.stored.has('C1'), true);
    const [published] = await client.PublishEventAsync({
      Header: { Verb: 'created', Noun: 'Probes', Source: 'HES', MessageID: 'soap-client-2' },
      Payload: { $xml: '<p:Probes xmlns:p="http://iec.ch/TC57/2011/Probes#"><p:Probe><p:mRID>C2</p:mRID></p:Probe></p:Probes>' },
    });
    assert.equal(published.Reply.Result, 'OK');
    assert.equal(probe.stored.has('C2'), true);
    const [acked] = await client.ResponseAsync({ Header: { Verb: 'reply', Noun: 'Probes', CorrelationID: 'ours-1' }, Reply: { Result: 'OK' } });
    assert.equal(acked.Reply.Result, 'OK');
  });

  it('the soap package, generated from the typed WSDL, calls CreateProbes and GetProbes', async () => {
    const wsdl = await request(gw.app).get('/cim/soap/Probes?wsdl');
    assert.match(wsdl.text, /<wsdl:operation name="CreateProbes">/);
    assert.match(wsdl.text, /<wsdl:operation name="GetProbes">/);
    assert.match(wsdl.text, /<wsdl:operation name="CreatedProbes">/);
    const client = await soap.createClientAsync(`${base}/cim/soap/Probes?wsdl`);
    const [created] = await client.CreateProbesAsync({
      Header: { Verb: 'create', Noun: 'Probes', Source: 'MDM', MessageID: 'typed-1' },
      Payload: { Probes: { Probe: [{ mRID: 'T1', count: 4 }, { mRID: 'T2' }] } },
    });
    assert.equal(created.Reply.Result, 'OK');
    assert.equal(probe.stored.get('T1'), 4);
    const [got] = await client.GetProbesAsync({ Header: { Verb: 'get', Noun: 'Probes', MessageID: 'typed-2' }, Request: {} });
    assert.equal(got.Reply.Result, 'OK');
    const probes = [got.Payload.Probes.Probe].flat() as { mRID: string }[];
    assert.ok(probes.some((p) => p.mRID === 'T1'));
  });

  it('a typed message whose Header contradicts its wrapper gets 2.9', async () => {
    const xml = `<t:CreateProbes xmlns:t="http://iec.ch/TC57/2011/ProbesMessage" xmlns:m="http://iec.ch/TC57/2011/schema/message"><t:Header><m:Verb>get</m:Verb><m:Noun>Probes</m:Noun></t:Header>${probePayload('Z').replace(/m:Payload/g, 't:Payload')}</t:CreateProbes>`;
    const res = await post(soap11(xml));
    assert.deepEqual(replyOf(res.text).codes, ['2.9']);
    assert.match(res.text, /<tns:ProbesResponseMessage/);
  });
});

describe('typed answers follow the wrapper', () => {
  it('a typed request whose Header Noun contradicts its wrapper is answered 2.5 in the wrapper noun\'s typed response', async () => {
    const gw = testGateway({ schemas: { folders: probeSchemaFolders } }, { register: probeNoun().register });
    try {
      const xml = `<t:CreateProbes xmlns:t="http://iec.ch/TC57/2011/ProbesMessage" xmlns:m="http://iec.ch/TC57/2011/schema/message"><t:Header><m:Verb>create</m:Verb><m:Noun>Nonsense</m:Noun></t:Header>${probePayload('Q').replace(/m:Payload/g, 't:Payload')}</t:CreateProbes>`;
      const res = await request(gw.app).post('/cim/soap').set('content-type', 'text/xml').send(soap11(xml));
      assert.deepEqual(replyOf(res.text).codes, ['2.5']);
      assert.match(res.text, /<tns:ProbesResponseMessage[^>]*>/);
      assert.equal(replyOf(res.text).noun, 'Nonsense');
    } finally {
      await gw.close();
    }
  });
});
