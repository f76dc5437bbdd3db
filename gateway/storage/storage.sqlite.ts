import { SqliteAuditLog } from '../adapters/sqlite/audit-log.sqlite.js';
import { SqliteClientRegistry } from '../adapters/sqlite/client-registry.sqlite.js';
import { SqliteCommandQueue } from '../adapters/sqlite/command-queue.sqlite.js';
import { SqliteConsentStore } from '../adapters/sqlite/consent-store.sqlite.js';
import { SqliteDeliveryJobStore } from '../adapters/sqlite/delivery-job.sqlite.js';
import { SqliteEventStore } from '../adapters/sqlite/event-store.sqlite.js';
import { SqliteExportWatermarks } from '../adapters/sqlite/export-watermarks.sqlite.js';
import { SqliteInterruptionStore } from '../adapters/sqlite/interruption-store.sqlite.js';
import { SqliteMessageStore } from '../adapters/sqlite/message-store.sqlite.js';
import { SqliteNetwork } from '../adapters/sqlite/network.sqlite.js';
import { SqliteOutbox } from '../adapters/sqlite/outbox.sqlite.js';
import { SqliteReadScheduleStore } from '../adapters/sqlite/read-schedule-store.sqlite.js';
import { SqliteReadingStore } from '../adapters/sqlite/reading-store.sqlite.js';
import { openSqlite, type Db } from '../adapters/sqlite/sqlite-database.js';
import { groupCommit } from '../adapters/sqlite/group-commit.js';
import { startWalCheckpointer } from '../adapters/sqlite/wal-checkpointer.js';
import type { Logger } from '../logging/logger.js';
import { systemClock, type Clock } from '../ports/clock.port.js';
import { SqliteSubscriptionStore } from '../adapters/sqlite/subscription-store.sqlite.js';
import type { Storage } from './storage.js';

export interface SqliteStorage extends Storage {
  readonly kind: 'sqlite';
  /** The handle itself: tests and the embedded benchmarks look at tables directly. */
  db: Db;
}

/**
 * The embedded profile: every port on one SQLite file (WAL), opened synchronously. `clock` stamps
 * the I7 change journals' entries (their retention counts from the commit).
 */
export function openSqliteStorage(file: string, log: Logger, clock: Clock = systemClock): SqliteStorage {
  const db = openSqlite(file);
  const checkpointer = startWalCheckpointer(db, file, log);
  const outbox = new SqliteOutbox(db);
  return {
    kind: 'sqlite', db, outbox,
    messages: new SqliteMessageStore(db, outbox),
    network: new SqliteNetwork(db),
    readings: new SqliteReadingStore(db, { clock }),
    commands: new SqliteCommandQueue(db, outbox),
    audit: new SqliteAuditLog(db),
    events: new SqliteEventStore(db),
    interruptions: new SqliteInterruptionStore(db, clock),
    subscriptions: new SqliteSubscriptionStore(db, outbox),
    readSchedules: new SqliteReadScheduleStore(db),
    clients: new SqliteClientRegistry(db),
    consents: new SqliteConsentStore(db),
    deliveryJobs: new SqliteDeliveryJobStore(db),
    exportWatermarks: new SqliteExportWatermarks(db),
    ping: async () => db.prepare('SELECT 1 AS ok').get() !== undefined,
    close: async () => {
      // Writes still waiting for the turn's group commit are stored (or refused), not dropped.
      groupCommit(db).flush();
      await checkpointer.stop();
      db.close();
    },
  };
}
