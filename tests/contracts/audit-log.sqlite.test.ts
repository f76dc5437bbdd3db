import { SqliteAuditLog } from '../../gateway/adapters/sqlite/audit-log.sqlite.js';
import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';
import { auditLogContract } from './audit-log.contract.js';

auditLogContract('sqlite', async () => {
  const db = openSqlite(':memory:');
  return {
    log: new SqliteAuditLog(db),
    tamper: {
      update: async () => db.prepare(`UPDATE security_audit SET peer = 'someone else'`).run(),
      delete: async () => db.prepare('DELETE FROM security_audit').run(),
    },
    close: async () => { db.close(); },
  };
});
