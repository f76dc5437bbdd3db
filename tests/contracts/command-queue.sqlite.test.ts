import { SqliteCommandQueue } from '../../gateway/adapters/sqlite/command-queue.sqlite.js';
import { SqliteOutbox } from '../../gateway/adapters/sqlite/outbox.sqlite.js';
import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';
import { commandQueueContract } from './command-queue.contract.js';

commandQueueContract('sqlite', async () => {
  const db = openSqlite(':memory:');
  const outbox = new SqliteOutbox(db);
  const queue = new SqliteCommandQueue(db, outbox);
  return {
    queue, outbox,
    reset: async () => { for (const t of ['command_request_items', 'command_requests', 'commands', 'outbox']) db.exec(`DELETE FROM ${t}`); },
    close: async () => { db.close(); },
  };
});
