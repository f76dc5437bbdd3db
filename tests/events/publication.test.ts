import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { publicationMessageId } from '../../gateway/adapters/publisher/subscription-publisher.js';
import { receiver, testGateway, type TestGateway } from '../helpers/gateway.js';
import { manualClock, off, on, provision, pushEvents, settle, T0 } from './events-fixtures.js';
import { soapSubscriber } from './soap-subscriber.js';

const S = 1000;
const OUTAGE_TYPES = ['0.26.0.85', '0.26.0.216'];
const ten = Array.from({ length: 10 }, (_, i) => `MTR-${i + 1}`);

/** What a REST subscriber got: one EventMessage per delivery, one event each. */
function restEvents(bodies: string[]) {
  return bodies.map((b) => ({
    messageId: /<m:MessageID>([^<]+)</.exec(b)![1]!,
    device: /<(?:\w+:)?Assets><(?:\w+:)?mRID>([^<]+)</.exec(b)![1]!,
    eventType: /EndDeviceEventType ref="([^"]+)"/.exec(b)![1]!,
    meters: [...b.matchAll(/<(?:\w+:)?name>meter<\/(?:\w+:)?name><(?:\w+:)?value>([^<]+)</g)].map((m) => m[1]!),
  }));
}

describe('publication to subscribers: grouped outages and raw events, through the outbox', () => {
  let gw: TestGateway;
  const clock = manualClock(T0);
  let oms: Awaited<ReturnType<typeof soapSubscriber>>;
  let scada: Awaited<ReturnType<typeof receiver>>;
  let omsId = '';
  let scadaId = '';
  before(async () => {
    gw = testGateway({ outbox: { baseDelayMs: 1000, maxDelayMs: 5000 } }, { clock });
    await provision(gw);
    oms = await soapSubscriber();
    scada = await receiver();
    const a = await request(gw.app).post('/admin/subscriptions').send({ endpoint: oms.url, noun: 'EndDeviceEvents', protocol: 'SOAP', eventTypes: OUTAGE_TYPES });
    const b = await request(gw.app).post('/admin/subscriptions').send({ endpoint: scada.url, noun: 'EndDeviceEvents', protocol: 'REST', deviceGroup: 'DC-1' });
    assert.deepEqual([a.status, b.status], [201, 201]);
    omsId = a.body.id;
    scadaId = b.body.id;
  });
  after(async () => {
    await gw.close();
    await oms.close();
    await scada.close();
  });

  it('delivers exactly one outage and one restoration for a 45 s cut of ten meters (out of order, duplicated), nothing for a 15 s cut', async () => {
    // 45 s on the transformer, offs in reverse order and partly resent; 15 s on a lone meter.
    clock.set(T0 + 3 * S);
    await pushEvents(gw, [...ten].reverse().map((m, i) => off(m, T0 + (9 - i) * 200)));
    await pushEvents(gw, ten.slice(0, 4).map((m, i) => off(m, T0 + i * 200)));
    await pushEvents(gw, [off('MTR-11', T0)]);
    await settle(gw);
    clock.set(T0 + 20 * S);
    await pushEvents(gw, [on('MTR-11', T0 + 15 * S)]);
    await settle(gw);
    assert.equal(oms.events.length, 0, 'no notification before the threshold, none for a 15 s cut');
    clock.set(T0 + 31 * S);
    await settle(gw);
    clock.set(T0 + 50 * S);
    const restores = ten.map((m) => on(m, T0 + 45 * S));
    await pushEvents(gw, restores);
    await pushEvents(gw, restores.slice(5));
    await settle(gw);
    clock.set(T0 + 600 * S);
    await settle(gw);

    assert.deepEqual(oms.events.map((e) => [e.eventType, e.device]), [['0.26.0.85', 'TR-1'], ['0.26.0.216', 'TR-1']]);
    assert.deepEqual(oms.events[0]!.details.meter, ten.slice().sort());
    assert.deepEqual(oms.events[1]!.details.durationSeconds, ['45']);
    assert.equal(oms.messages, 2);
  });

  it('gives the device-group subscriber every raw event of its concentrator once, in order per meter, plus the notifications', () => {
    const got = restEvents(scada.received.map((r) => r.body));
    assert.equal(new Set(got.map((g) => g.messageId)).size, got.length, 'no message twice');
    assert.equal(got.filter((g) => g.eventType === '3.26.0.85').length, 10);
    assert.equal(got.filter((g) => g.eventType === '3.26.0.216').length, 10);
    assert.deepEqual(got.filter((g) => OUTAGE_TYPES.includes(g.eventType)).map((g) => g.eventType), OUTAGE_TYPES);
    assert.ok(!got.some((g) => g.device === 'MTR-11'), 'MTR-11 is not behind DC-1');
    for (const m of ten) assert.deepEqual(got.filter((g) => g.device === m).map((g) => g.eventType), ['3.26.0.85', '3.26.0.216']);
    assert.ok(scada.received.every((r) => /^application\/xml/.test(r.headers['content-type']!)));
  });

  it('uses a stable MessageID per (event, subscriber) that subscribers can de-duplicate by', () => {
    const row = gw.db.prepare(`SELECT id FROM device_events WHERE mrid LIKE 'outage-%-started'`).get() as { id: string };
    assert.equal(oms.events[0]!.messageId, publicationMessageId(omsId, row.id));
    const scadaCopy = restEvents(scada.received.map((r) => r.body)).find((g) => g.eventType === '0.26.0.85')!;
    assert.equal(scadaCopy.messageId, publicationMessageId(scadaId, row.id));
    assert.notEqual(scadaCopy.messageId, oms.events[0]!.messageId);
  });

  it('shows a subscription with its backlog, lists and deletes subscriptions', async () => {
    const one = await request(gw.app).get(`/admin/subscriptions/${omsId}`);
    assert.equal(one.status, 200);
    const { lastDeliveredAt, ...counts } = one.body.backlog;
    assert.deepEqual(counts, { pending: 0, delivered: 2, dead: 0 });
    assert.ok(Date.parse(lastDeliveredAt) > 0);
    assert.deepEqual((await request(gw.app).get('/admin/subscriptions')).body.map((s: { id: string }) => s.id).sort(), [omsId, scadaId].sort());
    const extra = await request(gw.app).post('/admin/subscriptions').send({ endpoint: 'http://127.0.0.1:9/x', noun: 'EndDeviceEvents', protocol: 'REST' });
    assert.equal((await request(gw.app).delete(`/admin/subscriptions/${extra.body.id}`)).status, 204);
    assert.equal((await request(gw.app).get(`/admin/subscriptions/${extra.body.id}`)).status, 404);
    assert.equal((await request(gw.app).delete(`/admin/subscriptions/${extra.body.id}`)).status, 404);
  });

  it('rejects invalid subscriptions with problem+json 400', async () => {
    const bad = [
      { endpoint: 'not a url', noun: 'EndDeviceEvents', protocol: 'SOAP' },
      { endpoint: 'http://oms.example/x', noun: 'MeterReadings', protocol: 'SOAP' },
      { endpoint: 'http://oms.example/x', noun: 'EndDeviceEvents', protocol: 'FTP' },
      { endpoint: 'http://oms.example/x', noun: 'EndDeviceEvents', protocol: 'REST', eventTypes: ['power-off'] },
      { endpoint: 'http://oms.example/x', noun: 'EndDeviceEvents', protocol: 'REST', colour: 'red' },
    ];
    for (const body of bad) {
      const res = await request(gw.app).post('/admin/subscriptions').send(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.headers['content-type']!, /application\/problem\+json/);
      assert.ok(res.body.issues.length > 0);
    }
    const notJson = await request(gw.app).post('/admin/subscriptions').set('content-type', 'application/json').send('{oops');
    assert.equal(notJson.status, 400);
  });
});

