import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { message, replyOf } from '../helpers/messages.js';
import { PROBES_NS, probeNoun, probePayload, probeSchemaFolders } from '../helpers/probe-noun.js';

describe('hostile input: node sizes', () => {
  let gw: TestGateway;
  const probe = probeNoun();
  before(() => {
    gw = testGateway({ schemas: { folders: probeSchemaFolders }, limits: { maxAttributeValueChars: 1024, maxTextChars: 4096, maxJsonDepth: 16 } }, { register: probe.register });
  });
  after(() => gw.close());
  const post = (body: string, type = 'application/xml') => request(gw.app).post('/cim/messages').set('content-type', type).send(body);

  it('an attribute value beyond maxAttributeValueChars: 413 problem+json, nothing stored', async () => {
    const payload = `<m:Payload><p:Probes xmlns:p="${PROBES_NS}"><p:Probe><p:mRID>H1</p:mRID><p:Kind ref="${'r'.repeat(2000)}"/></p:Probe></p:Probes></m:Payload>`;
    const res = await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'h-1' }, payload));
    assert.equal(res.status, 413);
    assert.equal(res.body.title, 'Attribute too long');
    assert.equal(probe.stored.has('H1'), false);
  });

  it('a text node beyond maxTextChars: 413 problem+json, nothing stored', async () => {
    const res = await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'h-2' }, probePayload(`H2${'x'.repeat(5000)}`)));
    assert.equal(res.status, 413);
    assert.equal(res.body.title, 'Text too long');
    assert.equal(probe.stored.size, 0);
  });

  it('JSON nested beyond maxJsonDepth: 400 problem+json', async () => {
    const deep = '{"a":'.repeat(40) + '1' + '}'.repeat(40);
    const res = await post(`{"RequestMessage":{"Header":{"Verb":"create","Noun":"Probes"},"Payload":${deep}}}`, 'application/json');
    assert.equal(res.status, 400);
    assert.match(res.headers['content-type']!, /problem\+json/);
  });

  it('a message within the limits is still processed', async () => {
    assert.equal(replyOf((await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'h-4' }, probePayload('H4')))).text).result, 'OK');
  });
});

/** A raw client that dribbles a request one byte at a time, until the server hangs up. */
function dribble(port: number, text: string, everyMs: number): { socket: Socket; closed: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  let i = 0;
  const timer = setInterval(() => {
    if (i < text.length && !socket.destroyed) socket.write(text[i++]!);
  }, everyMs);
  socket.on('data', (d) => (received += d.toString()));
  const closed = new Promise<string>((resolve) => socket.on('close', () => {
    clearInterval(timer);
    resolve(received);
  }));
  socket.on('error', () => undefined);
  return { socket, closed };
}

describe('hostile input: slow clients are cut without blocking others', () => {
  let gw: TestGateway;
  let server: Server;
  let port: number;
  const probe = probeNoun();
  before(async () => {
    gw = testGateway({ schemas: { folders: probeSchemaFolders }, http: { port: 0, headersTimeoutSeconds: 1, requestTimeoutSeconds: 2 } }, { register: probe.register });
    server = await gw.listen();
    port = (server.address() as AddressInfo).port;
  });
  after(() => gw.close());

  it('slow headers and a slow body are cut while a normal request completes', async () => {
    const body = message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'slow-1' }, probePayload('SLOW'));
    const slowHeaders = dribble(port, `POST /cim/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 150);
    const headers = `POST /cim/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: ${body.length}\r\n\r\n`;
    // Headers at once, then the body a byte at a time: only the request timeout can stop it.
    const slowBody = connect(port, '127.0.0.1');
    slowBody.write(headers);
    let sent = 0;
    const bodyTimer = setInterval(() => { if (sent < body.length && !slowBody.destroyed) slowBody.write(body[sent++]!); }, 150);
    let slowBodyAnswer = '';
    slowBody.on('data', (d) => (slowBodyAnswer += d.toString()));
    slowBody.on('error', () => undefined);
    const slowBodyClosed = new Promise<void>((resolve) => slowBody.on('close', () => { clearInterval(bodyTimer); resolve(); }));

    // Meanwhile an ordinary client is served.
    const normal = await fetch(`http://127.0.0.1:${port}/cim/messages`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'fast-1' }, probePayload('FAST')) });
    assert.equal(normal.status, 200);
    assert.equal(probe.stored.has('FAST'), true);

    const headerAnswer = await slowHeaders.closed;
    await slowBodyClosed;
    // Node answers 408 when it can, else just closes; either way the request never ran.
    for (const answer of [headerAnswer, slowBodyAnswer]) assert.ok(answer === '' || /^HTTP\/1\.1 408/.test(answer), answer.slice(0, 80));
    assert.equal(probe.stored.has('SLOW'), false);
    assert.ok(sent < body.length, 'the slow body was cut before it was complete');
  });
});
