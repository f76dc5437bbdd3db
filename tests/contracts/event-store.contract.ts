import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import type { StoredEvent } from '../../gateway/domain/events/device-event.js';
import { eventId } from '../../gateway/domain/events/event-key.js';
import type { EventStore } from '../../gateway/ports/event-store.port.js';

export interface EventStoreFixture {
  store: EventStore;
  reset(): Promise<void>;
  close(): Promise<void>;
}

const ev = (device: string, eventType: string, at: number, mRID?: string, more: Partial<StoredEvent> = {}): StoredEvent => {
  const base = { device, eventType, createdDateTime: at, ...(mRID ? { mRID } : {}) };
  return { ...base, id: eventId(base), details: [{ name: 'k', value: 'v' }], source: 'HES', known: true, receivedAt: 1, ...more };
};

/** The event store contract: idempotent by (device, type, time, mRID), queryable, publication-tracked. */
export function eventStoreContract(name: string, make: () => Promise<EventStoreFixture>): void {
  describe(`event-store contract: ${name}`, () => {
    let f: EventStoreFixture;
    beforeEach(async () => {
      f ??= await make();
      await f.reset();
    });
    after(() => f?.close());

    it('stores an event once per key and returns only the new ones', async () => {
      const a = ev('M1', '3.26.0.85', 1000, 'x');
      assert.deepEqual((await f.store.add([a, a])).map((e) => e.id), [a.id]);
      assert.deepEqual(await f.store.add([a]), []);
      const other = ev('M1', '3.26.0.85', 1000, 'y');
      assert.equal((await f.store.add([other])).length, 1);
    });

    it('round-trips details, optional fields and the flag', async () => {
      const a = ev('M1', '9.9.9.9', 5, undefined, { known: false, reason: 'why', usagePoint: 'UP', severity: 'major' });
      await f.store.add([a]);
      const [back] = await f.store.query({ devices: ['M1'], limit: 10 });
      assert.deepEqual(back, a);
    });

    it('queries by devices, types and inclusive time window, oldest first, limited', async () => {
      await f.store.add([ev('M2', 'B', 30), ev('M1', 'A', 20), ev('M1', 'B', 10), ev('M3', 'A', 40)]);
      const q = async (o: Parameters<EventStore['query']>[0]) => (await f.store.query(o)).map((e) => `${e.device}/${e.eventType}`);
      assert.deepEqual(await q({ limit: 10 }), ['M1/B', 'M1/A', 'M2/B', 'M3/A']);
      assert.deepEqual(await q({ devices: ['M1', 'M3'], limit: 10 }), ['M1/B', 'M1/A', 'M3/A']);
      assert.deepEqual(await q({ eventTypes: ['A'], limit: 10 }), ['M1/A', 'M3/A']);
      assert.deepEqual(await q({ from: 20, to: 30, limit: 10 }), ['M1/A', 'M2/B']);
      assert.deepEqual(await q({ limit: 2 }), ['M1/B', 'M1/A']);
    });

    it('answers a restricted device only inside its periods (closed ranges), before the limit', async () => {
      await f.store.add([10, 20, 30, 40, 50].flatMap((t) => [ev('P1', '3.26.0.85', t), ev('P2', '3.26.0.85', t), ev('P3', '3.26.0.85', t)]));
      const periods = new Map([['P1', [{ start: 20, end: 30 }, { start: 50 }]], ['P3', []]]);
      const got = await f.store.query({ devices: ['P1', 'P2', 'P3'], periods, limit: 100 });
      assert.deepEqual(got.map((e) => `${e.device}@${e.createdDateTime}`), ['P2@10', 'P1@20', 'P2@20', 'P1@30', 'P2@30', 'P2@40', 'P1@50', 'P2@50']);
      assert.deepEqual((await f.store.query({ devices: ['P1', 'P3'], periods, limit: 2 })).map((e) => e.createdDateTime), [20, 30], 'the limit counts answered events');
      assert.deepEqual((await f.store.query({ devices: ['P1'], periods, from: 25, to: 60, limit: 10 })).map((e) => e.createdDateTime), [30, 50]);
    });

    it('lists unpublished events in arrival order until marked published', async () => {
      const [a, b] = [ev('M1', 'A', 50), ev('M1', 'A', 10)];
      await f.store.add([a, b]);
      assert.deepEqual((await f.store.unpublished(10)).map((e) => e.id), [a.id, b.id]);
      await f.store.markPublished([a.id]);
      assert.deepEqual((await f.store.unpublished(10)).map((e) => e.id), [b.id]);
    });
  });
}
