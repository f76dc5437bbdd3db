import { openPostgres } from '../../gateway/adapters/postgres/pg-database.js';
import { PgReadingStore } from '../../gateway/adapters/postgres/reading-store.postgres.js';
import { isolatedSchema, serviceUrl, skippedWithout } from '../helpers/services.js';
import { readingChangesContract } from './reading-changes.contract.js';
import { readingStoreContract } from './reading-store.contract.js';

const url = serviceUrl('DATABASE_URL');
if (!url) {
  skippedWithout('DATABASE_URL', 'reading-store contracts on PostgreSQL');
} else {
  const fixture = async () => {
    const db = await isolatedSchema(url);
    let pool = db.pool;
    return {
      store: await PgReadingStore.create(pool),
      // A restart: a new pool (new sessions) on the same schema, a new store.
      reopen: async () => {
        if (pool !== db.pool) await pool.end();
        pool = openPostgres(url, db.schema);
        return PgReadingStore.create(pool);
      },
      close: async () => {
        if (pool !== db.pool) await pool.end();
        await db.close();
      },
    };
  };
  readingStoreContract('postgres', fixture);
  readingChangesContract('postgres', fixture);
}
