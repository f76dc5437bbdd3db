import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { TestGateway } from '../helpers/gateway.js';
import { client, i8Gateway, ingest, KWH, kwh } from './i8-fixtures.js';

/**
 * The hot read paths are mounted before the gateway's other routes (gateway/i8/direct-routes.ts).
 * A trailing slash is the same resource to Express but not an exact path, so it takes the full
 * route stack: every answer must be the same both ways, refusals and audit included.
 */
describe('I8 direct routes answer as the full route stack does', () => {
  let gw: TestGateway;
  let regulator: string, eventsOnly: string;
  const both = async (path: string, query: string, set: (r: request.Test) => request.Test) => {
    const direct = await set(request(gw.app).get(`${path}${query}`));
    const full = await set(request(gw.app).get(`${path}/${query}`));
    return { direct, full };
  };
  const same = (a: request.Response, b: request.Response) => {
    assert.equal(a.status, b.status);
    for (const h of ['content-type', 'www-authenticate', 'cache-control', 'content-length', 'i8-next-cursor', 'retry-after']) assert.equal(a.headers[h], b.headers[h], h);
    assert.equal(a.text, b.text);
  };

  before(async () => {
    gw = await i8Gateway();
    await ingest(gw, [kwh('M-1', 1), kwh('M-1', 2), kwh('M-2', 1)]);
    regulator = await client(gw, 'sec', { kind: 'regulator' }, ['readings:read', 'events:read', 'export:read']);
    eventsOnly = await client(gw, 'ev', { kind: 'regulator' }, ['events:read']);
  });
  after(() => gw.close());

  it('covers the read resources and I7 feeds, not token, docs, admin or parameterised paths', () => {
    const paths = gw.i8!.directPaths;
    for (const p of ['/i8/readings', '/i8/exports/readings', '/i8/events', '/i8/interruptions', '/i8/meters', '/i8/usage-points',
      '/i8/reports/interruptions', '/i8/reports/voltage-quality', '/i7/readings', '/i7/events', '/i7/interruptions']) assert.ok(paths.includes(p), p);
    assert.ok(!paths.some((p) => p.includes(':') || p.includes('oauth') || p.includes('docs') || p.startsWith('/admin')));
  });

  it('same answers: 200 JSON and CSV, paging, 401, 403, 404, 400, 406', async () => {
    const bearer = (t: string) => (r: request.Test) => r.set('Authorization', `Bearer ${t}`);
    const cases: [string, string, (r: request.Test) => request.Test, number][] = [
      ['/i8/readings', '', bearer(regulator), 200],
      ['/i8/readings', '?limit=1', bearer(regulator), 200],
      ['/i8/readings', '', (r) => bearer(regulator)(r).set('Accept', 'text/csv'), 200],
      ['/i8/readings', '', (r) => r, 401],
      ['/i8/readings', '', bearer(regulator.slice(0, -4) + (regulator.endsWith('AAAA') ? 'BBBB' : 'AAAA')), 401],
      ['/i8/readings', '', bearer(eventsOnly), 403],
      ['/i8/readings', '?meter=NOPE', bearer(regulator), 404],
      ['/i8/readings', '?from=yesterday', bearer(regulator), 400],
      ['/i8/readings', '', (r) => bearer(regulator)(r).set('Accept', 'image/png'), 406],
      ['/i8/meters', '', bearer(regulator), 200],
      ['/i8/exports/readings', `?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z&readingType=${KWH}`, (r) => bearer(regulator)(r).set('Accept', 'text/csv'), 200],
    ];
    for (const [path, query, set, status] of cases) {
      const { direct, full } = await both(path, query, set);
      assert.equal(direct.status, status, `${path}${query}: ${direct.text}`);
      same(direct, full);
    }
  });

  it('same audit trail: data.read, auth.failed with the whole path, access.refused', async () => {
    const since = new Date();
    await both('/i8/readings', '?meter=M-1', (r) => r.set('Authorization', `Bearer ${regulator}`));
    await both('/i8/readings', '', (r) => r.set('Authorization', 'Bearer not-a-token'));
    await both('/i8/readings', '', (r) => r.set('Authorization', `Bearer ${eventsOnly}`));
    const reads = await gw.audit.query({ kind: 'data.read', since });
    assert.deepEqual(reads.map((e) => [e.peer, e.resource, e.rows, e.filters]), [
      ['sec', 'i8/readings', 2, reads[0]!.filters], ['sec', 'i8/readings', 2, reads[0]!.filters]]);
    const failed = await gw.audit.query({ kind: 'auth.failed', since });
    assert.deepEqual(failed.map((e) => e.detail), ['GET /i8/readings: token not accepted', 'GET /i8/readings/: token not accepted']);
    const refused = await gw.audit.query({ kind: 'access.refused', since });
    assert.deepEqual(refused.map((e) => [e.peer, e.code]), [['ev', '403'], ['ev', '403']]);
  });

  it('writes are still refused before authentication (405), HEAD is answered without a body', async () => {
    const post = await request(gw.app).post('/i8/readings').send('x');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    const head = await request(gw.app).head('/i8/readings').set('Authorization', `Bearer ${regulator}`);
    assert.equal(head.status, 200);
    assert.ok(Number(head.headers['content-length']) > 0);
    assert.equal(head.text, undefined);
  });

  it('the rate limit counts requests on both paths alike (429 with Retry-After)', async () => {
    const limited = await i8Gateway({ i8: { rateLimit: { burst: 2, perSecond: 0.001 } } });
    try {
      const token = await client(limited, 'slow', { kind: 'regulator' }, ['readings:read']);
      const get = (path: string) => request(limited.app).get(path).set('Authorization', `Bearer ${token}`);
      assert.deepEqual([(await get('/i8/readings')).status, (await get('/i8/readings/')).status], [200, 200]);
      const [direct, full] = [await get('/i8/readings'), await get('/i8/readings/')];
      assert.deepEqual([direct.status, full.status], [429, 429]);
      assert.ok(Number(direct.headers['retry-after']) > 0);
    } finally {
      await limited.close();
    }
  });
});
