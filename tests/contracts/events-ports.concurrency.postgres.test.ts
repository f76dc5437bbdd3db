import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PgConsentStore } from '../../gateway/adapters/postgres/consent-store.postgres.js';
import { PgDeliveryJobStore } from '../../gateway/adapters/postgres/delivery-job.postgres.js';
import { PgEventStore } from '../../gateway/adapters/postgres/event-store.postgres.js';
import { PgInterruptionStore } from '../../gateway/adapters/postgres/interruption-store.postgres.js';
import { PgNetwork } from '../../gateway/adapters/postgres/network.postgres.js';
import { PgOutbox } from '../../gateway/adapters/postgres/outbox.postgres.js';
import { openPostgres, type Pool } from '../../gateway/adapters/postgres/pg-database.js';
import { PgSubscriptionStore } from '../../gateway/adapters/postgres/subscription-store.postgres.js';
import type { StoredEvent } from '../../gateway/domain/events/device-event.js';
import { eventId } from '../../gateway/domain/events/event-key.js';
import { EventTypeTable } from '../../gateway/domain/events/event-types.js';
import { OutageDetector } from '../../gateway/use-cases/detect-outages.use-case.js';
import { isolatedSchema, serviceUrl, skippedWithout } from '../helpers/services.js';

const ev = (device: string, at: number, eventType = '3.26.0.85'): StoredEvent => {
  const base = { device, eventType, createdDateTime: at };
  return { ...base, id: eventId(base), details: [], source: 'HES', known: true, receivedAt: 1 };
};

