import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { message, replyOf } from '../helpers/messages.js';
import { probeNoun, probePayload, probeSchemaFolders } from '../helpers/probe-noun.js';
import { jwtIssuer } from './security-fixtures.js';

describe('bearer JWT on REST', () => {
  let gw: TestGateway;
  let issuer: Awaited<ReturnType<typeof jwtIssuer>>;
  let impostor: Awaited<ReturnType<typeof jwtIssuer>>;
  const probe = probeNoun();
  before(async () => {
    issuer = await jwtIssuer('k1');
    impostor = await jwtIssuer('k1');
    gw = testGateway({
      schemas: { folders: probeSchemaFolders },
      security: { peers: [{ id: 'MDM', bearerSubject: 'mdm-client', interfaces: ['i6-rest'], allow: '*' }], jwt: { ...issuer.config, clockToleranceSeconds: 0 } },
    }, { register: probe.register });
  });
  after(() => gw.close());

  const post = (authorization: string | undefined, id: string) => {
    const r = request(gw.app).post('/cim/messages').set('content-type', 'application/xml');
    if (authorization) r.set('authorization', authorization);
    return r.send(message('RequestMessage', { verb: 'create', noun: 'Probes', source: 'MDM', messageId: id }, probePayload(id)));
  };
  const lastFailure = async () => (await gw.audit.query({ kind: 'auth.failed' })).at(-1)!.detail;

  it('a valid token for a configured subject authenticates the peer', async () => {
    const res = await post(`Bearer ${await issuer.sign('mdm-client')}`, 'j-1');
    assert.equal(res.status, 200);
    assert.equal(probe.stored.has('j-1'), true);
  });

  const refusals: [string, () => Promise<string>, RegExp][] = [
    ['an expired token', () => issuer.sign('mdm-client', { expiresIn: Math.floor(Date.now() / 1000) - 10 }), /expired/],
    ['a token for another audience', () => issuer.sign('mdm-client', { audience: 'someone-else' }), /claim aud/],
    ['a token from another issuer', () => issuer.sign('mdm-client', { issuer: 'https://evil.example' }), /claim iss/],
    ['a token signed by another key with the same kid', () => impostor.sign('mdm-client'), /signature/],
    ['a valid token for an unknown subject', () => issuer.sign('intruder'), /no peer/],
    ['a token that is not a JWT', async () => 'not.a.jwt', /ERR_JW|unreadable/],
  ];
  for (const [name, token, detail] of refusals) {
    it(`${name}: 7.4, 401, audited`, async () => {
      const id = `j-${name.length}`;
      const res = await post(`Bearer ${await token()}`, id);
      assert.equal(res.status, 401);
      assert.deepEqual(replyOf(res.text).codes, ['7.4']);
      assert.match((await lastFailure())!, detail);
      assert.equal(probe.stored.has(id), false);
    });
  }

  it('another Authorization scheme (Basic): 7.3', async () => {
    const res = await post(`Basic ${Buffer.from('mdm:pw').toString('base64')}`, 'j-basic');
    assert.deepEqual(replyOf(res.text).codes, ['7.3']);
    assert.equal(res.status, 403);
  });
});
