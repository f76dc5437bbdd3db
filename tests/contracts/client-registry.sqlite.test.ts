import { SqliteClientRegistry } from '../../gateway/adapters/sqlite/client-registry.sqlite.js';
import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';
import { clientRegistryContract } from './client-registry.contract.js';

clientRegistryContract('sqlite', async () => {
  const db = openSqlite(':memory:');
  return { registry: new SqliteClientRegistry(db), reset: async () => { db.exec('DELETE FROM i8_clients'); }, close: async () => { db.close(); } };
});
