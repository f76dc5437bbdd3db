import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { isEventVerb } from '../../gateway/cim/verbs.js';
import type { PeerConfig } from '../../gateway/security/security-config.js';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { message, replyOf } from '../helpers/messages.js';
import { probeNoun, probePayload, probeSchemaFolders } from '../helpers/probe-noun.js';
import { jwtIssuer, passwordFiles, soapWithHeader, wsseHeader } from './security-fixtures.js';

/**
 * Every identity × every routed (verb, noun) × every interface, against a running gateway.
 * The expectation comes from the configured policy, read here independently of the gateway's
 * own policy code; the routed pairs come from the registry, so the matrix grows with the nouns.
 */
const passwords = { mdm: 'mdm-secret-1', oms: 'oms-secret-2', scada: 'scada-secret-3', hes: 'hes-secret-4', auditor: 'auditor-secret-5' };
const files = passwordFiles(passwords);
const peer = (id: string, user: keyof typeof passwords, interfaces: PeerConfig['interfaces'], allow: PeerConfig['allow']): PeerConfig =>
  ({ id, username: user, passwordFile: files[user]!, bearerSubject: `${user}-client`, interfaces, allow });
const peers: PeerConfig[] = [
  peer('MDM', 'mdm', ['i6-soap', 'i6-rest'], '*'),
  // The OMS reads (events, readings) but never commands meters.
  peer('OMS', 'oms', ['i6-soap', 'i6-rest'], [{ verb: 'get', noun: '*' }]),
  peer('SCADA', 'scada', ['i6-rest'], [{ verb: 'get', noun: 'EndDeviceEvents' }, { verb: 'created', noun: 'Probes' }]),
  // The head-end pushes what happened (past-tense verbs) over SOAP only.
  peer('HES', 'hes', ['i6-soap'], [{ verb: 'created', noun: '*' }, { verb: 'changed', noun: '*' }]),
  peer('AUDITOR', 'auditor', ['admin'], []),
];

function expected(p: PeerConfig, iface: string, verb: string, noun: string): boolean {
  if (!(p.interfaces as string[]).includes(iface)) return false;
  return p.allow === '*' || p.allow.some((g) => (g.verb === '*' || g.verb === verb) && (g.noun === '*' || g.noun === noun));
}

