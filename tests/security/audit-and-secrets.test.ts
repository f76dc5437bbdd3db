import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import request from 'supertest';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { message, replyOf } from '../helpers/messages.js';
import { probeNoun, probePayload, probeSchemaFolders } from '../helpers/probe-noun.js';
import { craftedWsse, jwtIssuer, passwordFiles, soapWithHeader } from './security-fixtures.js';

describe('audit log and secrets', () => {
  let gw: TestGateway;
  let issuer: Awaited<ReturnType<typeof jwtIssuer>>;
  const lines: string[] = [];
  const probe = probeNoun();
  const PASSWORD = 'S3cret-Pa55-do-not-log';
  const secrets: string[] = [PASSWORD];
  before(async () => {
    issuer = await jwtIssuer();
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    gw = testGateway({
      schemas: { folders: probeSchemaFolders },
      security: {
        peers: [
          { id: 'MDM', username: 'mdm', passwordFile: passwordFiles({ mdm: PASSWORD }).mdm!, bearerSubject: 'mdm', interfaces: ['i6-soap', 'i6-rest'], allow: '*' },
          { id: 'SECOPS', bearerSubject: 'secops', interfaces: ['admin'], allow: [] },
        ],
        jwt: issuer.config,
      },
    }, { register: probe.register, log: pino({ level: 'debug' }, sink) });
  });
  after(() => gw.close());

  const xml = (id: string) => message('RequestMessage', { verb: 'create', noun: 'Probes', source: 'MDM', messageId: id }, probePayload(id));
  const soapPost = (header: string, id: string) => request(gw.app).post('/cim/soap').set('content-type', 'text/xml').send(soapWithHeader(header, xml(id)));

  it('records failures, refusals and successes of every credential kind, with no secret anywhere', async () => {
    const good = craftedWsse({ username: 'mdm', password: PASSWORD, created: new Date() });
    const bad = craftedWsse({ username: 'mdm', password: `${PASSWORD}x`, created: new Date() });
    // The nonce and digest of both tokens, the password, the bearer tokens and a Basic credential.
    for (const h of [good, bad]) secrets.push(...[...h.matchAll(/<wsse:(?:Nonce|Password)[^>]*>([^<]+)</g)].map((m) => m[1]!));
    assert.equal(replyOf((await soapPost(good, 'a-1')).text).result, 'OK');
    assert.deepEqual(replyOf((await soapPost(bad, 'a-2')).text).codes, ['7.4']);
    assert.deepEqual(replyOf((await soapPost(craftedWsse({ username: 'mdm', password: PASSWORD, created: new Date(), type: 'PasswordText' }), 'a-3')).text).codes, ['7.3']);
    const expired = await issuer.sign('mdm', { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const valid = await issuer.sign('mdm');
    const basic = Buffer.from(`mdm:${PASSWORD}`).toString('base64');
    secrets.push(expired, valid, basic);
    for (const auth of [`Bearer ${expired}`, `Bearer ${valid}`, `Basic ${basic}`]) {
      await request(gw.app).post('/cim/messages').set('content-type', 'application/xml').set('authorization', auth).send(xml(`a-${auth.length}`));
    }
    const audit = JSON.stringify(await gw.audit.query({ limit: 1000 }));
    const log = lines.join('');
    assert.ok(log.includes('security event'), 'refusals reach the log too');
    for (const s of secrets) {
      assert.ok(!log.includes(s), `log holds a secret: ${s.slice(0, 6)}…`);
      assert.ok(!audit.includes(s), `audit holds a secret: ${s.slice(0, 6)}…`);
    }
    const failures = await gw.audit.query({ kind: 'auth.failed' });
    assert.deepEqual(failures.map((f) => f.code), ['7.4', '7.3', '7.4', '7.3']);
    assert.ok(failures.every((f) => f.interface && f.remoteAddress && f.at instanceof Date));
  });

  it('GET /admin/audit: on loopback without credentials, by an admin identity, never by a non-admin; reads are audited', async () => {
    const local = await request(gw.app).get('/admin/audit?kind=auth.failed');
    assert.equal(local.status, 200);
    assert.equal(local.body.entries.length, 4);
    assert.equal(local.body.entries[0].peer, 'mdm');
    const admin = await request(gw.app).get('/admin/audit?limit=2').set('authorization', `Bearer ${await issuer.sign('secops')}`);
    assert.equal(admin.status, 200);
    assert.equal(admin.body.entries.length, 2);
    const page2 = await request(gw.app).get(`/admin/audit?limit=2&afterId=${admin.body.nextAfterId}`).set('authorization', `Bearer ${await issuer.sign('secops')}`);
    assert.ok(page2.body.entries[0].id > admin.body.nextAfterId);
    const notAdmin = await request(gw.app).get('/admin/audit').set('authorization', `Bearer ${await issuer.sign('mdm')}`);
    assert.equal(notAdmin.status, 403);
    assert.equal(notAdmin.body.code, '7.5');
    assert.equal((await request(gw.app).get('/admin/audit?kind=nonsense')).status, 400);
    const reads = await gw.audit.query({ kind: 'admin.read' });
    assert.deepEqual(reads.map((r) => r.peer), ['local', 'SECOPS', 'SECOPS']);
    assert.equal((await gw.audit.query({ kind: 'admin.refused' }))[0]!.peer, 'MDM');
  });

  it('the audit table is append-only', () => {
    assert.throws(() => gw.db.prepare('UPDATE security_audit SET peer = ?').run('x'), /append-only/);
    assert.throws(() => gw.db.prepare('DELETE FROM security_audit').run(), /append-only/);
  });
});