const url = serviceUrl('DATABASE_URL');
if (!url) {
  skippedWithout('DATABASE_URL', 'several gateway instances on one PostgreSQL (events, I8)');
} else {
  /** Each "instance" is a pool of its own on the same schema, as separate gateway processes would be. */
  describe('several gateway instances on one PostgreSQL (events, I8)', () => {
    let db: Awaited<ReturnType<typeof isolatedSchema>>;
    const pools: Pool[] = [];
    const instance = () => {
      const pool = openPostgres(url, db.schema);
      pools.push(pool);
      return pool;
    };
    before(async () => { db = await isolatedSchema(url); });
    after(async () => {
      await Promise.all(pools.map((p) => p.end()));
      await db.close();
    });

    it('stores an event once when two instances receive it at once; only one reports it new', async () => {
      const [a, b] = [await PgEventStore.create(instance()), await PgEventStore.create(instance())];
      const events = Array.from({ length: 200 }, (_, i) => ev(`DUP-${i % 7}`, i));
      // Overlapping batches in opposite orders: without one order of writers they could deadlock.
      const batches = (list: StoredEvent[]) => Array.from({ length: 10 }, (_, k) => list.slice(k * 20, k * 20 + 40));
      const fresh = (await Promise.all([...batches(events).map((x) => a.add(x)), ...batches([...events].reverse()).map((x) => b.add(x))])).flat();
      assert.equal(fresh.length, events.length);
      assert.equal(new Set(fresh.map((e) => e.id)).size, events.length);
      assert.equal((await a.query({ devices: ['DUP-0', 'DUP-1', 'DUP-2', 'DUP-3', 'DUP-4', 'DUP-5', 'DUP-6'], limit: 1000 })).length, events.length);
      await a.markPublished(events.map((e) => e.id));
    });

    it('hands each unpublished event to one instance, keeping a device\'s later events behind the one another holds', async () => {
      const [a, b] = [await PgEventStore.create(instance()), await PgEventStore.create(instance())];
      // Arrival order: P1@1 P2@1 P1@2 P3@1 P1@3 P2@2
      const list = [ev('P1', 1), ev('P2', 1), ev('P1', 2), ev('P3', 1), ev('P1', 3), ev('P2', 2)];
      await a.add(list);
      const ids = (xs: StoredEvent[]) => xs.map((e) => `${e.device}@${e.createdDateTime}`);
      assert.deepEqual(ids(await a.unpublished(2)), ['P1@1', 'P2@1']);
      assert.deepEqual(ids(await b.unpublished(10)), ['P3@1'], 'P1 and P2 wait for A');
      assert.deepEqual(ids(await a.unpublished(2)), ['P1@1', 'P2@1'], 'A sees its own claim again (a failed pass retries)');
      await a.markPublished([list[0]!.id]);
      assert.deepEqual(ids(await b.unpublished(10)), ['P1@2', 'P3@1', 'P1@3'], 'P2@2 still behind P2@1 held by A');
      await a.markPublished([list[1]!.id]);
      assert.deepEqual(ids(await a.unpublished(10)), ['P2@2']);
      await b.markPublished([list[3]!.id, list[2]!.id, list[4]!.id]);
      await a.markPublished([list[5]!.id]);
      assert.deepEqual([await a.unpublished(10), await b.unpublished(10)], [[], []]);
    });

    it('gives an instance\'s unpublished events to another once its lease lapses (it crashed)', async () => {
      const crashed = await PgEventStore.create(instance(), { publishLeaseMs: 100 });
      const survivor = await PgEventStore.create(instance());
      const e = ev('L1', 1);
      await crashed.add([e]);
      assert.equal((await crashed.unpublished(10)).length, 1);
      assert.deepEqual(await survivor.unpublished(10), []);
      await sleep(250);
      assert.deepEqual((await survivor.unpublished(10)).map((x) => x.id), [e.id]);
      await survivor.markPublished([e.id]);
    });

    it('publication passes racing on two instances claim every event exactly once', async () => {
      const [a, b] = [await PgEventStore.create(instance()), await PgEventStore.create(instance())];
      const list = Array.from({ length: 300 }, (_, i) => ev(`R-${i % 13}`, i));
      await a.add(list);
      const claimed = new Map<string, string[]>();
      const published = new Map<string, number[]>();
      const pass = async (name: string, store: PgEventStore) => {
        for (;;) {
          const batch = await store.unpublished(7);
          if (batch.length === 0) return;
          for (const e of batch) {
            claimed.set(e.id, [...(claimed.get(e.id) ?? []), name]);
            published.set(e.device, [...(published.get(e.device) ?? []), e.createdDateTime]);
          }
          await store.markPublished(batch.map((e) => e.id));
        }
      };
      await Promise.all([pass('a', a), pass('b', b)]);
      assert.equal(claimed.size, list.length);
      assert.deepEqual([...claimed.values()].filter((who) => who.length > 1), []);
      for (const [device, times] of published) assert.deepEqual(times, [...times].sort((x, y) => x - y), `${device} in order`);
      assert.ok(new Set([...claimed.values()].flat()).size === 2, 'both instances took part');
    });

    it('a change-feed reader racing two writers sees every event once, in seq order, never skipping one', async () => {
      const [a, b, reader] = [await PgEventStore.create(instance()), await PgEventStore.create(instance()), await PgEventStore.create(instance())];
      const { end: start = 0 } = await reader.changeBound(0, 1_000_000);
      const written = Array.from({ length: 2 }, (_, w) => Array.from({ length: 60 }, (_, k) => Array.from({ length: 3 }, (_, j) => ev(`F${w}-${j}`, k))));
      let writing = true;
      const seen: number[] = [];
      const read = async () => {
        let mark = start;
        for (let idle = 0; idle < 2;) {
          const { end } = await reader.changeBound(mark, 50);
          if (end === undefined) {
            if (!writing) idle++;
            continue;
          }
          const rows = await reader.readChanges(mark, end, 50);
          seen.push(...rows.map((r) => r.seq));
          mark = rows.at(-1)!.seq;
        }
      };
      const readerDone = read();
      await Promise.all([a, b].map(async (store, w) => { for (const batch of written[w]!) await store.add(batch); }));
      writing = false;
      await readerDone;
      assert.equal(seen.length, 2 * 60 * 3);
      assert.ok(seen.every((s, i) => i === 0 || s > seen[i - 1]!));
      await a.markPublished(written.flat(2).map((e) => e.id));
    });

    it('runs outage detection on one instance at a time: one outage, notified once, offs and restores paired across instances', async () => {
      const network = await PgNetwork.create(instance());
      const meters = Array.from({ length: 8 }, (_, i) => `OM-${i}`);
      await network.upsertTransformers([{ id: 'OTR' }]);
      await network.upsertUsagePoints(meters.map((m) => ({ mRID: `UP-${m}`, names: [], transformerId: 'OTR' })));
      await network.upsertMeters(meters.map((m) => ({ mRID: m, names: [], status: 'in-service', commPath: 'point-to-point', usagePointMRID: `UP-${m}` })));
      const table = new EventTypeTable(JSON.parse(readFileSync('mappings/end-device-event-types.json', 'utf8')));
      const detector = async () => new OutageDetector({ store: await PgInterruptionStore.create(instance()), meters: network, table, settings: { thresholdMs: 30_000, windowMs: 60_000 } });
      const [a, b] = [await detector(), await detector()];
      const T = 1_800_000_000_000;
      const notes = async (runs: Promise<{ eventType: string }[]>[]) => (await Promise.all(runs)).flat().map((n) => n.eventType);
      // Load balancing spreads one transformer's offs over both instances, and each meter's restore goes to the other one.
      assert.deepEqual(await notes(meters.map((m, i) => (i % 2 ? a : b).apply([ev(m, T + i * 100)], T + 1000))), []);
      assert.deepEqual(await notes([a.check(T + 35_000), b.check(T + 35_000), a.check(T + 36_000)]), ['0.26.0.85'], 'started, once');
      assert.deepEqual(await notes(meters.map((m, i) => (i % 2 ? b : a).apply([ev(m, T + 40_000, '3.26.0.216')], T + 41_000))), ['0.26.0.216'], 'restored, once');
      const store = await PgInterruptionStore.create(instance());
      const found = await store.interruptions({ from: T - 1, to: T + 50_000 });
      assert.deepEqual(found.map((i) => [i.meter, i.start, i.end]), meters.map((m, i) => [m, T + i * 100, T + 40_000]), 'one complete interruption per meter');
      const outages = await store.outages(T - 1, T + 50_000);
      assert.deepEqual(outages.map((o) => [o.groupId, o.state]), [['OTR', 'restored']]);
      assert.ok(found.every((i) => i.outageId === outages[0]!.id));
    });

    it('claims each runnable delivery run for one instance until its outcome, or until the lease lapses', async () => {
      const [a, b] = [await PgDeliveryJobStore.create(instance(), { claimLimit: 1000 }), await PgDeliveryJobStore.create(instance(), { claimLimit: 1000 })];
      const t0 = new Date('2026-03-01T16:00:00Z');
      await a.create({ id: 'cj', clientId: 'c', cron: '* * * * *', timeZone: 'UTC', query: { resource: 'events' }, target: { kind: 'file' }, createdAt: t0 });
      const runIds = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).addRun('cj', new Date(t0.getTime() + i * 60_000))));
      const now = new Date(t0.getTime() + 3600_000);
      const [ra, rb] = await Promise.all([a.runnable(now), b.runnable(now)]);
      assert.equal(ra.length + rb.length, 40);
      assert.deepEqual(new Set([...ra, ...rb].map((r) => r.id)), new Set(runIds));
      assert.deepEqual([await a.runnable(now), await b.runnable(now)], [[], []], 'leased');
      const done = ra[0] ?? rb[0]!;
      await a.updateRun({ ...done, state: 'delivered', attempts: 1, deliveredAt: now });
      const afterLease = await b.runnable(new Date(now.getTime() + 15 * 60_000));
      assert.equal(afterLease.length, 39, 'every run whose instance never reported back, not the delivered one');
    });

    it('queues a publication once when two instances queue it at once; configuration applied by all at start', async () => {
      await PgOutbox.create(instance());
      const [a, b] = [await PgSubscriptionStore.create(instance()), await PgSubscriptionStore.create(instance())];
      const now = new Date('2026-11-20T12:00:00Z');
      const s = await a.add({ endpoint: 'http://oms/x', noun: 'EndDeviceEvents', protocol: 'REST' }, 'api', now);
      const queued = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).queuePublication(s.id, 'ev-1',
        { kind: 'event', destination: s.endpoint, protocol: 'REST', messageId: `m-${i}`, body: '<x/>' }, now)));
      const rows = (await db.pool.query('SELECT outbox_id FROM subscription_publications WHERE subscription_id = $1', [s.id])).rows;
      assert.equal(rows.length, 1);
      assert.deepEqual(queued.filter((id) => id !== undefined), [Number(rows[0].outbox_id)], 'one claim won');
      assert.equal((await db.pool.query('SELECT 1 FROM outbox')).rowCount, 1, 'and queued the only message');
      const items = Array.from({ length: 20 }, (_, i) => ({ id: `cfg-${i}`, endpoint: `http://oms/${i}`, noun: 'EndDeviceEvents', protocol: 'SOAP' as const }));
      await Promise.all([a.replaceConfigured(items, now), b.replaceConfigured([...items].reverse(), now)]);
      assert.equal((await a.list()).filter((x) => x.origin === 'config').length, 20);
    });

    it('keeps a consent as evidence at the database: no delete, no change but the first revocation', async () => {
      const store = await PgConsentStore.create(instance());
      await store.grant({ id: 'ev-c1', clientId: 'tp', usagePoint: 'UP', start: new Date('2026-01-01T00:00:00Z'), grantedAt: new Date('2026-01-01T00:00:00Z') });
      await assert.rejects(db.pool.query(`DELETE FROM i8_consents WHERE id = 'ev-c1'`), /consents are kept/);
      await assert.rejects(db.pool.query(`TRUNCATE i8_consents`), /consents are kept/);
      await assert.rejects(db.pool.query(`UPDATE i8_consents SET usage_point = 'UP-2' WHERE id = 'ev-c1'`), /only be revoked/);
      await Promise.all([store.revoke('ev-c1', new Date('2026-03-01T00:00:00Z')), store.revoke('ev-c1', new Date('2026-03-02T00:00:00Z'))]);
      await assert.rejects(db.pool.query(`UPDATE i8_consents SET revoked_at = now() WHERE id = 'ev-c1'`), /only be revoked/);
      assert.ok((await store.get('ev-c1'))?.revokedAt);
    });
  });
}
