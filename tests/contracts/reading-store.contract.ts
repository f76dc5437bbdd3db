import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readingsOf } from '../../gateway/domain/readings/reading-columns.js';
import type { Reading } from '../../gateway/domain/readings/reading.js';
import type { IngestMeta, ReadingStore } from '../../gateway/ports/reading-store.port.js';

export interface ReadingStoreFixture {
  store: ReadingStore;
  close(): Promise<void>;
}

const KWH = '0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0';
const VOLT = '0.0.0.6.0.1.54.0.0.0.0.0.0.0.129.0.29.0';
const T0 = Date.parse('2026-11-19T03:00:00Z');
const Q = 15 * 60_000;

const interval = (meter: string, i: number, value: number | undefined, qualities: string[] = []): Reading =>
  ({ meter, readingType: KWH, timestamp: T0 + i * Q, ...(value !== undefined ? { value } : {}), qualities, kind: 'interval' });
const meta = (source: string, messageId: string): IngestMeta => ({ source, messageId, receivedAt: new Date('2026-11-20T04:00:00Z') });

/** Ingests readings as one message and returns the stats. */
async function ingest(store: ReadingStore, readings: Reading[], m = meta('HES', 'msg')) {
  const id = await store.beginIngest(m);
  await store.stage(id, readings);
  return store.commitIngest(id);
}

/**
 * The reading-store contract: every implementation (SQLite now, PostgreSQL later) runs this
 * suite unchanged. Each test uses its own meter ids so the order of tests does not matter.
 */
