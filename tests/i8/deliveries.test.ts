import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { Clock } from '../../gateway/ports/clock.port.js';
import { receiver, testGateway, type TestGateway } from '../helpers/gateway.js';
import { client, ingest, kwh, parseCsv, provision, specValidator, T0 } from './i8-fixtures.js';

const validate = specValidator();

/** The gateway's clock, moved by the test: scheduled jobs fire on it, nothing waits for cron. */
function manualClock(start: number): Clock & { set(t: string): void } {
  let now = start;
  return { now: () => new Date(now), set: (t) => { now = Date.parse(t); } };
}

describe('I8 scheduled deliveries', () => {
  let gw: TestGateway;
  let token: string, other: string;
  const clock = manualClock(Date.parse('2026-03-01T12:00:00-03:00'));
  let status = 500;
  let peer: Awaited<ReturnType<typeof receiver>>;
  const api = (t: string) => ({
    get: (url: string) => request(gw.app).get(url).set('Authorization', `Bearer ${t}`),
    post: (url: string, body: object) => request(gw.app).post(url).set('Authorization', `Bearer ${t}`).send(body),
    del: (url: string) => request(gw.app).delete(url).set('Authorization', `Bearer ${t}`),
  });

  before(async () => {
    peer = await receiver(() => status);
    // Tokens are checked against the same moved clock: a day's lifetime covers the test's hours.
    gw = testGateway({ i8: { tokenLifetimeSeconds: 86_400, deliveries: { retryBaseMs: 60_000, maxAttempts: 3 } } }, { clock });
    await provision(gw);
    // T0 = 2026-03-01T00:00-03:00; readings every 15 min through the morning.
    await ingest(gw, Array.from({ length: 40 }, (_, i) => kwh('M-1', i + 1)));
    token = await client(gw, 'sec', { kind: 'regulator' });
    other = await client(gw, 'other', { kind: 'regulator' });
  });
  after(async () => {
    await gw.close();
    await peer.close();
  });

  it('a daily job fires at its local time, retries a failing webhook, then delivers the CSV; history is visible', async () => {
    const created = await api(token).post('/i8/delivery-jobs', {
      name: 'daily M-1', cron: '0 0 13 * * *', query: { resource: 'readings', meter: ['M-1'], lookbackMinutes: 24 * 60, format: 'csv' }, target: { kind: 'webhook', url: peer.url },
    });
    assert.equal(created.status, 201);
    assert.deepEqual(validate('DeliveryJob', created.body), []);
    assert.equal(created.body.timeZone, 'America/Santiago');
    assert.equal(created.body.nextRunAt, '2026-03-01T16:00:00.000Z', '13:00 in Santiago (-03:00)');
    const id = created.body.id as string;

    await gw.i8!.deliveryTick();
    assert.equal(peer.received.length, 0, 'not due yet');
    clock.set('2026-03-01T13:00:00-03:00');
    await gw.i8!.deliveryTick();
    assert.equal(peer.received.length, 1, 'fired once, answered 500');
    clock.set('2026-03-01T13:00:30-03:00');
    await gw.i8!.deliveryTick();
    assert.equal(peer.received.length, 1, 'backoff: no retry before a minute');
    status = 200;
    clock.set('2026-03-01T13:01:00-03:00');
    await gw.i8!.deliveryTick();
    assert.equal(peer.received.length, 2, 'retried and delivered');
    const got = peer.received[1]!;
    assert.match(String(got.headers['content-type']), /^text\/csv/);
    assert.equal(got.headers['i8-job'], id);
    const rows = parseCsv(got.body);
    assert.equal(rows.length, 40);
    assert.equal(rows[0]!.meter, 'M-1');

    const view = await api(token).get(`/i8/delivery-jobs/${id}`);
    assert.deepEqual(validate('DeliveryJobWithRuns', view.body), []);
    assert.deepEqual(view.body.runs.map((r: { state: string; attempts: number; rows: number }) => [r.state, r.attempts, r.rows]), [['delivered', 2, 40]]);
    assert.equal(view.body.job.nextRunAt, '2026-03-02T16:00:00.000Z');
    await gw.i8!.deliveryTick();
    assert.equal(peer.received.length, 2, 'delivered once');
  });

  it('writes file deliveries into the configured folder, per client', async () => {
    const created = await api(token).post('/i8/delivery-jobs', { cron: '0 */15 * * * *', query: { resource: 'readings', usagePoint: ['UP-1'], lookbackMinutes: 60 }, target: { kind: 'file' } });
    clock.set('2026-03-01T14:00:00-03:00');
    await gw.i8!.deliveryTick();
    const run = (await api(token).get(`/i8/delivery-jobs/${created.body.id}`)).body.runs[0];
    assert.equal(run.state, 'delivered');
    const text = readFileSync(path.join(gw.dataDir, 'i8-exports', run.location), 'utf8');
    assert.equal(parseCsv(text).length, 0, 'no readings in that hour: a header-only file still documents the run');
    assert.equal(T0, Date.parse('2026-03-01T00:00:00-03:00'));
  });

  it('jobs are the caller\'s own: others get 404, invalid cron or scope is refused', async () => {
    const mine = (await api(token).get('/i8/delivery-jobs')).body.items as { id: string }[];
    assert.equal(mine.length, 2);
    assert.equal((await api(other).get(`/i8/delivery-jobs/${mine[0]!.id}`)).status, 404);
    assert.equal((await api(other).del(`/i8/delivery-jobs/${mine[0]!.id}`)).status, 404);
    assert.deepEqual((await api(other).get('/i8/delivery-jobs')).body.items, []);
    assert.equal((await api(token).post('/i8/delivery-jobs', { cron: 'every day', query: { resource: 'readings' }, target: { kind: 'file' } })).status, 400);
    const narrow = await client(gw, 'narrow', { kind: 'regulator' }, ['readings:read']);
    assert.equal((await api(narrow).post('/i8/delivery-jobs', { cron: '0 0 * * *', query: { resource: 'events' }, target: { kind: 'file' } })).status, 403);
    assert.equal((await api(token).del(`/i8/delivery-jobs/${mine[1]!.id}`)).status, 204);
    assert.equal((await api(token).get('/i8/delivery-jobs')).body.items.length, 1);
  });
});
