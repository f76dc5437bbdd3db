import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Channel, ConsumeMessage } from 'amqplib';
import request from 'supertest';
import type { AmqpConnection } from '../../gateway/adapters/amqp/amqp-connection.js';
import { AmqpDelivery } from '../../gateway/adapters/amqp/delivery.amqp.js';
import { HttpDelivery } from '../../gateway/adapters/outbound/delivery.http.js';
import { RoutingDelivery } from '../../gateway/adapters/outbound/delivery.routing.js';
import { loadConfig } from '../../gateway/config/config.js';
import type { OutboundEntry } from '../../gateway/ports/outbox.port.js';
import { eventually } from '../contracts/command-bus.contract.js';
import { deleteBrokerObjects, silentLog, testConnection, uniquePrefix } from '../helpers/amqp.js';
import { testGateway, type TestGateway } from '../helpers/gateway.js';
import { serviceUrl, skippedWithout } from '../helpers/services.js';
import { manualClock, provision, pushEvents, settle, T0 } from './events-fixtures.js';

const S = 1000;
const url = serviceUrl('AMQP_URL');
const tamper = (meter: string, at: number, mRID: string) => ({ meter, code: '3.12.29.257', at, mRID });
const subscribe = (gw: TestGateway, body: Record<string, unknown>) =>
  request(gw.app).post('/admin/subscriptions').send({ noun: 'EndDeviceEvents', ...body });
const backlog = async (gw: TestGateway, id: string) => (await request(gw.app).get(`/admin/subscriptions/${id}`)).body.backlog;
const entry = (more: Partial<OutboundEntry>): OutboundEntry => ({
  id: 1, kind: 'event', destination: 'amqp:cim.events/x', protocol: 'AMQP', messageId: 'm-1', body: '<x/>', state: 'pending', attempts: 0,
  nextAttemptAt: new Date(), createdAt: new Date(), ...more,
});

describe('AMQP subscriptions: the endpoint and where they are accepted', () => {
  let plain: TestGateway;
  let withBroker: TestGateway;
  before(() => {
    plain = testGateway();
    withBroker = testGateway({ amqpUrl: 'amqp://guest:guest@127.0.0.1:1' });
  });
  after(async () => {
    await plain.close();
    await withBroker.close();
  });

  it('refuses AMQP subscriptions when the gateway has no broker', async () => {
    const res = await subscribe(plain, { endpoint: 'amqp:cim.events/EndDeviceEvents.created', protocol: 'AMQP' });
    assert.equal(res.status, 400);
    assert.match(res.body.detail, /protocol: this gateway does not deliver AMQP \(no broker: amqpUrl \/ AMQP_URL is not set\)/);
  });

  it('accepts amqp:<exchange>/<routing-key> and names what is wrong with anything else', async () => {
    const ok = await subscribe(withBroker, { endpoint: 'amqp:cim.events/EndDeviceEvents.created', protocol: 'AMQP' });
    assert.equal(ok.status, 201);
    assert.deepEqual([ok.body.protocol, ok.body.endpoint], ['AMQP', 'amqp:cim.events/EndDeviceEvents.created']);
    assert.equal((await subscribe(withBroker, { endpoint: 'amqp:cim.fanout/', protocol: 'AMQP' })).status, 201, 'empty routing key (fanout)');
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ endpoint: 'amqp://broker:5672/cim.events', protocol: 'AMQP' }, /a broker URL is not an endpoint/],
      [{ endpoint: 'amqp:cim.events', protocol: 'AMQP' }, /has no '\/' between exchange and routing key/],
      [{ endpoint: 'amqp:/EndDeviceEvents', protocol: 'AMQP' }, /the exchange is empty/],
      [{ endpoint: 'amqp:cim events/x', protocol: 'AMQP' }, /exchange 'cim events' may hold only letters, digits and _ \. : -/],
      [{ endpoint: 'amqp:cim.events/a key', protocol: 'AMQP' }, /routing key 'a key' may hold only printable ASCII without spaces/],
      [{ endpoint: 'http://oms.example/events', protocol: 'AMQP' }, /does not start with amqp:; an AMQP endpoint is amqp:<exchange>\/<routing-key>/],
      [{ endpoint: 'amqp:cim.events/x', protocol: 'REST' }, /a REST endpoint is an http:\/\/ or https:\/\/ URL \(got amqp:\)/],
    ];
    for (const [body, why] of bad) {
      const res = await subscribe(withBroker, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.body.detail, why, JSON.stringify(body));
    }
  });

  it('checks configured subscriptions the same way at start', () => {
    const item = { id: 'oms', endpoint: 'amqp:cim.events/x', protocol: 'AMQP' };
    assert.throws(() => loadConfig({}, { subscriptions: { items: [item] } }), /subscriptions\.items\.0\.protocol: AMQP subscriptions need a broker: set amqpUrl \(AMQP_URL\)/);
    assert.throws(() => loadConfig({}, { amqpUrl: 'amqp://h', subscriptions: { items: [{ ...item, endpoint: 'amqp:x' }] } }), /subscriptions\.items\.0\.endpoint: .*has no '\/'/);
    assert.throws(() => loadConfig({}, { subscriptions: { items: [{ id: 'a', endpoint: 'ftp://x/y', protocol: 'REST' }] } }), /a REST endpoint is an http:\/\/ or https:\/\/ URL/);
    assert.equal(loadConfig({}, { amqpUrl: 'amqp://h', subscriptions: { items: [item] } }).subscriptions.items[0]!.protocol, 'AMQP');
  });

  it('never sends an AMQP entry over HTTP, and says so when the gateway has no AMQP transport', async () => {
    await assert.rejects(new HttpDelivery(1000).deliver(entry({})), /HTTP delivery cannot send a AMQP entry/);
    await assert.rejects(new RoutingDelivery({ http: new HttpDelivery(1000) }).deliver(entry({})), /no AMQP delivery in this gateway \(no broker/);
  });
});

