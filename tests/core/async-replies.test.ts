import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { receiver, testGateway, type TestGateway } from '../helpers/gateway.js';
import { message, replyOf } from '../helpers/messages.js';
import { probeNoun, probePayload, probeSchemaFolders } from '../helpers/probe-noun.js';

describe('async requests: 0.3 now, the ResponseMessage later through the durable outbox', () => {
  let gw: TestGateway;
  let peer: Awaited<ReturnType<typeof receiver>>;
  let peerStatus = 200;
  const probe = probeNoun();
  before(async () => {
    peer = await receiver(() => peerStatus);
    gw = testGateway({
      schemas: { folders: probeSchemaFolders },
      replies: { defaultProtocol: 'SOAP', protocolByAddress: { [peer.url.replace('/replies', '/rest')]: 'REST' } },
      outbox: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 },
    }, { register: probe.register });
  });
  after(async () => {
    await gw.close();
    await peer.close();
  });

  const post = (xml: string) => request(gw.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);
  const drainUntil = async (done: () => boolean) => {
    for (let i = 0; i < 50 && !done(); i++) {
      await gw.drain();
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  it('acknowledges with 0.3, runs the request, and delivers the reply over SOAP to ReplyAddress', async () => {
    const res = await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'a-1', asyncReplyFlag: true, replyAddress: peer.url }, probePayload('A1')));
    assert.equal(res.status, 202);
    const ack = replyOf(res.text);
    assert.deepEqual(ack.codes, ['0.3']);
    assert.equal(ack.correlationId, 'a-1');
    assert.equal(probe.stored.has('A1'), false, 'nothing ran before the acknowledgment');

    await drainUntil(() => peer.received.length > 0);
    assert.equal(probe.stored.has('A1'), true);
    const delivered = peer.received.at(-1)!;
    assert.match(delivered.headers['content-type']!, /text\/xml/);
    assert.equal(delivered.headers.soapaction, '"http://iec.ch/TC57/2011/schema/message/Response"');
    assert.match(delivered.body, /<soap:Envelope[^>]*><soap:Body><m:ResponseMessage/);
    const final = replyOf(delivered.body);
    assert.equal(final.result, 'OK');
    assert.equal(final.correlationId, 'a-1');

    const status = await request(gw.app).get('/cim/messages/a-1');
    assert.equal(status.status, 200);
    assert.equal(status.body.job.state, 'done');
    assert.equal(status.body.replies[0].state, 'delivered');
  });

  it('a repeated async request gets the same acknowledgment and no second run', async () => {
    const xml = message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'a-2', asyncReplyFlag: true, replyAddress: peer.url }, probePayload('A2'));
    const first = replyOf((await post(xml)).text);
    const second = replyOf((await post(xml)).text);
    assert.equal(second.messageId, first.messageId);
    const runs = probe.calls.length;
    await drainUntil(() => false);
    assert.equal(probe.calls.length, runs + 1);
  });

  it('REST reply addresses get bare XML', async () => {
    const count = peer.received.length;
    await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'a-3', asyncReplyFlag: true, replyAddress: peer.url.replace('/replies', '/rest') }, probePayload('A3')));
    await drainUntil(() => peer.received.length > count);
    const delivered = peer.received.at(-1)!;
    assert.equal(delivered.url, '/rest');
    assert.match(delivered.headers['content-type']!, /application\/xml/);
    assert.match(delivered.body, /^<\?xml[^>]*>\s*<m:ResponseMessage/);
  });

  it('retries a failing peer with backoff and keeps the entry, dead with its reason, after the last attempt', async () => {
    peerStatus = 503;
    await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'a-4', asyncReplyFlag: true, replyAddress: peer.url }, probePayload('A4')));
    let state: { replies: { state: string; attempts: number; lastError?: string }[] } = { replies: [] };
    await drainUntil(() => state.replies[0]?.state === 'dead');
    for (let i = 0; i < 50 && state.replies[0]?.state !== 'dead'; i++) {
      await gw.drain();
      await new Promise((r) => setTimeout(r, 5));
      state = (await request(gw.app).get('/cim/messages/a-4')).body;
    }
    assert.equal(state.replies[0]!.state, 'dead');
    assert.equal(state.replies[0]!.attempts, 3);
    assert.match(state.replies[0]!.lastError!, /HTTP 503/);
    peerStatus = 200;
  });

  it('AsyncReplyFlag without ReplyAddress is 1.5', async () => {
    const r = replyOf((await post(message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'a-5', asyncReplyFlag: true }, probePayload('A5')))).text);
    assert.deepEqual(r.codes, ['1.5']);
  });

  it('an unknown MessageID is a 404 problem', async () => {
    const res = await request(gw.app).get('/cim/messages/nope');
    assert.equal(res.status, 404);
    assert.match(res.headers['content-type']!, /problem\+json/);
  });
});
