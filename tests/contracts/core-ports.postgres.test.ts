import { PgMessageStore } from '../../gateway/adapters/postgres/message-store.postgres.js';
import { PgNetwork } from '../../gateway/adapters/postgres/network.postgres.js';
import { PgOutbox } from '../../gateway/adapters/postgres/outbox.postgres.js';
import { isolatedSchema, serviceUrl, skippedWithout } from '../helpers/services.js';
import { messageStoreContract } from './message-store.contract.js';
import { networkStoreContract } from './network-store.contract.js';
import { outboxContract } from './outbox.contract.js';

const url = serviceUrl('DATABASE_URL');
if (!url) {
  skippedWithout('DATABASE_URL', 'core port contracts on PostgreSQL');
} else {
  const truncate = (db: Awaited<ReturnType<typeof isolatedSchema>>, tables: string[]) => async () => {
    await db.pool.query(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY`);
  };

  outboxContract('postgres', async () => {
    const db = await isolatedSchema(url);
    return { outbox: await PgOutbox.create(db.pool), reset: truncate(db, ['outbox']), close: db.close };
  });

  messageStoreContract('postgres', async () => {
    const db = await isolatedSchema(url);
    const outbox = await PgOutbox.create(db.pool);
    return { store: await PgMessageStore.create(db.pool), outbox, reset: truncate(db, ['idempotency', 'inbound_jobs', 'outbox']), close: db.close };
  });

  networkStoreContract('postgres', async () => {
    const db = await isolatedSchema(url);
    const network = await PgNetwork.create(db.pool);
    return { store: network, registry: network, reset: truncate(db, ['meter_names', 'meters', 'usage_points', 'concentrators', 'transformers']), close: db.close };
  });
}