describe('AMQP delivery with the broker down', () => {
  const clock = manualClock(T0);
  let down: AmqpConnection;
  let gw: TestGateway;
  before(async () => {
    down = testConnection('amqp://guest:secret@127.0.0.1:1');
    const delivery = new RoutingDelivery({ http: new HttpDelivery(1000), amqp: new AmqpDelivery(down, { confirmTimeoutMs: 2_000, log: silentLog }) });
    gw = testGateway({ amqpUrl: 'amqp://guest:secret@127.0.0.1:1', outbox: { baseDelayMs: 1000, maxDelayMs: 2000, maxAttempts: 50 } }, { clock, delivery });
    await provision(gw);
  });
  after(async () => {
    await gw.close();
    await down.close();
  });

  it('keeps the event pending with a clear error and retries it (nothing marked delivered, nothing dead)', async () => {
    const sub = await subscribe(gw, { endpoint: 'amqp:cim.events/EndDeviceEvents.created', protocol: 'AMQP' });
    clock.set(T0 + S);
    await pushEvents(gw, [tamper('MTR-11', T0, 'down-1')]);
    await gw.drain();
    let b = await backlog(gw, sub.body.id);
    assert.deepEqual([b.pending, b.delivered, b.dead], [1, 0, 0]);
    assert.match(b.lastError, /AMQP broker at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1\/? unreachable: .*ECONNREFUSED/);
    assert.doesNotMatch(b.lastError, /secret/);
    clock.advance(5 * S);
    await gw.drain();
    b = await backlog(gw, sub.body.id);
    assert.deepEqual([b.pending, b.delivered, b.dead], [1, 0, 0]);
    const row = gw.db.prepare('SELECT attempts FROM outbox').get() as { attempts: number };
    assert.equal(row.attempts, 2, 'retried on the next due pass');
  });
});

