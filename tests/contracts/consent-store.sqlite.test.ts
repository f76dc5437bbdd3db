import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';
import { SqliteConsentStore } from '../../gateway/adapters/sqlite/consent-store.sqlite.js';
import { consentStoreContract } from './consent-store.contract.js';

consentStoreContract('sqlite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cimgw-consents-'));
  const db = openSqlite(path.join(dir, 'gateway.sqlite'));
  return {
    store: new SqliteConsentStore(db),
    close: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
