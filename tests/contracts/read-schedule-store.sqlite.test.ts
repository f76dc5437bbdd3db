import { SqliteReadScheduleStore } from '../../gateway/adapters/sqlite/read-schedule-store.sqlite.js';
import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';
import { readScheduleStoreContract } from './read-schedule-store.contract.js';

readScheduleStoreContract('sqlite', async () => {
  const db = openSqlite(':memory:');
  return {
    store: new SqliteReadScheduleStore(db),
    reset: async () => { for (const t of ['read_schedules', 'read_schedule_meters', 'collection_runs']) db.exec(`DELETE FROM ${t}`); },
    close: async () => { db.close(); },
  };
});
