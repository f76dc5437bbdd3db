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

    it('lists unpublished events in arrival order until marked published', async () => {
      const [a, b] = [ev('M1', 'A', 50), ev('M1', 'A', 10)];
      await f.store.add([a, b]);
      assert.deepEqual((await f.store.unpublished(10)).map((e) => e.id), [a.id, b.id]);
      await f.store.markPublished([a.id]);
      assert.deepEqual((await f.store.unpublished(10)).map((e) => e.id), [b.id]);
    });
  });
}
