import { describe, it } from 'node:test';
import { PgSharedSecrets } from '../../gateway/adapters/postgres/shared-secrets.postgres.js';
import { openPostgres } from '../../gateway/adapters/postgres/pg-database.js';
import { isolatedSchema, serviceUrl } from '../helpers/services.js';
import { sharedSecretsContract } from './shared-secrets.contract.js';
import { PgDisconnectGuard } from '../../gateway/adapters/postgres/disconnect-guard.postgres.js';
import { disconnectGuardContract } from './disconnect-guard.contract.js';
import { PgNonceRegistry } from '../../gateway/adapters/postgres/nonce-registry.postgres.js';
import { nonceRegistryContract } from './nonce-registry.contract.js';

const url = serviceUrl('DATABASE_URL');
if (!url) {
  describe('cluster port contracts on PostgreSQL', () => it('needs DATABASE_URL', { skip: 'DATABASE_URL not set' }, () => undefined));
} else {
  sharedSecretsContract('postgres', async () => {
    const db = await isolatedSchema(url);
    const other = openPostgres(url, db.schema);
    return {
      a: await PgSharedSecrets.create(db.pool), b: await PgSharedSecrets.create(other),
      close: async () => { await other.end(); await db.close(); },
    };
  });

  disconnectGuardContract('postgres', async (caps) => {
    const db = await isolatedSchema(url);
    const other = openPostgres(url, db.schema);
    return {
      a: await PgDisconnectGuard.create(db.pool, caps), b: await PgDisconnectGuard.create(other, caps),
      close: async () => { await other.end(); await db.close(); },
    };
  });

  nonceRegistryContract('postgres', async () => {
    const db = await isolatedSchema(url);
    const other = openPostgres(url, db.schema);
    return {
      a: await PgNonceRegistry.create(db.pool), b: await PgNonceRegistry.create(other),
      close: async () => { await other.end(); await db.close(); },
    };
  });
}
