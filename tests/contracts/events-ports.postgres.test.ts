import { PgClientRegistry } from '../../gateway/adapters/postgres/client-registry.postgres.js';
import { PgConsentStore } from '../../gateway/adapters/postgres/consent-store.postgres.js';
import { PgDeliveryJobStore } from '../../gateway/adapters/postgres/delivery-job.postgres.js';
import { PgEventStore } from '../../gateway/adapters/postgres/event-store.postgres.js';
import { PgExportWatermarks } from '../../gateway/adapters/postgres/export-watermarks.postgres.js';
import { PgInterruptionStore } from '../../gateway/adapters/postgres/interruption-store.postgres.js';
import { PgOutbox } from '../../gateway/adapters/postgres/outbox.postgres.js';
import { openPostgres, type Pool } from '../../gateway/adapters/postgres/pg-database.js';
import { PgSubscriptionStore } from '../../gateway/adapters/postgres/subscription-store.postgres.js';
import { isolatedSchema, serviceUrl, skippedWithout } from '../helpers/services.js';
import { changeFeedsContract } from './change-feeds.contract.js';
import { clientRegistryContract } from './client-registry.contract.js';
import { consentStoreContract } from './consent-store.contract.js';
import { deliveryJobContract } from './delivery-job.contract.js';
import { eventStoreContract } from './event-store.contract.js';
import { exportWatermarksContract } from './export-watermarks.contract.js';
import { interruptionStoreContract } from './interruption-store.contract.js';
import { subscriptionStoreContract } from './subscription-store.contract.js';

const url = serviceUrl('DATABASE_URL');
if (!url) {
  skippedWithout('DATABASE_URL', 'events and I8 port contracts on PostgreSQL');
} else {
  const truncate = (pool: Pool, tables: string[]) => async () => {
    await pool.query(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY`);
  };

  eventStoreContract('postgres', async () => {
    const db = await isolatedSchema(url);
    return { store: await PgEventStore.create(db.pool), reset: truncate(db.pool, ['device_events']), close: db.close };
  });

  interruptionStoreContract('postgres', async () => {
    const db = await isolatedSchema(url);
    return { store: await PgInterruptionStore.create(db.pool), reset: truncate(db.pool, ['interruption_changes', 'interruptions', 'outages']), close: db.close };
  });

  subscriptionStoreContract('postgres', async () => {
    const db = await isolatedSchema(url);
    const outbox = await PgOutbox.create(db.pool);
    return { store: await PgSubscriptionStore.create(db.pool), outbox, reset: truncate(db.pool, ['subscription_publications', 'subscriptions', 'outbox']), close: db.close };
  });

  consentStoreContract('postgres', async () => {
    const db = await isolatedSchema(url);
    return { store: await PgConsentStore.create(db.pool), close: db.close };
  });

  clientRegistryContract('postgres', async () => {
    const db = await isolatedSchema(url);
    return { registry: await PgClientRegistry.create(db.pool), reset: truncate(db.pool, ['i8_clients']), close: db.close };
  });

  deliveryJobContract('postgres', async () => {
    const db = await isolatedSchema(url);
    return { store: await PgDeliveryJobStore.create(db.pool), reset: truncate(db.pool, ['i8_delivery_runs', 'i8_delivery_jobs']), close: db.close };
  });

  exportWatermarksContract('postgres', async () => {
    const db = await isolatedSchema(url);
    return { store: await PgExportWatermarks.create(db.pool), close: db.close };
  });

  changeFeedsContract('postgres', async () => {
    const db = await isolatedSchema(url);
    const stores = async (pool: Pool) => ({ events: await PgEventStore.create(pool), interruptions: await PgInterruptionStore.create(pool) });
    // A restart is a new process: a new pool on the same schema, the old one closed.
    let restarted: Pool | undefined;
    return {
      ...await stores(db.pool),
      reopen: async () => {
        await restarted?.end();
        restarted = openPostgres(url, db.schema);
        return stores(restarted);
      },
      close: async () => {
        await restarted?.end();
        await db.close();
      },
    };
  });
}
