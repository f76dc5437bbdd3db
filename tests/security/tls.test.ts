import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createGateway } from '../../gateway/app.js';
import { loadConfig } from '../../gateway/config/config.js';
import { TransportPolicyError } from '../../gateway/security/tls-listener.js';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { message, replyOf } from '../helpers/messages.js';
import { probeNoun, probePayload, probeSchemaFolders } from '../helpers/probe-noun.js';
import { certificates } from './security-fixtures.js';

const pki = certificates({
  mdm: '/C=CL/O=Utility/OU=Integration/CN=mdm.utility.cl',
  oms: '/C=CL/O=Utility/OU=Operations/CN=oms.utility.cl',
  stranger: '/C=CL/O=Utility/CN=stranger.utility.cl',
  contractor: '/C=CL/O=Utility/OU=Contractors/CN=mdm.utility.cl',
});

after(() => rmSync(pki.dir, { recursive: true, force: true }));

interface Answer { status: number; body: string }

/** One HTTPS request trusting the test CA, optionally with a client certificate. */
function post(port: number, body: string, client?: { cert: string; key: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({
      host: '127.0.0.1', port, path: '/cim/messages', method: 'POST', agent: false, servername: 'localhost',
      ca: readFileSync(pki.ca.cert), headers: { 'content-type': 'application/xml' },
      ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function start(tls: Record<string, unknown>, probe = probeNoun()) {
  const gw = testGateway({
    schemas: { folders: probeSchemaFolders }, http: { port: 0 },
    security: {
      tls: { certFile: pki.server.cert, keyFile: pki.server.key, caFile: pki.ca.cert, requestClientCert: true, ...tls },
      peers: [
        { id: 'MDM', certSubject: tls.subjectMatch === 'dn' ? 'C = CL, O = Utility, OU = Integration, CN = mdm.utility.cl' : 'mdm.utility.cl', interfaces: ['i6-rest', 'i6-soap'], allow: '*' },
        { id: 'OMS', certSubject: 'oms.utility.cl', interfaces: ['i6-rest'], allow: [{ verb: 'get', noun: '*' }] },
      ],
    },
  }, { register: probe.register });
  const server = await gw.listen();
  return { gw, probe, port: (server.address() as AddressInfo).port };
}

const create = (id: string, source = 'MDM') => message('RequestMessage', { verb: 'create', noun: 'Probes', source, messageId: id }, probePayload(id));

describe('TLS and mutual TLS', () => {
  let s: Awaited<ReturnType<typeof start>>;
  before(async () => { s = await start({}); });
  after(() => s.gw.close());

  it('a client certificate whose CN names a peer authenticates it', async () => {
    const res = await post(s.port, create('tls-1'), pki.clients.mdm);
    assert.equal(res.status, 200, res.body);
    assert.equal(replyOf(res.body).result, 'OK');
    assert.equal(s.probe.stored.has('tls-1'), true);
  });

  it('without a client certificate (and no other credential): 7.2, 401', async () => {
    const res = await post(s.port, create('tls-2'));
    assert.equal(res.status, 401);
    assert.deepEqual(replyOf(res.body).codes, ['7.2']);
  });

  it('a certificate from an unknown CA, even with a known subject: 7.4, audited with the reason', async () => {
    const res = await post(s.port, create('tls-3'), pki.rogue);
    assert.equal(res.status, 401);
    assert.deepEqual(replyOf(res.body).codes, ['7.4']);
    const failure = (await s.gw.audit.query({ kind: 'auth.failed' })).at(-1);
    assert.match(failure!.detail!, /CN=mdm\.utility\.cl/);
    assert.equal(s.probe.stored.has('tls-3'), false);
  });

  it('a trusted certificate whose subject is no configured peer: 7.4', async () => {
    const res = await post(s.port, create('tls-4'), pki.clients.stranger);
    assert.deepEqual(replyOf(res.body).codes, ['7.4']);
  });

  it("a peer's certificate does not let it act outside its policy or speak for another Source", async () => {
    assert.deepEqual(replyOf((await post(s.port, create('tls-5', 'OMS'), pki.clients.oms)).body).codes, ['7.5']);
    assert.deepEqual(replyOf((await post(s.port, create('tls-6', 'MDM'), pki.clients.oms)).body).codes, ['2.14']);
  });
});

describe('TLS options', () => {
  it('subjectMatch dn: the full subject DN (as openssl prints it) names the peer', async () => {
    const s = await start({ subjectMatch: 'dn' });
    try {
      assert.equal(replyOf((await post(s.port, create('dn-1'), pki.clients.mdm)).body).result, 'OK');
      // Same CN as the MDM's, another OU: another subject when the whole DN counts.
      assert.deepEqual(replyOf((await post(s.port, create('dn-2'), pki.clients.contractor)).body).codes, ['7.4']);
    } finally {
      await s.gw.close();
    }
  });

  it('requireClientCert: a client without a certificate fails the handshake', async () => {
    const s = await start({ requireClientCert: true });
    try {
      await assert.rejects(post(s.port, create('req-1')), (err: NodeJS.ErrnoException) => Boolean(err.code));
      assert.equal(replyOf((await post(s.port, create('req-2'), pki.clients.mdm)).body).result, 'OK');
    } finally {
      await s.gw.close();
    }
  });

  it('plain HTTP on a non-loopback address is refused unless explicitly allowed', () => {
    const config = (extra: Record<string, unknown>) => loadConfig({}, { dataDir: pki.dir, logLevel: 'silent', http: { host: '0.0.0.0' }, ...extra });
    assert.throws(() => createGateway(config({})), TransportPolicyError);
    const gw = createGateway(config({ security: { allowPlainHttp: true } }));
    return gw.stop();
  });
});
