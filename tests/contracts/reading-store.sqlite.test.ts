import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';
import { SqliteReadingStore } from '../../gateway/adapters/sqlite/reading-store.sqlite.js';
import { readingChangesContract } from './reading-changes.contract.js';
import { readingStoreContract } from './reading-store.contract.js';

const fixture = async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cimgw-readings-'));
  const file = path.join(dir, 'gateway.sqlite');
  let db = openSqlite(file);
  return {
    store: new SqliteReadingStore(db),
    reopen: async () => {
      db.close();
      db = openSqlite(file);
      return new SqliteReadingStore(db);
    },
    close: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

readingStoreContract('sqlite', fixture);
readingChangesContract('sqlite', fixture);
