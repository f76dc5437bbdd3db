import { SqliteEventStore } from '../../gateway/adapters/sqlite/event-store.sqlite.js';
import { SqliteInterruptionStore } from '../../gateway/adapters/sqlite/interruption-store.sqlite.js';
import { SqliteOutbox } from '../../gateway/adapters/sqlite/outbox.sqlite.js';
import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';
import { SqliteSubscriptionStore } from '../../gateway/adapters/sqlite/subscription-store.sqlite.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { changeFeedsContract } from './change-feeds.contract.js';
import { eventStoreContract } from './event-store.contract.js';
import { interruptionStoreContract } from './interruption-store.contract.js';
import { subscriptionStoreContract } from './subscription-store.contract.js';

const wipe = (db: ReturnType<typeof openSqlite>, tables: string[]) => async () => {
  for (const t of tables) db.exec(`DELETE FROM ${t}`);
};

eventStoreContract('sqlite', async () => {
  const db = openSqlite(':memory:');
  return { store: new SqliteEventStore(db), reset: wipe(db, ['device_events']), close: async () => { db.close(); } };
});

interruptionStoreContract('sqlite', async () => {
  const db = openSqlite(':memory:');
  return { store: new SqliteInterruptionStore(db), reset: wipe(db, ['interruption_changes', 'interruptions', 'outages']), close: async () => { db.close(); } };
});

subscriptionStoreContract('sqlite', async () => {
  const db = openSqlite(':memory:');
  const outbox = new SqliteOutbox(db);
  return { store: new SqliteSubscriptionStore(db, outbox), outbox, reset: wipe(db, ['subscription_publications', 'subscriptions', 'outbox']), close: async () => { db.close(); } };
});

changeFeedsContract('sqlite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cimgw-feeds-'));
  const file = path.join(dir, 'gateway.sqlite');
  let db = openSqlite(file);
  const stores = () => ({ events: new SqliteEventStore(db), interruptions: new SqliteInterruptionStore(db) });
  return {
    ...stores(),
    reopen: async () => {
      db.close();
      db = openSqlite(file);
      return stores();
    },
    close: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
