import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteCommandQueue } from '../../gateway/adapters/sqlite/command-queue.sqlite.js';
import { SqliteOutbox } from '../../gateway/adapters/sqlite/outbox.sqlite.js';
import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';
import { commandQueueContract } from './command-queue.contract.js';

// A file, not :memory:, so the twin is a second connection to the same store. better-sqlite3 runs each
// transaction synchronously and SQLite has one writer: the two instances interleave between calls,
// never inside one, so the concurrency test checks the invariants across handles, not parallel leasing.
commandQueueContract('sqlite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cq-'));
  const file = path.join(dir, 'gateway.db');
  const db = openSqlite(file);
  const outbox = new SqliteOutbox(db);
  const queue = new SqliteCommandQueue(db, outbox);
  const db2 = openSqlite(file);
  const twin = new SqliteCommandQueue(db2, new SqliteOutbox(db2));
  return {
    queue, twin, outbox,
    reset: async () => { for (const t of ['command_request_items', 'command_requests', 'commands', 'outbox']) db.exec(`DELETE FROM ${t}`); },
    close: async () => {
      db2.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
