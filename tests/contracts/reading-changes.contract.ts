import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Reading } from '../../gateway/domain/readings/reading.js';
import type { ChangePosition, ReadingStore } from '../../gateway/ports/reading-store.port.js';

export interface ReadingChangesFixture {
  store: ReadingStore;
  /** Closes and reopens the same storage (a gateway restart); returns the new store. */
  reopen(): Promise<ReadingStore>;
  close(): Promise<void>;
}

const KWH = '0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0';
const T0 = Date.parse('2026-11-19T03:00:00Z');
const Q = 15 * 60_000;
const START: ChangePosition = { seq: 0, index: 0 };
const r = (meter: string, i: number, value: number, qualities: string[] = []): Reading => ({ meter, readingType: KWH, timestamp: T0 + i * Q, value, qualities, kind: 'interval' });

async function ingest(store: ReadingStore, readings: Reading[], messageId = 'm') {
  const id = await store.beginIngest({ source: 'HES', messageId, receivedAt: new Date(T0) });
  await store.stage(id, readings);
  return store.commitIngest(id);
}

/** Everything after `after`, read in chunks of `chunk` (as the I7 export streams it). */
async function all(store: ReadingStore, after: ChangePosition, chunk = 2, meters?: string[]) {
  const { end } = await store.changeBound(after, 1_000_000, meters);
  const out = [];
  for (let from = after; end;) {
    const page = await store.readChanges(from, end, chunk, meters);
    out.push(...page);
    if (page.length < chunk) break;
    from = page.at(-1)!.position;
  }
  return out;
}

const key = (c: { change: string; reading: Reading }) => `${c.change} ${c.reading.meter} ${(c.reading.timestamp - T0) / Q} ${c.reading.value} ${c.reading.qualities.join('+')}`;

/** The change feed behind the I7 watermark; every reading-store implementation runs it. */
export function readingChangesContract(name: string, open: () => Promise<ReadingChangesFixture>): void {
  describe(`reading-store change feed: ${name}`, () => {
    let fx: ReadingChangesFixture;
    let store: ReadingStore;
    before(async () => { fx = await open(); store = fx.store; });
    after(() => fx.close());

    it('lists each committed insertion and correction once, in commit order; unchanged repeats add nothing', async () => {
      assert.deepEqual(await store.changeBound(START, 10), { more: false }, 'empty store: no bound');
      await ingest(store, [r('F-2', 1, 1), r('F-1', 2, 2), r('F-1', 1, 1)], 'a');
      await ingest(store, [r('F-1', 1, 1), r('F-1', 2, 2.5, ['3.8.0']), r('F-1', 3, 3)], 'b');
      const changes = await all(store, START);
      assert.deepEqual(changes.map(key), [
        'inserted F-1 1 1 ', 'inserted F-1 2 2 ', 'inserted F-2 1 1 ',
        'corrected F-1 2 2.5 3.8.0', 'inserted F-1 3 3 ',
      ]);
      for (let i = 1; i < changes.length; i++) {
        const [a, b] = [changes[i - 1]!.position, changes[i]!.position];
        assert.ok(b.seq > a.seq || (b.seq === a.seq && b.index > a.index), 'positions grow');
      }
      // Resuming from any position returns exactly the rest.
      for (let i = 0; i < changes.length; i++) assert.deepEqual((await all(store, changes[i]!.position, 1)).map(key), changes.slice(i + 1).map(key));
    });

    it('bounds a request by a number of changes, reports whether more follow, and filters by meter', async () => {
      const changes = await all(store, START);
      const b = await store.changeBound(START, 2);
      assert.deepEqual(b, { end: changes[1]!.position, more: true });
      assert.deepEqual((await store.readChanges(START, b.end!, 100)).map(key), changes.slice(0, 2).map(key));
      assert.deepEqual(await store.changeBound(START, changes.length), { end: changes.at(-1)!.position, more: false });
      assert.deepEqual((await all(store, START, 1, ['F-2'])).map(key), ['inserted F-2 1 1 ']);
      assert.deepEqual(await store.changeBound(changes.at(-1)!.position, 5), { more: false });
    });

    it('keeps positions across a restart; later commits come after them', async () => {
      const before = await all(store, START);
      store = await fx.reopen();
      assert.deepEqual((await all(store, START)).map((c) => [c.position, key(c)]), before.map((c) => [c.position, key(c)]));
      await ingest(store, [r('F-3', 1, 7)], 'after-restart');
      assert.deepEqual((await all(store, before.at(-1)!.position)).map(key), ['inserted F-3 1 7 ']);
    });
  });
}
