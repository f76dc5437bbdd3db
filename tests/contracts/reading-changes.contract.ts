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

    it('retention deletes old entries below a seq as a prefix, at most `max` at a time, and moves the horizon', async () => {
      const FAR = new Date(8.64e15);
      assert.equal(await store.changeHorizon(), 0, 'nothing pruned yet');
      const seqs = [...new Set((await all(store, START)).map((c) => c.position.seq))];
      assert.ok(seqs.length >= 4);
      // Too recent: nothing goes, whatever the seq.
      assert.equal(await store.pruneChanges(Number.MAX_SAFE_INTEGER, new Date(0), 100), 0);
      const rest = (from: number) => all(store, { seq: from, index: -1 });
      const keptFrom = await rest(seqs[2]!);
      assert.equal(await store.pruneChanges(seqs[2]!, FAR, 1), 1, 'one entry per call at most');
      assert.equal(await store.changeHorizon(), seqs[0]);
      assert.equal(await store.pruneChanges(seqs[2]!, FAR, 100), 1, 'below seqs[2] only');
      assert.equal(await store.changeHorizon(), seqs[1]);
      assert.deepEqual((await rest(seqs[2]!)).map(key), keptFrom.map(key), 'what follows is untouched');
      // An entry committed after the cut-off stops the pruning there, even below the seq given.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const cutOff = new Date();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await ingest(store, [r('F-4', 1, 1)], 'young');
      assert.equal(await store.pruneChanges(Number.MAX_SAFE_INTEGER, cutOff, 100), seqs.length - 2);
      assert.deepEqual((await all(store, START)).map(key), ['inserted F-4 1 1 ']);
      const young = (await all(store, START))[0]!.position.seq;
      assert.equal(await store.changeHorizon(), young - 1);
      assert.equal(await store.pruneChanges(Number.MAX_SAFE_INTEGER, FAR, 100), 1);
      assert.equal(await store.changeHorizon(), young, 'an emptied journal remembers how far it went');
      store = await fx.reopen();
      assert.equal(await store.changeHorizon(), young, 'also after a restart');
      await ingest(store, [r('F-5', 1, 1)], 'after-prune');
      assert.ok((await all(store, START))[0]!.position.seq > young, 'seqs are never reused');
    });
  });
}
