import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StoredEvent } from '../../gateway/domain/events/device-event.js';
import { eventId } from '../../gateway/domain/events/event-key.js';
import type { EventStore } from '../../gateway/ports/event-store.port.js';
import type { InterruptionStore } from '../../gateway/ports/interruption-store.port.js';

export interface ChangeFeedsFixture {
  events: EventStore;
  interruptions: InterruptionStore;
  /** Closes and reopens the same storage (a gateway restart). */
  reopen(): Promise<{ events: EventStore; interruptions: InterruptionStore }>;
  close(): Promise<void>;
}

const ev = (device: string, at: number): StoredEvent => {
  const base = { device, eventType: '3.26.0.85', createdDateTime: at };
  return { ...base, id: eventId(base), details: [], source: 'HES', known: true, receivedAt: 1 };
};

type Feed = Pick<EventStore, 'changeBound' | 'readChanges'>;
async function drain<T>(feed: { changeBound: Feed['changeBound']; readChanges: (a: number, u: number, l: number, f?: string[]) => Promise<(T & { seq: number })[]> }, after: number, filter?: string[]) {
  const { end } = await feed.changeBound(after, 1_000_000, filter);
  return end === undefined ? [] : feed.readChanges(after, end, 1_000_000, filter);
}

/** Change feeds of the event and interruption stores (the I7 watermark); every implementation runs it. */
export function changeFeedsContract(name: string, open: () => Promise<ChangeFeedsFixture>): void {
  describe(`event and interruption change feeds: ${name}`, () => {
    let fx: ChangeFeedsFixture;
    let stores: { events: EventStore; interruptions: InterruptionStore };
    before(async () => { fx = await open(); stores = fx; });
    after(() => fx.close());

    it('lists events by arrival (not event time), each once; repeats add nothing; bounds by a count', async () => {
      assert.deepEqual(await stores.events.changeBound(0, 5), { more: false });
      await stores.events.add([ev('M1', 300), ev('M2', 100)]);
      await stores.events.add([ev('M1', 300), ev('M1', 50)]);
      const all = await drain(stores.events, 0);
      assert.deepEqual(all.map((c) => [c.event.device, c.event.createdDateTime]), [['M1', 300], ['M2', 100], ['M1', 50]]);
      assert.ok(all[0]!.seq < all[1]!.seq && all[1]!.seq < all[2]!.seq);
      assert.deepEqual(await stores.events.changeBound(0, 2), { end: all[1]!.seq, more: true });
      assert.deepEqual((await stores.events.readChanges(all[0]!.seq, all[2]!.seq, 1)).map((c) => c.event.createdDateTime), [100]);
      assert.deepEqual((await drain(stores.events, 0, ['M2'])).map((c) => c.event.device), ['M2']);
      assert.deepEqual(await stores.events.changeBound(all[2]!.seq, 5), { more: false });
    });

    it('lists every save of an interruption (opened, then closed) once, as that save left it', async () => {
      const id = await stores.interruptions.save({ meter: 'M1', track: 'power', kind: 'supply', start: 1000 });
      await stores.interruptions.save({ meter: 'M2', track: 'power', kind: 'supply', start: 1500 });
      await stores.interruptions.save({ meter: 'M1', track: 'power', kind: 'supply', start: 1000, end: 5000, id });
      const all = await drain(stores.interruptions, 0);
      assert.deepEqual(all.map((c) => [c.interruption.id === id, c.interruption.meter, c.interruption.end]), [[true, 'M1', undefined], [false, 'M2', undefined], [true, 'M1', 5000]]);
      assert.deepEqual((await drain(stores.interruptions, all[0]!.seq, ['M1'])).map((c) => c.interruption.end), [5000]);
      assert.deepEqual(await stores.interruptions.changeBound(0, 1), { end: all[0]!.seq, more: true });
    });

    it('keeps both feeds across a restart; later changes come after them', async () => {
      const [events, interruptions] = [await drain(stores.events, 0), await drain(stores.interruptions, 0)];
      stores = await fx.reopen();
      assert.deepEqual(await drain(stores.events, 0), events);
      assert.deepEqual(await drain(stores.interruptions, 0), interruptions);
      await stores.events.add([ev('M3', 1)]);
      await stores.interruptions.save({ meter: 'M3', track: 'power', kind: 'supply', start: 1 });
      assert.deepEqual((await drain(stores.events, events.at(-1)!.seq)).map((c) => c.event.device), ['M3']);
      assert.deepEqual((await drain(stores.interruptions, interruptions.at(-1)!.seq)).map((c) => c.interruption.meter), ['M3']);
    });

    it('interruption journal retention: an old prefix below a seq, at most `max` at a time; the horizon follows', async () => {
      const FAR = new Date(8.64e15);
      assert.equal(await stores.interruptions.changeHorizon(), 0);
      const seqs = (await drain(stores.interruptions, 0)).map((c) => c.seq);
      assert.ok(seqs.length >= 3);
      assert.equal(await stores.interruptions.pruneChanges(Number.MAX_SAFE_INTEGER, new Date(0), 100), 0, 'too recent');
      assert.equal(await stores.interruptions.pruneChanges(seqs[2]!, FAR, 1), 1);
      assert.equal(await stores.interruptions.pruneChanges(seqs[2]!, FAR, 100), 1);
      assert.equal(await stores.interruptions.changeHorizon(), seqs[1]);
      assert.deepEqual((await drain(stores.interruptions, seqs[1]!)).map((c) => c.seq), seqs.slice(2));
      assert.equal(await stores.interruptions.pruneChanges(Number.MAX_SAFE_INTEGER, FAR, 100), seqs.length - 2);
      assert.equal(await stores.interruptions.changeHorizon(), seqs.at(-1), 'emptied: the last seq handed out');
      await stores.interruptions.save({ meter: 'M4', track: 'power', kind: 'supply', start: 1 });
      assert.ok((await drain(stores.interruptions, 0))[0]!.seq > seqs.at(-1)!);
    });
  });
}
