import { PgSharedSecrets } from '../../gateway/adapters/postgres/shared-secrets.postgres.js';
import { openPostgres } from '../../gateway/adapters/postgres/pg-database.js';
import { isolatedSchema, serviceUrl, skippedWithout } from '../helpers/services.js';
import { sharedSecretsContract } from './shared-secrets.contract.js';
import { PgDisconnectGuard } from '../../gateway/adapters/postgres/disconnect-guard.postgres.js';
import { disconnectGuardContract } from './disconnect-guard.contract.js';
import { PgNonceRegistry } from '../../gateway/adapters/postgres/nonce-registry.postgres.js';
import { nonceRegistryContract } from './nonce-registry.contract.js';
import pg from 'pg';
import type { Pool } from '../../gateway/adapters/postgres/pg-database.js';
import { PgRateLimits } from '../../gateway/adapters/postgres/rate-limit.postgres.js';
import { rateLimitContract } from './rate-limit.contract.js';
import { PgLeadership } from '../../gateway/adapters/postgres/leadership.postgres.js';
import { leadershipContract } from './leadership.contract.js';
import type { Leadership } from '../../gateway/ports/leadership.port.js';

const url = serviceUrl('DATABASE_URL');
if (!url) {
  skippedWithout('DATABASE_URL', 'cluster port contracts on PostgreSQL');
} else {
  /** Two instances on one schema: each its own pool, as two gateway processes would have. */
  const twoInstances = async <T>(create: (pool: Pool) => Promise<T>) => {
    const db = await isolatedSchema(url);
    const other = openPostgres(url, db.schema);
    return { a: await create(db.pool), b: await create(other), close: async () => { await other.end(); await db.close(); } };
  };

  sharedSecretsContract('postgres', () => twoInstances((pool) => PgSharedSecrets.create(pool)));

  disconnectGuardContract('postgres', (caps) => twoInstances((pool) => PgDisconnectGuard.create(pool, caps)));

  nonceRegistryContract('postgres', () => twoInstances((pool) => PgNonceRegistry.create(pool)));

  rateLimitContract('postgres', () => twoInstances((pool) => PgRateLimits.create(pool)));

  leadershipContract('postgres', async () => {
    const db = await isolatedSchema(url);
    const clients = new Map<Leadership, pg.Client[]>();
    return {
      candidate: () => {
        const own: pg.Client[] = [];
        const l = new PgLeadership(() => {
          const c = new pg.Client({ connectionString: url, options: `-c search_path=${db.schema}` });
          own.push(c);
          return c;
        }, 'test-leader');
        clients.set(l, own);
        return l;
      },
      // What kill -9 does to the leader's session: the server ends it, the lock goes with it.
      kill: async (l) => {
        for (const c of clients.get(l) ?? []) {
          const pid = (c as unknown as { processID: number }).processID;
          await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
        }
      },
      close: db.close,
    };
  });
}