describe('authorisation matrix', () => {
  let gw: TestGateway;
  let issuer: Awaited<ReturnType<typeof jwtIssuer>>;
  const probe = probeNoun();
  before(async () => {
    issuer = await jwtIssuer();
    gw = testGateway({ schemas: { folders: probeSchemaFolders }, security: { peers, jwt: issuer.config, admin: { loopback: false } } }, { register: probe.register });
  });
  after(() => gw.close());

  const userOf = (p: PeerConfig) => p.username as keyof typeof passwords;
  const send = async (p: PeerConfig, iface: 'i6-soap' | 'i6-rest', xml: string) => {
    if (iface === 'i6-soap') {
      return request(gw.app).post('/cim/soap').set('content-type', 'text/xml').send(soapWithHeader(wsseHeader(p.username!, passwords[userOf(p)]), xml));
    }
    return request(gw.app).post('/cim/messages').set('content-type', 'application/xml').set('authorization', `Bearer ${await issuer.sign(p.bearerSubject!)}`).send(xml);
  };

  it('the registry has routes to check', () => assert.ok(gw.registry.all().length >= 3));

  it('every identity × (verb, noun) × interface is allowed or refused as the policy says', async () => {
    let allowed = 0;
    let refused = 0;
    for (const p of peers) {
      for (const { verb, noun } of gw.registry.all()) {
        for (const iface of ['i6-soap', 'i6-rest'] as const) {
          // Header only: it passes the schema, so the answer shows the authorisation decision
          // (7.5) or what comes after it (1.6/1.7 for the missing parts); nothing is executed.
          const kind = isEventVerb(verb) ? 'EventMessage' : 'RequestMessage';
          const res = await send(p, iface, message(kind, { verb, noun, source: p.id, messageId: `mx-${p.id}-${verb}-${noun}-${iface}` }));
          const r = replyOf(res.text);
          const where = `${p.id} ${iface} (${verb}, ${noun}): ${res.status} ${r.codes.join(',')}`;
          if (expected(p, iface, verb, noun)) {
            allowed++;
            assert.ok(!r.codes.some((c) => c.startsWith('7.') || c === '2.14'), `expected allowed — ${where}`);
          } else {
            refused++;
            assert.deepEqual(r.codes, ['7.5'], `expected refused — ${where}`);
            assert.equal(r.result, 'FAILED');
            assert.equal(res.status, iface === 'i6-rest' ? 403 : 200, where);
          }
        }
      }
    }
    assert.ok(allowed > 0 && refused > 0, `allowed ${allowed}, refused ${refused}`);
    const audited = await gw.audit.query({ kind: 'access.refused', limit: 1000 });
    assert.equal(audited.length, refused);
    assert.ok(audited.every((e) => e.peer && e.code === '7.5'));
  });

  it('the admin interface: granted identities 200, others 403, no credentials 401', async () => {
    for (const p of peers) {
      const res = await request(gw.app).get('/admin/audit').set('authorization', `Bearer ${await issuer.sign(p.bearerSubject!)}`);
      // Admin is granted per interface; (verb, noun) grants do not apply to it.
      assert.equal(res.status, (p.interfaces as string[]).includes('admin') ? 200 : 403, p.id);
    }
    const anonymous = await request(gw.app).get('/admin/audit');
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers['content-type']!, /application\/problem\+json/);
    assert.equal(anonymous.body.code, '7.2');
  });

  it('an allowed command runs end to end and stores what it carried', async () => {
    const res = await send(peers[0]!, 'i6-rest', message('RequestMessage', { verb: 'create', noun: 'Probes', source: 'MDM', messageId: 'mx-run' }, probePayload('MX1')));
    assert.equal(replyOf(res.text).result, 'OK');
    assert.equal(probe.stored.has('MX1'), true);
  });

  it('no credentials: 7.2 (REST 401 with WWW-Authenticate; SOAP a Reply), nothing runs', async () => {
    const xml = message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'mx-anon' }, probePayload('ANON'));
    const rest = await request(gw.app).post('/cim/messages').set('content-type', 'application/xml').send(xml);
    assert.equal(rest.status, 401);
    assert.match(rest.headers['www-authenticate']!, /^Bearer/);
    assert.deepEqual(replyOf(rest.text).codes, ['7.2']);
    const soapRes = await request(gw.app).post('/cim/soap').set('content-type', 'text/xml').send(soapWithHeader('', xml));
    assert.equal(soapRes.status, 200);
    assert.deepEqual(replyOf(soapRes.text).codes, ['7.2']);
    assert.equal(probe.stored.has('ANON'), false);
  });

  it('Header/Source must be the authenticated peer (2.14); a missing Source becomes the peer', async () => {
    const spoof = await send(peers[1]!, 'i6-rest', message('RequestMessage', { verb: 'get', noun: 'Probes', source: 'MDM', messageId: 'mx-spoof' }));
    assert.equal(spoof.status, 422);
    assert.deepEqual(replyOf(spoof.text).codes, ['2.14']);
    const [mismatch] = await gw.audit.query({ kind: 'source.mismatch' });
    assert.equal(mismatch!.peer, 'OMS');
    assert.equal(mismatch!.source, 'MDM');
    const xml = message('RequestMessage', { verb: 'create', noun: 'Probes', messageId: 'mx-nosrc' }, probePayload('NOSRC')).replace(/<m:Source>[^<]*<\/m:Source>/, '');
    const res = await send(peers[0]!, 'i6-rest', xml);
    assert.equal(replyOf(res.text).result, 'OK');
    assert.equal(probe.calls.at(-1)!.source, 'MDM');
  });

  it('GET /cim/messages/{id} shows a peer only its own messages', async () => {
    const own = await request(gw.app).get('/cim/messages/mx-run').set('authorization', `Bearer ${await issuer.sign('mdm-client')}`);
    assert.equal(own.status, 200);
    assert.equal(own.body.source, 'MDM');
    const other = await request(gw.app).get('/cim/messages/mx-run').set('authorization', `Bearer ${await issuer.sign('oms-client')}`);
    assert.equal(other.status, 404);
    assert.equal((await request(gw.app).get('/cim/messages/mx-run')).status, 401);
  });
});
