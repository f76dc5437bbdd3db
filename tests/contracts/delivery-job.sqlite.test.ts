import { SqliteDeliveryJobStore } from '../../gateway/adapters/sqlite/delivery-job.sqlite.js';
import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';
import { deliveryJobContract } from './delivery-job.contract.js';

deliveryJobContract('sqlite', async () => {
  const db = openSqlite(':memory:');
  return {
    store: new SqliteDeliveryJobStore(db),
    reset: async () => { for (const t of ['i8_delivery_runs', 'i8_delivery_jobs']) db.exec(`DELETE FROM ${t}`); },
    close: async () => { db.close(); },
  };
});
