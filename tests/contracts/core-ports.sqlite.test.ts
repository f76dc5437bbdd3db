import { SqliteMessageStore } from '../../gateway/adapters/sqlite/message-store.sqlite.js';
import { SqliteNetwork } from '../../gateway/adapters/sqlite/network.sqlite.js';
import { SqliteOutbox } from '../../gateway/adapters/sqlite/outbox.sqlite.js';
import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';
import { messageStoreContract } from './message-store.contract.js';
import { networkStoreContract } from './network-store.contract.js';
import { outboxContract } from './outbox.contract.js';

const wipe = (db: ReturnType<typeof openSqlite>, tables: string[]) => async () => {
  for (const t of tables) db.exec(`DELETE FROM ${t}`);
};

outboxContract('sqlite', async () => {
  const db = openSqlite(':memory:');
  return { outbox: new SqliteOutbox(db), reset: wipe(db, ['outbox']), close: async () => { db.close(); } };
});

messageStoreContract('sqlite', async () => {
  const db = openSqlite(':memory:');
  const outbox = new SqliteOutbox(db);
  return { store: new SqliteMessageStore(db, outbox), outbox, reset: wipe(db, ['idempotency', 'inbound_jobs', 'outbox']), close: async () => { db.close(); } };
});

networkStoreContract('sqlite', async () => {
  const db = openSqlite(':memory:');
  const network = new SqliteNetwork(db);
  return { store: network, registry: network, reset: wipe(db, ['meter_names', 'meters', 'usage_points', 'concentrators', 'transformers']), close: async () => { db.close(); } };
});
