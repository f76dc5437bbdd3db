import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { registerClient } from '../../gateway/i8/register-client.js';
import type { TestGateway } from '../helpers/gateway.js';
import { client, i8Gateway, ingest, kwh, specValidator } from './i8-fixtures.js';

const validate = specValidator();

describe('I8 access: tokens, scopes, data scopes, consents', () => {
  let gw: TestGateway;
  let regulator: string, thirdParty: string, customer: string, eventsOnly: string;
  const get = (token: string, url: string) => request(gw.app).get(url).set('Authorization', `Bearer ${token}`);
  const admin = () => request(gw.app);

  before(async () => {
    gw = await i8Gateway();
    await ingest(gw, [kwh('M-1', 1), kwh('M-2', 1), kwh('M-3', 1)]);
    regulator = await client(gw, 'sec', { kind: 'regulator' });
    thirdParty = await client(gw, 'esco', { kind: 'third-party' });
    customer = await client(gw, 'app-up2', { kind: 'customer', usagePoint: 'UP-2' });
    eventsOnly = await client(gw, 'ev', { kind: 'regulator' }, ['events:read']);
  });
  after(() => gw.close());

  it('issues ES256 JWTs for client credentials (form or Basic) and refuses bad secrets, grants and scopes', async () => {
    const { secret } = await registerClient(gw.i8!.deps.clients, { id: 'basic', scopes: ['readings:read'], dataScope: { kind: 'regulator' } }, new Date());
    const ok = await admin().post('/i8/oauth/token').auth('basic', secret).type('form').send({ grant_type: 'client_credentials' });
    assert.equal(ok.status, 200);
    assert.deepEqual(validate('TokenResponse', ok.body), []);
    assert.equal(ok.body.scope, 'readings:read');
    assert.equal(JSON.parse(Buffer.from(ok.body.access_token.split('.')[0], 'base64url').toString()).alg, 'ES256');
    const bad = await admin().post('/i8/oauth/token').type('form').send({ grant_type: 'client_credentials', client_id: 'basic', client_secret: 'nope' });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error, 'invalid_client');
    const unknown = await admin().post('/i8/oauth/token').type('form').send({ grant_type: 'client_credentials', client_id: 'ghost', client_secret: secret });
    assert.deepEqual([unknown.status, unknown.body.error], [401, 'invalid_client'], 'same answer as a wrong secret');
    const grant = await admin().post('/i8/oauth/token').auth('basic', secret).type('form').send({ grant_type: 'password' });
    assert.equal(grant.body.error, 'unsupported_grant_type');
    const scope = await admin().post('/i8/oauth/token').auth('basic', secret).type('form').send({ grant_type: 'client_credentials', scope: 'reports:read' });
    assert.deepEqual([scope.status, scope.body.error], [400, 'invalid_scope']);
    const stored = await gw.i8!.deps.clients.get('basic');
    assert.match(stored!.secretHash, /^scrypt\$16384\$8\$1\$/);
    assert.ok(!stored!.secretHash.includes(secret));
  });

  it('refuses requests without a valid token (401 problem+json with WWW-Authenticate)', async () => {
    const none = await admin().get('/i8/readings');
    assert.equal(none.status, 401);
    assert.equal(none.type, 'application/problem+json');
    assert.match(String(none.headers['www-authenticate']), /^Bearer realm="i8"/);
    const forged = regulator.slice(0, -4) + (regulator.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.equal((await get(forged, '/i8/readings')).status, 401);
  });

  it('checks scopes per resource', async () => {
    const r = await get(eventsOnly, '/i8/readings');
    assert.equal(r.status, 403);
    assert.match(String(r.headers['www-authenticate']), /insufficient_scope/);
    assert.deepEqual(validate('Problem', r.body), []);
    assert.equal((await get(eventsOnly, '/i8/events')).status, 200);
  });

  it('regulator sees every meter; customer only its own supply point', async () => {
    const all = await get(regulator, '/i8/readings');
    assert.deepEqual(all.body.items.map((r: { meter: string }) => r.meter), ['M-1', 'M-2', 'M-3']);
    const own = await get(customer, '/i8/readings');
    assert.deepEqual(own.body.items.map((r: { meter: string; usagePoint: string }) => [r.meter, r.usagePoint]), [['M-2', 'UP-2']]);
    assert.equal((await get(customer, '/i8/readings?meter=M-1')).status, 403);
    assert.equal((await get(customer, '/i8/readings?usagePoint=UP-1')).status, 403);
    assert.deepEqual((await get(customer, '/i8/meters')).body.items.map((m: { mRID: string }) => m.mRID), ['M-2']);
    assert.equal((await get(regulator, '/i8/readings?meter=NOPE')).status, 404);
  });

  it('third party sees only usage points with a consent in force; future and expired consents do not count', async () => {
    assert.deepEqual((await get(thirdParty, '/i8/readings')).body.items, []);
    assert.equal((await get(thirdParty, '/i8/readings?meter=M-1')).status, 403);
    const grant = (usagePoint: string, start: string, end?: string) =>
      admin().post('/admin/i8/consents').send({ clientId: 'esco', usagePoint, start, ...(end ? { end } : {}), reference: 'form-123' });
    assert.equal((await grant('UP-1', '2020-01-01T00:00:00Z')).status, 201);
    assert.equal((await grant('UP-2', '2099-01-01T00:00:00Z')).status, 201, 'future');
    assert.equal((await grant('UP-3', '2020-01-01T00:00:00Z', '2021-01-01T00:00:00Z')).status, 201, 'expired');
    const r = await get(thirdParty, '/i8/readings');
    assert.deepEqual(r.body.items.map((x: { meter: string }) => x.meter), ['M-1']);
    assert.equal((await get(thirdParty, '/i8/readings?usagePoint=UP-2')).status, 403);
    assert.equal((await get(thirdParty, '/i8/readings?meter=M-3')).status, 403);
    assert.deepEqual((await get(thirdParty, '/i8/usage-points')).body.items.map((u: { mRID: string }) => u.mRID), ['UP-1']);
  });

  it('revocation takes effect on the next request with the same token', async () => {
    const { items } = (await admin().get('/admin/i8/consents?clientId=esco&usagePoint=UP-1')).body as { items: { id: string }[] };
    assert.equal((await get(thirdParty, '/i8/readings?meter=M-1')).status, 200);
    const revoked = await admin().post(`/admin/i8/consents/${items[0]!.id}/revoke`);
    assert.equal(revoked.status, 200);
    assert.deepEqual(validate('Consent', revoked.body), []);
    assert.ok(revoked.body.revokedAt);
    assert.equal((await get(thirdParty, '/i8/readings?meter=M-1')).status, 403);
    assert.deepEqual((await get(thirdParty, '/i8/readings')).body.items, []);
  });

  it('consents are only for third-party clients and known clients', async () => {
    assert.equal((await admin().post('/admin/i8/consents').send({ clientId: 'sec', usagePoint: 'UP-1', start: '2020-01-01T00:00:00Z' })).status, 422);
    assert.equal((await admin().post('/admin/i8/consents').send({ clientId: 'ghost', usagePoint: 'UP-1', start: '2020-01-01T00:00:00Z' })).status, 422);
    assert.equal((await admin().post('/admin/i8/consents').send({ clientId: 'esco', usagePoint: 'UP-1' })).status, 400);
  });

  it('a disabled client is refused at once, even with a live token', async () => {
    const token = await client(gw, 'temp', { kind: 'regulator' });
    assert.equal((await get(token, '/i8/meters')).status, 200);
    await gw.i8!.deps.clients.setDisabled('temp', true);
    assert.equal((await get(token, '/i8/meters')).status, 401);
  });

  it('refuses every write to data with 405 problem+json', async () => {
    for (const [method, url] of [['post', '/i8/readings'], ['put', '/i8/meters'], ['delete', '/i8/events'], ['patch', '/i8/interruptions'], ['post', '/i7/export/readings']] as const) {
      const r = await request(gw.app)[method](url).set('Authorization', `Bearer ${regulator}`).send({});
      assert.equal(r.status, 405, `${method} ${url}`);
      assert.equal(r.type, 'application/problem+json');
      assert.equal(r.headers.allow, 'GET, HEAD');
    }
  });

  it('writes every access to the audit log with client, resource, filters and rows; refusals too', async () => {
    await get(regulator, '/i8/readings?meter=M-2&readingType=0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0');
    const reads = await gw.audit.query({ kind: 'data.read', peer: 'sec' });
    const last = reads.at(-1)!;
    assert.equal(last.resource, 'i8/readings');
    assert.equal(last.rows, 1);
    assert.deepEqual(JSON.parse(last.filters!).meters, ['M-2']);
    const refused = await gw.audit.query({ kind: 'access.refused', peer: 'esco' });
    assert.ok(refused.some((e) => e.interface === 'i8' && /M-1/.test(e.detail ?? '')));
    const viaAdmin = await admin().get('/admin/audit?kind=data.read&peer=app-up2');
    assert.equal(viaAdmin.status, 200);
    assert.ok(viaAdmin.body.entries.length >= 2);
  });
});

describe('I8 rate limits', () => {
  it('answers 429 with Retry-After once the client bucket is empty', async () => {
    const gw = await i8Gateway({ i8: { rateLimit: { burst: 2, perSecond: 0.01 } } });
    try {
      const token = await client(gw, 'busy', { kind: 'regulator' });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push(await request(gw.app).get('/i8/meters').set('Authorization', `Bearer ${token}`));
      assert.deepEqual(statuses.map((r) => r.status), [200, 200, 429]);
      assert.equal(statuses[2]!.type, 'application/problem+json');
      assert.ok(Number(statuses[2]!.headers['retry-after']) >= 1);
    } finally {
      await gw.close();
    }
  });
});
