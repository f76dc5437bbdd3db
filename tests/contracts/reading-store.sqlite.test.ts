import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';
import { SqliteReadingStore } from '../../gateway/adapters/sqlite/reading-store.sqlite.js';
import { readingStoreContract } from './reading-store.contract.js';

readingStoreContract('sqlite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cimgw-readings-'));
  const db = openSqlite(path.join(dir, 'gateway.sqlite'));
  return {
    store: new SqliteReadingStore(db),
    close: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
