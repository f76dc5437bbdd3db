import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import type { Outbox } from '../../gateway/ports/outbox.port.js';
import type { SubscriptionStore } from '../../gateway/ports/subscription-store.port.js';

export interface SubscriptionStoreFixture {
  store: SubscriptionStore;
  /** The outbox of the same database (backlog reads the state of what was queued). */
  outbox: Outbox;
  reset(): Promise<void>;
  close(): Promise<void>;
}

const now = new Date('2026-11-20T12:00:00Z');

/** The subscription store contract: CRUD, configured set replacement, publication records, backlog. */
export function subscriptionStoreContract(name: string, make: () => Promise<SubscriptionStoreFixture>): void {
  describe(`subscription-store contract: ${name}`, () => {
    let f: SubscriptionStoreFixture;
    beforeEach(async () => {
      f ??= await make();
      await f.reset();
    });
    after(() => f?.close());

    it('adds, lists by noun, gets and removes', async () => {
      const s = await f.store.add({ endpoint: 'http://oms/a', noun: 'EndDeviceEvents', protocol: 'SOAP', eventTypes: ['3.26.0.85'], deviceGroup: 'TR-1' }, 'api', now);
      assert.deepEqual(await f.store.get(s.id), { id: s.id, endpoint: 'http://oms/a', noun: 'EndDeviceEvents', protocol: 'SOAP', eventTypes: ['3.26.0.85'], deviceGroup: 'TR-1', origin: 'api', createdAt: now });
      assert.equal((await f.store.list('EndDeviceEvents')).length, 1);
      assert.equal((await f.store.list('MeterReadings')).length, 0);
      assert.equal(await f.store.remove(s.id), true);
      assert.equal(await f.store.remove(s.id), false);
    });

    it('replaces the configured set and leaves API-made subscriptions alone', async () => {
      await f.store.add({ endpoint: 'http://x/api', noun: 'EndDeviceEvents', protocol: 'REST' }, 'api', now);
      await f.store.replaceConfigured([{ id: 'c1', endpoint: 'http://x/1', noun: 'EndDeviceEvents', protocol: 'REST' }, { id: 'c2', endpoint: 'http://x/2', noun: 'EndDeviceEvents', protocol: 'REST' }], now);
      await f.store.replaceConfigured([{ id: 'c2', endpoint: 'http://x/2b', noun: 'EndDeviceEvents', protocol: 'SOAP' }], now);
      const all = await f.store.list();
      assert.deepEqual(all.map((s) => [s.origin, s.endpoint]).sort(), [['api', 'http://x/api'], ['config', 'http://x/2b']]);
    });

    it('queues a publication once with its record and reports the backlog from the outbox state', async () => {
      const s = await f.store.add({ endpoint: 'http://x/a', noun: 'EndDeviceEvents', protocol: 'REST' }, 'api', now);
      const entry = (n: number) => ({ kind: 'event' as const, destination: s.endpoint, protocol: 'REST' as const, messageId: `m${n}`, body: '<x/>', orderingKey: 'k' });
      const queue = async (n: number) => (await f.store.queuePublication(s.id, `e${n}`, entry(n), now))!;
      const [a, b, c] = [await queue(1), await queue(2), await queue(3)];
      assert.ok(a < b && b < c, 'outbox ids in queue order (the outbox delivers a key in id order)');
      assert.equal(await f.store.queuePublication(s.id, 'e2', entry(2), now), undefined, 'already queued: nothing');
      assert.equal(await f.store.isPublished(s.id, 'e1'), true);
      assert.equal(await f.store.isPublished(s.id, 'e9'), false);
      assert.deepEqual((await f.outbox.claimDue(now, 10, 1000)).map((e) => [e.id, e.messageId, e.state]), [[a, 'm1', 'pending']], 'the head of the key, as queued');
      await f.outbox.markDelivered(a, new Date(now.getTime() + 1000));
      await f.outbox.markFailed(b, 'HTTP 503', new Date(now.getTime() + 5000));
      await f.outbox.markFailed(c, 'HTTP 500', undefined);
      const backlog = await f.store.backlog(s.id);
      assert.deepEqual(backlog, { pending: 1, delivered: 1, dead: 1, oldestPending: now, lastError: 'HTTP 500', lastDeliveredAt: new Date(now.getTime() + 1000) });
    });
  });
}
