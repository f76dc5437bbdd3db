import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mulberry32 } from '../../gateway/adapters/hes-simulator/prng.js';
import { openPostgres, type Pool } from '../../gateway/adapters/postgres/pg-database.js';
import { PgReadingStore } from '../../gateway/adapters/postgres/reading-store.postgres.js';
import { SqliteReadingStore } from '../../gateway/adapters/sqlite/reading-store.sqlite.js';
import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';
import type { ReadingBlock } from '../../gateway/domain/readings/meter-reading.js';
import type { Reading } from '../../gateway/domain/readings/reading.js';
import type { ChangePosition, IngestMeta, ReadingChange, ReadingStore } from '../../gateway/ports/reading-store.port.js';
import { isolatedSchema, serviceUrl, skippedWithout } from '../helpers/services.js';

const KWH = '0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0';
const VOLT = '0.0.0.6.0.1.54.0.0.0.0.0.0.0.129.0.29.0';
const T0 = Date.parse('2026-11-19T22:00:00Z');
const Q = 15 * 60_000;
const START: ChangePosition = { seq: 0, index: 0 };
const meta = (messageId: string, source = 'HES'): IngestMeta => ({ source, messageId, receivedAt: new Date(T0 + 86_400_000) });

async function ingest(store: ReadingStore, batches: Reading[][], m = meta('m')) {
  const id = await store.beginIngest(m);
  for (const b of batches) await store.stage(id, b);
  return store.commitIngest(id);
}

/** Everything in the feed after `from`: the changes and the new position. */
async function feed(store: ReadingStore, from: ChangePosition): Promise<{ changes: ReadingChange[]; end: ChangePosition }> {
  const { end } = await store.changeBound(from, 10_000_000);
  if (!end) return { changes: [], end: from };
  return { changes: await store.readChanges(from, end, 10_000_000), end };
}

const show = (c: ReadingChange) => `${c.change} ${JSON.stringify(c.reading)}`;

/** One random message: a few batches of readings with repeats, shuffles, notes, registers and gaps, crossing midnight. */
function randomMessage(rnd: () => number): Reading[][] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const values = [1, 2, 2.5, -0, 0, 1e-300, 123456789.125, undefined] as const;
  const notes = [[], [], [], ['3.7.0'], ['1.5.257', '3.8.0']] as const;
  const batches: Reading[][] = [];
  for (let b = 0, nb = 1 + Math.floor(rnd() * 3); b < nb; b++) {
    const batch: Reading[] = [];
    for (let k = 0, n = 1 + Math.floor(rnd() * 12); k < n; k++) {
      const register = rnd() < 0.25;
      const r: Reading = {
        meter: pick(['D-1', 'D-2', 'D-3']), readingType: register ? VOLT : KWH,
        timestamp: T0 + Math.floor(rnd() * 12) * Q + (register ? 7_000 : 0), qualities: pick(notes), kind: register ? 'register' : 'interval',
      };
      const v = pick(values);
      if (v !== undefined) r.value = v;
      if (rnd() < 0.15) r.reportedDateTime = T0 + 60_000;
      if (rnd() < 0.1) r.source = pick(['HES-A', 'back\\slash "quoted"\ttab']);
      batch.push(r);
    }
    batches.push(batch);
  }
  return batches;
}

