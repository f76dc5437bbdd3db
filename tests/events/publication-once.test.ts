import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PgOutbox } from '../../gateway/adapters/postgres/outbox.postgres.js';
import { openPostgres } from '../../gateway/adapters/postgres/pg-database.js';
import { PgSubscriptionStore } from '../../gateway/adapters/postgres/subscription-store.postgres.js';
import { SubscriptionPublisher, publicationMessageId } from '../../gateway/adapters/publisher/subscription-publisher.js';
import { SqliteOutbox } from '../../gateway/adapters/sqlite/outbox.sqlite.js';
import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';
import { SqliteSubscriptionStore } from '../../gateway/adapters/sqlite/subscription-store.sqlite.js';
import type { MeterRegistry } from '../../gateway/ports/meter-registry.port.js';
import type { Outbox } from '../../gateway/ports/outbox.port.js';
import type { SubscriptionStore } from '../../gateway/ports/subscription-store.port.js';
import { el } from '../../gateway/xml/xnode.js';
import { isolatedSchema, serviceUrl } from '../helpers/services.js';

const now = new Date('2026-11-20T12:00:00Z');
const clock = { now: () => now };
const meters = { group: async () => [] } as unknown as MeterRegistry;
const event = (id: string) => ({ noun: 'EndDeviceEvents', verb: 'created', payload: el('urn:x', 'EndDeviceEvents'), eventId: id, devices: ['MTR-1'], orderingKey: 'MTR-1' });

interface Instance { subscriptions: SubscriptionStore; outbox: Outbox }
interface Backend { instances: Instance[]; outboxMessageIds(): Promise<string[]>; close(): Promise<void> }

/**
 * Two instances (or two passes of one, after a lease stall) publishing the same stored event at
 * once: check, queue and record used to interleave so both queued it. One message per
 * (subscription, event), whoever gets there first.
 */
function exactlyOnce(name: string, open: () => Promise<Backend | undefined>): void {
  describe(`subscription publication is queued exactly once: ${name}`, () => {
    let b: Backend | undefined;
    before(async () => {
      b = await open();
    });
    after(() => b?.close());

    it('queues one message per (subscription, event) when several publishers race, and none on a later pass', { skip: !serviceUrlFor(name) && 'DATABASE_URL not set' }, async () => {
      const [a, c] = b!.instances;
      const sub = await a!.subscriptions.add({ endpoint: 'http://oms/x', noun: 'EndDeviceEvents', protocol: 'REST' }, 'api', now);
      const publishers = [a!, c!].map((i) => new SubscriptionPublisher({ ...i, meters, clock, source: 'GW' }));
      const queued = await Promise.all(Array.from({ length: 8 }, (_, k) => publishers[k % 2]!.publish(event('ev-1'))));
      assert.equal(queued.reduce((x, y) => x + y, 0), 1, 'one publisher queued it');
      assert.deepEqual(await b!.outboxMessageIds(), [publicationMessageId(sub.id, 'ev-1')]);
      assert.equal(await publishers[1]!.publish(event('ev-1')), 0, 're-publication queues nothing');
      assert.equal(await publishers[0]!.publish(event('ev-2')), 1, 'another event is queued');
      assert.equal((await b!.outboxMessageIds()).length, 2);
      assert.equal(await a!.subscriptions.isPublished(sub.id, 'ev-1'), true);
      assert.deepEqual((await a!.subscriptions.backlog(sub.id)).pending, 2, 'each queued message is linked to its publication');
    });
  });
}

const serviceUrlFor = (name: string) => (name === 'postgres' ? serviceUrl('DATABASE_URL') : 'n/a');

exactlyOnce('sqlite', async () => {
  const db = openSqlite(':memory:');
  const outbox = new SqliteOutbox(db);
  const instance = { subscriptions: new SqliteSubscriptionStore(db, outbox), outbox };
  return {
    instances: [instance, instance],
    outboxMessageIds: async () => (db.prepare('SELECT message_id FROM outbox ORDER BY id').all() as { message_id: string }[]).map((r) => r.message_id),
    close: async () => {
      db.close();
    },
  };
});

exactlyOnce('postgres', async () => {
  const url = serviceUrl('DATABASE_URL');
  if (!url) return undefined;
  const db = await isolatedSchema(url);
  // Two pools on one schema: two gateway instances.
  const second = openPostgres(url, db.schema);
  const instances = [];
  for (const pool of [db.pool, second]) instances.push({ outbox: await PgOutbox.create(pool), subscriptions: await PgSubscriptionStore.create(pool) });
  return {
    instances,
    outboxMessageIds: async () => (await db.pool.query<{ message_id: string }>('SELECT message_id FROM outbox ORDER BY id')).rows.map((r) => r.message_id),
    close: async () => {
      await second.end();
      await db.close();
    },
  };
});