describe('a subscriber that is down', () => {
  it('sees its backlog and last error, then gets everything, in order, when it comes back', async () => {
    const clock = manualClock(T0);
    let status = 503;
    const peer = await receiver(() => status);
    const gw = testGateway({ outbox: { baseDelayMs: 1000, maxDelayMs: 2000, maxAttempts: 50 }, subscriptions: { items: [{ id: 'cfg-scada', endpoint: peer.url, protocol: 'REST' }] } }, { clock });
    try {
      await provision(gw);
      clock.set(T0 + 1 * S);
      await pushEvents(gw, [off('MTR-1', T0), { meter: 'MTR-1', code: '3.12.29.257', at: T0 + 500 }, off('MTR-2', T0)]);
      for (let i = 0; i < 3; i++) {
        clock.advance(5 * S);
        await gw.drain();
      }
      const down = (await request(gw.app).get('/admin/subscriptions/cfg-scada')).body;
      assert.equal(down.origin, 'config');
      assert.equal(down.backlog.pending, 3);
      assert.match(down.backlog.lastError, /HTTP 503/);
      assert.ok(down.backlog.oldestPending);
      const failedFirst = peer.received.length;

      status = 200;
      for (let i = 0; i < 20; i++) {
        clock.advance(5 * S);
        await gw.drain();
      }
      const bodies = peer.received.slice(failedFirst).map((r) => r.body);
      const delivered = restEvents(bodies);
      assert.deepEqual(delivered.filter((d) => d.device === 'MTR-1').map((d) => d.eventType), ['3.26.0.85', '3.12.29.257']);
      assert.ok(delivered.some((d) => d.device === 'MTR-2'));
      // Outage notifications of the open offs reach it too (the gateway clock passed 30 s).
      assert.ok(delivered.some((d) => d.eventType === '0.26.0.85'));
      const back = (await request(gw.app).get('/admin/subscriptions/cfg-scada')).body;
      assert.equal(back.backlog.pending, 0);
      assert.equal(back.backlog.dead, 0);
      assert.equal(back.backlog.lastError, undefined);
    } finally {
      await gw.close();
      await peer.close();
    }
  });
});

describe('admin API exposure', () => {
  it('answers only on loopback in the embedded default', async (t) => {
    const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
    if (!external) return t.skip('no non-loopback IPv4 interface to call from');
    // Plain HTTP off loopback must be allowed explicitly since the security issue.
    const gw = testGateway({ http: { host: '0.0.0.0', port: 0 }, security: { allowPlainHttp: true } });
    const server = await gw.listen();
    try {
      const { port } = server.address() as AddressInfo;
      const remote = await fetch(`http://${external.address}:${port}/admin/subscriptions`);
      // The admin gate (docs/security.md) asks a remote caller without credentials to authenticate.
      assert.equal(remote.status, 401);
      assert.match(remote.headers.get('content-type')!, /problem\+json/);
      const local = await fetch(`http://127.0.0.1:${port}/admin/subscriptions`);
      assert.equal(local.status, 200);
    } finally {
      await gw.close();
    }
  });
});
