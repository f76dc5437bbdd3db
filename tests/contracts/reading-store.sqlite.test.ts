import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';
import { SqliteReadingStore } from '../../gateway/adapters/sqlite/reading-store.sqlite.js';
import { readingChangesContract } from './reading-changes.contract.js';
import { readingStoreContract } from './reading-store.contract.js';

/** `stagingMemory`: bytes of staging kept in memory before it spills to the TEMP table (0: always spilled). */
const fixture = (stagingMemory?: number) => async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cimgw-readings-'));
  const file = path.join(dir, 'gateway.sqlite');
  let db = openSqlite(file);
  return {
    store: new SqliteReadingStore(db, stagingMemory === undefined ? {} : { stagingMemory }),
    reopen: async () => {
      db.close();
      db = openSqlite(file);
      return new SqliteReadingStore(db, stagingMemory === undefined ? {} : { stagingMemory });
    },
    close: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

readingStoreContract('sqlite', fixture());
readingChangesContract('sqlite', fixture());
// The same contract with every staged batch spilled to SQLite (what a message too large for memory does).
readingStoreContract('sqlite, staging spilled', fixture(0));
readingChangesContract('sqlite, staging spilled', fixture(0));
// Spilled part-way: the first batches in memory, the rest (and those) in SQLite.
readingStoreContract('sqlite, staging spilled part-way', fixture(600));