const url = serviceUrl('DATABASE_URL');
if (!url) {
  skippedWithout('DATABASE_URL', 'PostgreSQL reading store');
} else {
  describe('PostgreSQL reading store', () => {
    let db: Awaited<ReturnType<typeof isolatedSchema>>;
    let store: PgReadingStore;
    const extraPools: Pool[] = [];
    const instance = async () => {
      const pool = openPostgres(url, db.schema);
      extraPools.push(pool);
      return PgReadingStore.create(pool);
    };
    before(async () => {
      db = await isolatedSchema(url);
      store = await PgReadingStore.create(db.pool);
    });
    after(async () => {
      for (const p of extraPools) await p.end();
      await db.close();
    });

    it('answers exactly as the SQLite store for the same messages: stats, readings, corrections, change feed', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'cimgw-pg-diff-'));
      const sqliteDb = openSqlite(path.join(dir, 'gateway.sqlite'));
      try {
        const reference = new SqliteReadingStore(sqliteDb);
        const rnd = mulberry32(20261119);
        let [pgAt, refAt] = [START, START];
        const touched = new Set<string>();
        const sent: Reading[][][] = [];
        for (let m = 0; m < 80; m++) {
          // Now and then a message is sent again as it was (unchanged when nothing came in between).
          const batches = sent.length > 0 && rnd() < 0.25 ? sent[sent.length - 1 - Math.floor(rnd() * Math.min(3, sent.length))]! : randomMessage(rnd);
          sent.push(batches);
          for (const r of batches.flat()) touched.add(`${r.meter}|${r.readingType}|${r.timestamp}`);
          if (rnd() < 0.1) {
            // Discarded messages leave nothing, on either store.
            for (const s of [store, reference]) { const id = await s.beginIngest(meta(`x${m}`)); for (const b of batches) await s.stage(id, b); await s.discardIngest(id); }
            continue;
          }
          const source = m % 2 ? 'MDM' : 'HES';
          assert.deepEqual(await ingest(store, batches, meta(`m${m}`, source)), await ingest(reference, batches, meta(`m${m}`, source)), `stats of message ${m}`);
          // Within one commit the order of day blocks may differ; the changes themselves may not. A reading
          // repeated across a message's batches is journalled by SQLite once per batch (inserted, then
          // corrected); PostgreSQL journals it once, as the commit left it — compare that.
          const [pg, ref] = [await feed(store, pgAt), await feed(reference, refAt)];
          const perReading = (changes: ReadingChange[]) => {
            const last = new Map<string, ReadingChange>();
            for (const c of changes) {
              const key = `${c.reading.meter}|${c.reading.readingType}|${c.reading.timestamp}`;
              last.set(key, { ...c, change: last.get(key)?.change === 'inserted' ? 'inserted' : c.change });
            }
            return [...last.values()].map(show).sort();
          };
          assert.equal(perReading(pg.changes).length, pg.changes.length, 'one change per reading and commit');
          assert.deepEqual(pg.changes.map(show).sort(), perReading(ref.changes), `changes of message ${m}`);
          [pgAt, refAt] = [pg.end, ref.end];
        }
        const all = { meters: ['D-3', 'D-1', 'D-2'] };
        assert.deepEqual(await store.read(all, { offset: 0, limit: 100_000 }), await reference.read(all, { offset: 0, limit: 100_000 }));
        assert.equal(await store.count(all), await reference.count(all));
        const window = { ...all, start: new Date(T0 + 2 * Q), end: new Date(T0 + 7 * Q + 7_000), readingTypes: [VOLT] };
        assert.deepEqual(await store.read(window, { offset: 1, limit: 5 }), await reference.read(window, { offset: 1, limit: 5 }));
        assert.equal(await store.count(window), await reference.count(window));
        let corrections = 0;
        for (const key of touched) {
          const [meter, type, ts] = key.split('|') as [string, string, string];
          const [pg, ref] = [await store.corrections(meter, type, Number(ts)), await reference.corrections(meter, type, Number(ts))];
          // SQLite's REAL column turns -0 into 0 in the history (PostgreSQL keeps it): JSON has no -0 either.
          assert.deepEqual(JSON.parse(JSON.stringify(pg)), JSON.parse(JSON.stringify(ref)), `corrections of ${key}`);
          corrections += pg.length;
        }
        assert.ok(corrections > 20, `the messages corrected readings (${corrections})`);
      } finally {
        sqliteDb.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('takes a message sent again as unchanged, day by day, and journals nothing for it', async () => {
      const day = (meter: string, d: number): Reading[] => Array.from({ length: 96 }, (_, i): Reading => {
        const r: Reading = { meter, readingType: KWH, timestamp: T0 + d * 86_400_000 + i * Q, qualities: i % 10 ? [] : ['3.7.0'], kind: i === 5 ? 'register' : 'interval' };
        if (i % 7) r.value = i / 4;
        return r;
      });
      const message = [[...day('U-1', 0), ...day('U-2', 0)], [...day('U-1', 1)]];
      await ingest(store, message);
      const { end } = await feed(store, START);
      assert.deepEqual(await ingest(store, message, meta('again')), { inserted: 0, unchanged: 288, corrected: 0 });
      assert.deepEqual((await feed(store, end)).changes, []);
      const changed = message.map((b) => b.map((r) => (r.meter === 'U-2' && r.timestamp === T0 + 3 * Q ? { ...r, qualities: ['1.5.257'] } : r)));
      assert.deepEqual(await ingest(store, changed, meta('edited')), { inserted: 0, unchanged: 287, corrected: 1 });
      assert.deepEqual((await feed(store, end)).changes.map(show), [`corrected ${JSON.stringify({ ...changed[0]![96 + 3]!, qualities: ['1.5.257'] })}`]);
    });

    it('keeps odd values and texts exactly: -0, infinities, escapes in meter ids and notes', async () => {
      const odd = 'E\t1\\x\n"y"';
      const readings: Reading[] = [
        { meter: odd, readingType: KWH, timestamp: T0, value: -0, qualities: ['a\\b', 'tab\there'], kind: 'interval', source: '{"json": "\\u0041"}' },
        { meter: odd, readingType: KWH, timestamp: T0 + Q, value: Infinity, qualities: [], kind: 'interval' },
        { meter: odd, readingType: KWH, timestamp: T0 + 2 * Q, value: -Infinity, qualities: [], kind: 'interval', reportedDateTime: T0 - 1 },
        { meter: odd, readingType: KWH, timestamp: T0 + 3 * Q, value: 5e-324, qualities: [], kind: 'interval' },
      ];
      await ingest(store, [readings]);
      assert.deepEqual(await store.read({ meters: [odd] }, { offset: 0, limit: 10 }), readings);
    });

    it('takes NaN as a value and a repeat of it as unchanged', async () => {
      const r: Reading = { meter: 'N-1', readingType: KWH, timestamp: T0, value: NaN, qualities: [], kind: 'interval' };
      assert.deepEqual(await ingest(store, [[r]]), { inserted: 1, unchanged: 0, corrected: 0 });
      assert.deepEqual(await ingest(store, [[r]]), { inserted: 0, unchanged: 1, corrected: 0 });
      assert.ok(Number.isNaN((await store.read({ meters: ['N-1'] }, { offset: 0, limit: 1 }))[0]!.value));
    });

    it('takes the columnar blocks of stageSeries as they are, notes included', async () => {
      const block: ReadingBlock = {
        readingType: KWH, where: 'IntervalBlocks[1]', kind: 'interval', timestamps: [T0 + 2 * Q, T0 + Q, T0 + 3 * Q],
        values: [2, 1, NaN], hasValue: [1, 1, 0], notes: new Map([[2, { qualities: ['1.5.257'] }], [0, { qualities: [], source: 'S' }]]),
      };
      const id = await store.beginIngest(meta('series'));
      await store.stageSeries(id, [{ meter: 'S-1', readingType: KWH, block }]);
      assert.deepEqual(await store.commitIngest(id), { inserted: 3, unchanged: 0, corrected: 0 });
      assert.deepEqual(await store.read({ meters: ['S-1'] }, { offset: 0, limit: 10 }), [
        { meter: 'S-1', readingType: KWH, timestamp: T0 + Q, value: 1, qualities: [], kind: 'interval' },
        { meter: 'S-1', readingType: KWH, timestamp: T0 + 2 * Q, value: 2, qualities: [], kind: 'interval', source: 'S' },
        { meter: 'S-1', readingType: KWH, timestamp: T0 + 3 * Q, qualities: ['1.5.257'], kind: 'interval' },
      ]);
    });

    it('pages by offset and keyset over many meters and day rows (several query pages) in one order', async () => {
      const meters = Array.from({ length: 620 }, (_, i) => `P-${String(i).padStart(4, '0')}`);
      const readings = meters.flatMap((meter) => [0, 1].map((d): Reading => ({ meter, readingType: KWH, timestamp: T0 + d * 86_400_000, value: d, qualities: [], kind: 'interval' })));
      await ingest(store, [readings]);
      const q = { meters: [...meters].reverse() };
      const all = await store.read(q, { offset: 0, limit: 10_000 });
      assert.equal(all.length, 1240);
      assert.deepEqual(all.map((r) => `${r.meter} ${r.value}`), meters.flatMap((m) => [`${m} 0`, `${m} 1`]));
      const keyset: Reading[] = [];
      for (let page = await store.readAfter(q, undefined, 97); page.length > 0;) {
        keyset.push(...page);
        const last = page.at(-1)!;
        page = await store.readAfter(q, { meter: last.meter, readingType: last.readingType, timestamp: last.timestamp }, 97);
      }
      assert.deepEqual(keyset, all);
      assert.deepEqual(await store.read(q, { offset: 1100, limit: 5 }), all.slice(1100, 1105));
      assert.equal(await store.count(q), 1240);
    });

    it('refuses a timestamp the store cannot keep, with a clear error and nothing staged', async () => {
      const id = await store.beginIngest(meta('bad-ts'));
      await assert.rejects(store.stage(id, [{ meter: 'B-1', readingType: KWH, timestamp: Date.parse('+010000-01-01T00:00:00Z'), value: 1, qualities: [], kind: 'interval' }]), /timestamp the store cannot keep/);
      await assert.rejects(store.stage(id, [{ meter: 'B-1', readingType: KWH, timestamp: NaN, value: 1, qualities: [], kind: 'interval' }]), /timestamp the store cannot keep/);
      assert.deepEqual(await store.commitIngest(id), { inserted: 0, unchanged: 0, corrected: 0 });
      assert.equal(await store.count({ meters: ['B-1'] }), 0);
      await assert.rejects(store.commitIngest(id), /unknown ingest/, 'a committed ingest is gone');
      await assert.rejects(store.stage('not-an-ingest', [{ meter: 'B-1', readingType: KWH, timestamp: T0, value: 1, qualities: [], kind: 'interval' }]), /unknown ingest/);
    });

    it('refuses to commit an ingest whose staging the database lost, and stores none of it', async () => {
      const id = await store.beginIngest(meta('lost'));
      await store.stage(id, [{ meter: 'L-1', readingType: KWH, timestamp: T0, value: 1, qualities: [], kind: 'interval' }]);
      await store.stage(id, [{ meter: 'L-1', readingType: KWH, timestamp: T0 + 86_400_000, value: 1, qualities: [], kind: 'interval' }]);
      // What a crash does to an UNLOGGED table, for one ingest's rows.
      await db.pool.query(`DELETE FROM reading_staging WHERE ingest_id = $1 AND day = '2026-11-20'`, [id]);
      await assert.rejects(store.commitIngest(id), /staged day rows were lost/);
      assert.equal(await store.count({ meters: ['L-1'] }), 0);
    });

    it('forgets at start the staging of ingests untouched for longer than the stale age, and only those', async () => {
      const old = await store.beginIngest(meta('old'));
      await store.stage(old, [{ meter: 'O-1', readingType: KWH, timestamp: T0, value: 1, qualities: [], kind: 'interval' }]);
      await db.pool.query(`UPDATE reading_ingests SET touched_at = now() - interval '2 hours' WHERE id = $1`, [old]);
      const live = await store.beginIngest(meta('live'));
      await store.stage(live, [{ meter: 'O-2', readingType: KWH, timestamp: T0, value: 1, qualities: [], kind: 'interval' }]);
      await instance();
      await assert.rejects(store.commitIngest(old), /unknown ingest/);
      assert.deepEqual(await store.commitIngest(live), { inserted: 1, unchanged: 0, corrected: 0 });
    });

    it('two instances creating the same new month partition at once both commit', async () => {
      const [a, b] = [await instance(), await instance()];
      const at = Date.parse('2031-03-04T00:15:00Z');
      const stats = await Promise.all([a, b, a, b].map((s, i) => ingest(s, [[{ meter: `R-${i}`, readingType: KWH, timestamp: at, value: i, qualities: [], kind: 'interval' }]])));
      assert.deepEqual(stats.map((s) => s.inserted), [1, 1, 1, 1]);
      const parts = await db.pool.query(`SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'reading_days'::regclass AND inhrelid::regclass::text LIKE 'reading_days_2031_03'`);
      assert.equal(parts.rows[0].n, 1);
    });

    it('with several instances committing at once, a reader following the feed misses nothing and sees nothing twice', async () => {
      // Each instance commits one ingest at a time, so concurrency comes from the number of instances.
      const instances = await Promise.all(Array.from({ length: 6 }, () => instance()));
      const { end: startAt } = await feed(store, START);
      const seen: ReadingChange[] = [];
      let writing = true;
      const reader = (async () => {
        let at = startAt;
        for (let last = false; !last;) {
          last = !writing;
          const { changes, end } = await feed(instances[0]!, at);
          seen.push(...changes);
          at = end;
        }
      })();
      const writers = instances.map(async (s, w) => {
        for (let m = 0; m < 10; m++) {
          const id = await s.beginIngest(meta(`w${w}-${m}`));
          // Different sizes, so commits finish out of the order they started in.
          const n = 1 + ((w * 7 + m * 5) % 9) * 40;
          await s.stage(id, Array.from({ length: n }, (_, i): Reading => ({ meter: `W-${w}-${i % 13}`, readingType: KWH, timestamp: T0 + (m * 400 + i) * Q, value: m, qualities: [], kind: 'interval' })));
          await s.commitIngest(id);
        }
      });
      await Promise.all(writers);
      writing = false;
      await reader;
      const everything = (await feed(store, startAt)).changes;
      assert.equal(everything.length, Array.from({ length: 10 }, (_, m) => m).reduce((sum, m) => sum + instances.reduce((s, _, w) => s + 1 + ((w * 7 + m * 5) % 9) * 40, 0), 0));
      assert.deepEqual(seen.map((c) => [c.position, show(c)]), everything.map((c) => [c.position, show(c)]));
    });
  });
}
