import { PgAuditLog } from '../adapters/postgres/audit-log.postgres.js';
import { PgClientRegistry } from '../adapters/postgres/client-registry.postgres.js';
import { PgCommandQueue } from '../adapters/postgres/command-queue.postgres.js';
import { PgConsentStore } from '../adapters/postgres/consent-store.postgres.js';
import { PgDeliveryJobStore } from '../adapters/postgres/delivery-job.postgres.js';
import { PgEventStore } from '../adapters/postgres/event-store.postgres.js';
import { PgExportWatermarks } from '../adapters/postgres/export-watermarks.postgres.js';
import { PgInterruptionStore } from '../adapters/postgres/interruption-store.postgres.js';
import { PgMessageStore } from '../adapters/postgres/message-store.postgres.js';
import { PgNetwork } from '../adapters/postgres/network.postgres.js';
import { PgOutbox } from '../adapters/postgres/outbox.postgres.js';
import type { Pool } from '../adapters/postgres/pg-database.js';
import { PgReadScheduleStore } from '../adapters/postgres/read-schedule-store.postgres.js';
import { PgReadingStore } from '../adapters/postgres/reading-store.postgres.js';
import { PgSubscriptionStore } from '../adapters/postgres/subscription-store.postgres.js';
import { systemClock, type Clock } from '../ports/clock.port.js';
import type { Storage } from './storage.js';

export interface PostgresStorage extends Storage {
  readonly kind: 'postgres';
  pool: Pool;
}

/**
 * The cluster profile: every port on one PostgreSQL database shared by all instances. Each
 * adapter runs its own versioned migrations (advisory-locked, so instances starting together
 * migrate once); the outbox first, since other adapters enqueue into it and read its table.
 * `clock` stamps the I7 change journals' entries (their retention counts from the commit).
 */
export async function openPostgresStorage(pool: Pool, clock: Clock = systemClock): Promise<PostgresStorage> {
  const outbox = await PgOutbox.create(pool);
  const [messages, network, readings, commands, audit, events, interruptions, subscriptions, readSchedules, clients, consents, deliveryJobs, exportWatermarks] = [
    await PgMessageStore.create(pool), await PgNetwork.create(pool), await PgReadingStore.create(pool, { clock }), await PgCommandQueue.create(pool),
    await PgAuditLog.create(pool), await PgEventStore.create(pool), await PgInterruptionStore.create(pool, clock), await PgSubscriptionStore.create(pool),
    await PgReadScheduleStore.create(pool), await PgClientRegistry.create(pool), await PgConsentStore.create(pool), await PgDeliveryJobStore.create(pool),
    await PgExportWatermarks.create(pool),
  ];
  return {
    kind: 'postgres', pool, outbox, messages, network, readings, commands, audit, events, interruptions, subscriptions, readSchedules,
    clients, consents, deliveryJobs, exportWatermarks,
    ping: async () => (await pool.query('SELECT 1 AS ok')).rowCount === 1,
    close: () => pool.end(),
  };
}