if (!url) {
  skippedWithout('AMQP_URL', 'AMQP delivery to a real broker');
} else {
  describe('AMQP delivery to a real broker', () => {
    const clock = manualClock(T0);
    const prefix = uniquePrefix('events');
    const exchange = `${prefix}.x`;
    const queue = `${prefix}.oms`;
    let connection: AmqpConnection;
    let ch: Channel;
    let gw: TestGateway;
    before(async () => {
      connection = testConnection(url);
      ch = await connection.channel();
      await ch.assertExchange(exchange, 'topic', { durable: true });
      await ch.assertQueue(queue, { durable: true });
      await ch.bindQueue(queue, exchange, 'EndDeviceEvents.#');
      const delivery = new RoutingDelivery({ http: new HttpDelivery(1000), amqp: new AmqpDelivery(connection, { confirmTimeoutMs: 5_000, log: silentLog }) });
      gw = testGateway({ amqpUrl: url, outbox: { baseDelayMs: 1000, maxDelayMs: 2000, maxAttempts: 50 } }, { clock, delivery });
      await provision(gw);
    });
    after(async () => {
      await gw.close();
      await ch.close().catch(() => undefined);
      await deleteBrokerObjects(connection, { queues: [queue], exchanges: [exchange, `${prefix}.late`, `${prefix}.unbound`] });
      await connection.close();
    });

    it('publishes each EventMessage persistent, as application/xml, with its MessageID as message-id, confirmed before it counts as delivered', async () => {
      const sub = await subscribe(gw, { endpoint: `amqp:${exchange}/EndDeviceEvents.created`, protocol: 'AMQP' });
      assert.equal(sub.status, 201);
      clock.set(T0 + S);
      await pushEvents(gw, [tamper('MTR-11', T0, 'ev-1'), tamper('MTR-11', T0 + 100, 'ev-2')]);
      await settle(gw);
      const b = await backlog(gw, sub.body.id);
      assert.deepEqual([b.pending, b.delivered, b.dead], [0, 2, 0]);
      // Marked delivered only after the broker confirmed: both are in the queue already.
      assert.equal((await ch.checkQueue(queue)).messageCount, 2);
      const got: ConsumeMessage[] = [];
      await ch.consume(queue, (m) => {
        if (m) got.push(m);
      }, { noAck: true });
      await eventually('two messages', () => got.length === 2);
      for (const [i, m] of got.entries()) {
        const xml = m.content.toString('utf8');
        assert.equal(m.properties.messageId, /<m:MessageID>([^<]+)</.exec(xml)![1]);
        assert.equal(m.properties.contentType, 'application/xml');
        assert.equal(m.properties.deliveryMode, 2);
        assert.equal(m.properties.type, 'EventMessage');
        assert.equal(m.fields.routingKey, 'EndDeviceEvents.created');
        assert.match(xml, /<m:Verb>created<\/m:Verb>\s*<m:Noun>EndDeviceEvents<\/m:Noun>/);
        assert.match(xml, new RegExp(`<(\\w+:)?mRID>ev-${i + 1}<`), 'one device\'s events in order');
      }
      const stored = gw.db.prepare(`SELECT message_id AS mid FROM outbox WHERE state = 'delivered' ORDER BY id`).all() as { mid: string }[];
      assert.deepEqual(got.map((m) => m.properties.messageId), stored.map((r) => r.mid));
    });

    it('retries while the exchange is missing or nothing is bound, then delivers', async () => {
      const late = await subscribe(gw, { endpoint: `amqp:${prefix}.late/EndDeviceEvents.created`, protocol: 'AMQP' });
      const unbound = await subscribe(gw, { endpoint: `amqp:${prefix}.unbound/nobody.listens`, protocol: 'AMQP' });
      await ch.assertExchange(`${prefix}.unbound`, 'topic', { durable: false });
      clock.advance(S);
      await pushEvents(gw, [tamper('MTR-11', clock.now().getTime() - 500, 'ev-3')]);
      await gw.drain();
      const lateBacklog = await backlog(gw, late.body.id);
      assert.deepEqual([lateBacklog.pending, lateBacklog.delivered], [1, 0]);
      assert.match(lateBacklog.lastError, new RegExp(`exchange '${prefix}\\.late' on .*NOT_FOUND - no exchange`));
      const unboundBacklog = await backlog(gw, unbound.body.id);
      assert.deepEqual([unboundBacklog.pending, unboundBacklog.delivered], [1, 0]);
      assert.match(unboundBacklog.lastError, new RegExp(`unroutable: no queue is bound to exchange '${prefix}\\.unbound' for routing key 'nobody\\.listens'`));

      await ch.assertExchange(`${prefix}.late`, 'topic', { durable: false });
      await ch.bindQueue(queue, `${prefix}.late`, '#');
      clock.advance(5 * S);
      await gw.drain();
      assert.deepEqual([(await backlog(gw, late.body.id)).delivered, (await backlog(gw, late.body.id)).pending], [1, 0]);
      assert.equal((await backlog(gw, unbound.body.id)).pending, 1, 'still nobody bound: still pending');
    });
  });
}
