import { PgAuditLog } from '../../gateway/adapters/postgres/audit-log.postgres.js';
import { PgCommandQueue } from '../../gateway/adapters/postgres/command-queue.postgres.js';
import { PgOutbox } from '../../gateway/adapters/postgres/outbox.postgres.js';
import { openPostgres } from '../../gateway/adapters/postgres/pg-database.js';
import { PgReadScheduleStore } from '../../gateway/adapters/postgres/read-schedule-store.postgres.js';
import { isolatedSchema, serviceUrl, skippedWithout } from '../helpers/services.js';
import { auditLogContract } from './audit-log.contract.js';
import { commandQueueContract } from './command-queue.contract.js';
import { readScheduleStoreContract } from './read-schedule-store.contract.js';

const url = serviceUrl('DATABASE_URL');
if (!url) {
  skippedWithout('DATABASE_URL', 'command port contracts on PostgreSQL');
} else {
  const truncate = (db: Awaited<ReturnType<typeof isolatedSchema>>, tables: string[]) => async () => {
    await db.pool.query(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY`);
  };

  commandQueueContract('postgres', async () => {
    const db = await isolatedSchema(url);
    const outbox = await PgOutbox.create(db.pool);
    // The twin is another gateway instance: a pool of its own on the same schema.
    const pool2 = openPostgres(url, db.schema);
    const twin = await PgCommandQueue.create(pool2);
    return {
      queue: await PgCommandQueue.create(db.pool), twin, outbox,
      reset: truncate(db, ['command_request_items', 'command_requests', 'commands', 'command_meters', 'outbox']),
      close: async () => {
        await pool2.end();
        await db.close();
      },
    };
  });

  readScheduleStoreContract('postgres', async () => {
    const db = await isolatedSchema(url);
    return { store: await PgReadScheduleStore.create(db.pool), reset: truncate(db, ['read_schedules', 'read_schedule_meters', 'collection_runs']), close: db.close };
  });

  auditLogContract('postgres', async () => {
    const db = await isolatedSchema(url);
    return {
      log: await PgAuditLog.create(db.pool),
      tamper: {
        update: () => db.pool.query(`UPDATE security_audit SET peer = 'someone else'`),
        delete: () => db.pool.query('DELETE FROM security_audit'),
        truncate: () => db.pool.query('TRUNCATE security_audit'),
      },
      close: db.close,
    };
  });
}