export function readingStoreContract(name: string, open: () => Promise<ReadingStoreFixture>): void {
  describe(`reading-store contract: ${name}`, () => {
    let fx: ReadingStoreFixture;
    before(async () => { fx = await open(); });
    after(() => fx.close());

    it('stores interval readings with values and qualities and reads them back in time order', async () => {
      const readings = [interval('C-1', 2, 0.3), interval('C-1', 1, 0.2, ['2.4.1']), interval('C-1', 3, undefined, ['1.5.257'])];
      assert.deepEqual(await ingest(fx.store, readings), { inserted: 3, unchanged: 0, corrected: 0 });
      const got = await fx.store.read({ meters: ['C-1'] }, { offset: 0, limit: 10 });
      assert.deepEqual(got, [readings[1], readings[0], readings[2]]);
    });

    it('keeps register readings, reportedDateTime and source', async () => {
      const r: Reading = { meter: 'C-2', readingType: VOLT, timestamp: T0 + 7_000, value: 229.7, qualities: [], kind: 'register', reportedDateTime: T0 + 60_000, source: 'HES-A' };
      await ingest(fx.store, [r]);
      assert.deepEqual(await fx.store.read({ meters: ['C-2'] }, { offset: 0, limit: 10 }), [r]);
    });

    it('is idempotent on (meter, reading type, timestamp): a repeat is stored once', async () => {
      const readings = [interval('C-3', 1, 1.5), interval('C-3', 2, 1.25)];
      await ingest(fx.store, readings);
      assert.deepEqual(await ingest(fx.store, readings, meta('HES', 'msg-again')), { inserted: 0, unchanged: 2, corrected: 0 });
      assert.equal(await fx.store.count({ meters: ['C-3'] }), 2);
    });

    it('keeps a changed value as a correction with who sent it and when', async () => {
      await ingest(fx.store, [interval('C-4', 1, 1.0)], meta('HES', 'first'));
      const stats = await ingest(fx.store, [interval('C-4', 1, 1.1, ['3.7.0']), interval('C-4', 2, 2.0)], meta('MDM', 'estimate-1'));
      assert.deepEqual(stats, { inserted: 1, unchanged: 0, corrected: 1 });
      const [current] = await fx.store.read({ meters: ['C-4'] }, { offset: 0, limit: 1 });
      assert.equal(current!.value, 1.1);
      assert.deepEqual(current!.qualities, ['3.7.0']);
      const history = await fx.store.corrections('C-4', KWH, T0 + Q);
      assert.equal(history.length, 1);
      assert.equal(history[0]!.previousValue, 1.0);
      assert.equal(history[0]!.value, 1.1);
      assert.deepEqual(history[0]!.previousQualities, []);
      assert.equal(history[0]!.source, 'MDM');
      assert.equal(history[0]!.messageId, 'estimate-1');
      assert.equal(history[0]!.receivedAt.toISOString(), '2026-11-20T04:00:00.000Z');
    });

    it('shows nothing of an ingest before commit, and nothing after discard', async () => {
      const id = await fx.store.beginIngest(meta('HES', 'to-discard'));
      await fx.store.stage(id, [interval('C-5', 1, 9)]);
      await fx.store.stage(id, [interval('C-5', 2, 9)]);
      assert.equal(await fx.store.count({ meters: ['C-5'] }), 0);
      await fx.store.discardIngest(id);
      assert.equal(await fx.store.count({ meters: ['C-5'] }), 0);
      const kept = await fx.store.beginIngest(meta('HES', 'to-commit'));
      await fx.store.stage(kept, [interval('C-5', 3, 7)]);
      await fx.store.commitIngest(kept);
      assert.equal(await fx.store.count({ meters: ['C-5'] }), 1);
    });

    it('merges several staged batches of the same meter and day', async () => {
      const id = await fx.store.beginIngest(meta('HES', 'batches'));
      await fx.store.stage(id, [interval('C-6', 1, 1), interval('C-6', 2, 2)]);
      await fx.store.stage(id, [interval('C-6', 3, 3), interval('C-6', 2, 2)]);
      assert.deepEqual(await fx.store.commitIngest(id), { inserted: 3, unchanged: 1, corrected: 0 });
      assert.deepEqual((await fx.store.read({ meters: ['C-6'] }, { offset: 0, limit: 9 })).map((r) => r.value), [1, 2, 3]);
    });

    it('filters by reading type and window (start, end] and pages in a stable order', async () => {
      const day2 = T0 + 86_400_000;
      const readings = [
        ...[1, 2, 3, 4].map((i) => interval('C-7', i, i)),
        { ...interval('C-7', 0, 10), timestamp: day2 },
        { meter: 'C-7', readingType: VOLT, timestamp: T0 + 2 * Q, value: 230, qualities: [], kind: 'register' as const },
        interval('C-8', 2, 20),
      ];
      await ingest(fx.store, readings);
      const window = { start: new Date(T0 + Q), end: new Date(T0 + 3 * Q) };
      const kwh = await fx.store.read({ meters: ['C-7'], readingTypes: [KWH], ...window }, { offset: 0, limit: 10 });
      assert.deepEqual(kwh.map((r) => r.value), [2, 3]);
      assert.equal(await fx.store.count({ meters: ['C-7', 'C-8'], ...window }), 4);
      const all = await fx.store.read({ meters: ['C-8', 'C-7'] }, { offset: 0, limit: 100 });
      // Meter, then reading type code, then time; the requested order of meters does not matter.
      assert.deepEqual(all.map((r) => `${r.meter}/${r.readingType === KWH ? 'kwh' : 'v'}/${r.value}`), ['C-7/v/230', 'C-7/kwh/1', 'C-7/kwh/2', 'C-7/kwh/3', 'C-7/kwh/4', 'C-7/kwh/10', 'C-8/kwh/20']);
      const pages = [await fx.store.read({ meters: ['C-7', 'C-8'] }, { offset: 0, limit: 3 }), await fx.store.read({ meters: ['C-7', 'C-8'] }, { offset: 3, limit: 3 }), await fx.store.read({ meters: ['C-7', 'C-8'] }, { offset: 6, limit: 3 })];
      assert.deepEqual(pages.map((p) => p.length), [3, 3, 1]);
      assert.deepEqual(pages.flat(), all);
    });

    it('readAfter pages by keyset across meters and types, stable while readings are ingested', async () => {
      const all = [interval('K-1', 1, 1), interval('K-1', 2, 2), interval('K-2', 1, 3), interval('K-2', 2, 4), { ...interval('K-2', 1, 5), readingType: VOLT }];
      await ingest(fx.store, all);
      const q = { meters: ['K-2', 'K-1', 'K-3'] };
      const first = await fx.store.readAfter(q, undefined, 2);
      assert.deepEqual(first.map((r) => [r.meter, r.timestamp]), [['K-1', T0 + Q], ['K-1', T0 + 2 * Q]]);
      // Readings arriving before and at the boundary must neither repeat nor shift what follows.
      await ingest(fx.store, [interval('K-1', 0, 9), interval('K-2', 0, 9), interval('K-3', 1, 7)], meta('HES', 'late'));
      const last = first.at(-1)!;
      const rest = await fx.store.readAfter(q, { meter: last.meter, readingType: last.readingType, timestamp: last.timestamp }, 10);
      assert.deepEqual(rest.map((r) => [r.meter, r.readingType === VOLT ? 'V' : 'E', (r.timestamp - T0) / Q]),
        // Reading types order as their codes: the voltage code sorts before the energy one.
        [['K-2', 'V', 1], ['K-2', 'E', 0], ['K-2', 'E', 1], ['K-2', 'E', 2], ['K-3', 'E', 1]]);
      assert.deepEqual(await fx.store.readAfter({ ...q, readingTypes: [VOLT] }, { meter: 'K-2', readingType: VOLT, timestamp: T0 + Q }, 10), []);
    });

    it('readColumnsAfter answers what readAfter answers, as columns, for every cursor and limit', async () => {
      const day2 = T0 + 86_400_000;
      await ingest(fx.store, [
        interval('L-1', 1, 1.5, ['3.7.0']), interval('L-1', 2, undefined, ['1.5.257']), interval('L-1', 3, -0.25),
        { ...interval('L-1', 0, 7), timestamp: day2 }, { meter: 'L-1', readingType: VOLT, timestamp: T0 + 7_000, value: 229.7, qualities: [], kind: 'register', reportedDateTime: T0 + 60_000, source: 'HES-A' },
        interval('L-2', 1, 2), interval('L-2', 4, 3),
      ]);
      const queries = [{ meters: ['L-2', 'L-1'] }, { meters: ['L-1', 'L-2'], readingTypes: [KWH], start: new Date(T0 + Q), end: new Date(day2) }];
      for (const q of queries) {
        const all = await fx.store.readAfter(q, undefined, 100);
        assert.ok(all.length >= 4);
        for (const cursor of [undefined, ...all]) {
          const after = cursor && { meter: cursor.meter, readingType: cursor.readingType, timestamp: cursor.timestamp };
          for (const limit of [1, 2, 3, 100]) {
            const columns = await fx.store.readColumnsAfter(q, after, limit);
            assert.deepEqual(readingsOf(columns), await fx.store.readAfter(q, after, limit), `after ${JSON.stringify(after)}, limit ${limit}`);
            for (const c of columns) {
              assert.ok(c.length > 0);
              for (const a of [c.timestamps, c.values, c.hasValue, c.register]) assert.equal(a.length, c.length);
            }
          }
        }
      }
    });

    it('answers a restricted meter only inside its periods (closed ranges), before limits, offsets and cursors', async () => {
      await ingest(fx.store, [1, 2, 3, 4, 5, 6].flatMap((i) => [interval('P-1', i, i), interval('P-2', i, 10 + i)]));
      // P-1 only in [2Q, 3Q] and from 5Q on; P-2 unrestricted; P-3 (no readings) with an empty list.
      const periods = new Map([['P-1', [{ start: T0 + 2 * Q, end: T0 + 3 * Q }, { start: T0 + 5 * Q }]], ['P-3', []]]);
      const q = { meters: ['P-1', 'P-2', 'P-3'], periods };
      const all = await fx.store.read(q, { offset: 0, limit: 100 });
      assert.deepEqual(all.map((r) => r.value), [2, 3, 5, 6, 11, 12, 13, 14, 15, 16]);
      assert.equal(await fx.store.count(q), 10);
      assert.deepEqual((await fx.store.read(q, { offset: 2, limit: 3 })).map((r) => r.value), [5, 6, 11]);
      assert.deepEqual((await fx.store.readAfter(q, { meter: 'P-1', readingType: KWH, timestamp: T0 + 3 * Q }, 3)).map((r) => r.value), [5, 6, 11]);
      assert.deepEqual(readingsOf(await fx.store.readColumnsAfter(q, undefined, 3)).map((r) => r.value), [2, 3, 5]);
      const windowed = { ...q, start: new Date(T0 + 2 * Q), end: new Date(T0 + 5 * Q) };
      assert.deepEqual((await fx.store.read(windowed, { offset: 0, limit: 100 })).map((r) => r.value), [3, 5, 13, 14, 15], 'window (start, end] and periods both apply');
      assert.deepEqual(await fx.store.read({ meters: ['P-1'], periods: new Map([['P-1', []]]) }, { offset: 0, limit: 10 }), []);
    });

    it('answers nothing for a meter it has never seen', async () => {
      assert.deepEqual(await fx.store.read({ meters: ['NEVER'] }, { offset: 0, limit: 10 }), []);
      assert.equal(await fx.store.count({ meters: ['NEVER'] }), 0);
    });
  });
}
