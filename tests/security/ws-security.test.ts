import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as soap from 'soap';
import request from 'supertest';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { message, replyOf } from '../helpers/messages.js';
import { probeNoun, probePayload, probeSchemaFolders } from '../helpers/probe-noun.js';
import { craftedWsse, passwordFiles, soapWithHeader, wsseHeader } from './security-fixtures.js';

describe('WS-Security UsernameToken (PasswordDigest) on SOAP', () => {
  let gw: TestGateway;
  const probe = probeNoun();
  const now = { t: new Date('2026-12-01T12:00:00Z') };
  before(() => {
    gw = testGateway({
      schemas: { folders: probeSchemaFolders }, http: { port: 0 },
      security: {
        peers: [
          { id: 'MDM', username: 'mdm', passwordFile: passwordFiles({ mdm: 'correct horse' }).mdm!, interfaces: ['i6-soap'], allow: '*' },
          { id: 'OMS', username: 'oms', passwordEnv: 'OMS_PASSWORD', interfaces: ['i6-soap'], allow: [{ verb: 'get', noun: '*' }] },
        ],
        wsSecurity: { maxAgeSeconds: 300, clockSkewSeconds: 60 },
      },
    }, { register: probe.register, clock: { now: () => now.t }, env: { OMS_PASSWORD: 'battery staple' } });
  });
  after(() => gw.close());

  const post = (header: string, id: string, source = 'MDM') =>
    request(gw.app).post('/cim/soap').set('content-type', 'text/xml').send(soapWithHeader(header, message('RequestMessage', { verb: 'create', noun: 'Probes', source, messageId: id }, probePayload(id))));
  const codes = async (header: string, id: string, source?: string) => replyOf((await post(header, id, source)).text).codes;
  const token = (o: Partial<Parameters<typeof craftedWsse>[0]> = {}) => craftedWsse({ username: 'mdm', password: 'correct horse', created: now.t, ...o });

  it('a digest made with the right password authenticates the peer', async () => {
    assert.deepEqual(await codes(token(), 'w-1'), ['0.0']);
    assert.equal(probe.stored.has('w-1'), true);
  });

  it('the soap package (real wall clock, PasswordDigest) is accepted', async () => {
    now.t = new Date();
    assert.deepEqual(await codes(wsseHeader('mdm', 'correct horse'), 'w-pkg'), ['0.0']);
  });

  it('a wrong password: 7.4, and the reply does not say which part was wrong', async () => {
    const res = await post(token({ password: 'wrong' }), 'w-2');
    assert.deepEqual(replyOf(res.text).codes, ['7.4']);
    assert.doesNotMatch(res.text, /password|digest/i);
    const failure = (await gw.audit.query({ kind: 'auth.failed' })).at(-1)!;
    assert.equal(failure.peer, 'mdm');
    assert.equal(failure.detail, 'wrong password digest');
    assert.equal(probe.stored.has('w-2'), false);
  });

  it('an unknown username: 7.4', async () => {
    assert.deepEqual(await codes(craftedWsse({ username: 'nobody', password: 'x', created: now.t }), 'w-3'), ['7.4']);
  });

  it('a replayed token (same nonce): the first is accepted, the replay refused 7.4', async () => {
    const header = token({ nonce: Buffer.from('fixed-nonce-0001').toString('base64') });
    assert.deepEqual(await codes(header, 'w-4'), ['0.0']);
    assert.deepEqual(await codes(header, 'w-5'), ['7.4']);
    assert.equal(probe.stored.has('w-5'), false);
    assert.equal((await gw.audit.query({ kind: 'auth.failed' })).at(-1)!.detail, 'replayed nonce');
  });

  it('a stale Created (beyond maxAgeSeconds) and one in the future (beyond the skew): 7.4', async () => {
    assert.deepEqual(await codes(token({ created: new Date(now.t.getTime() - 301_000) }), 'w-6'), ['7.4']);
    assert.deepEqual(await codes(token({ created: new Date(now.t.getTime() + 61_000) }), 'w-7'), ['7.4']);
    // Within the skew is fine: peer clocks drift.
    assert.deepEqual(await codes(token({ created: new Date(now.t.getTime() + 30_000) }), 'w-8'), ['0.0']);
  });

  it('a cleartext PasswordText token: 7.3 (mechanism insufficient)', async () => {
    assert.deepEqual(await codes(token({ type: 'PasswordText' }), 'w-9'), ['7.3']);
  });

  it('a password from the environment works, and the policy still applies to that peer', async () => {
    assert.deepEqual(await codes(craftedWsse({ username: 'oms', password: 'battery staple', created: now.t }), 'w-10', 'OMS'), ['7.5']);
  });

  it('a client generated from the WSDL with soap.WSSecurity calls the typed operation', async () => {
    now.t = new Date();
    const server = await gw.listen();
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = await soap.createClientAsync(`${base}/cim/soap/Probes?wsdl`, { endpoint: `${base}/cim/soap/Probes` });
    client.setSecurity(new soap.WSSecurity('mdm', 'correct horse', { passwordType: 'PasswordDigest' }));
    const [result] = await client.CreateProbesAsync({
      Header: { Verb: 'create', Noun: 'Probes', Source: 'MDM', MessageID: 'w-client' },
      Payload: { Probes: { Probe: [{ mRID: 'w-client' }] } },
    });
    assert.equal(result.Reply.Result, 'OK');
    assert.equal(probe.stored.has('w-client'), true);
  });
});
