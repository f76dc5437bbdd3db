import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';
import { SqliteExportWatermarks } from '../../gateway/adapters/sqlite/export-watermarks.sqlite.js';
import { exportWatermarksContract } from './export-watermarks.contract.js';

exportWatermarksContract('sqlite', async () => {
  const db = openSqlite(':memory:');
  return { store: new SqliteExportWatermarks(db), close: async () => { db.close(); } };
});
