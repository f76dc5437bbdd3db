import { describe, it } from 'node:test';
import { PgSharedSecrets } from '../../gateway/adapters/postgres/shared-secrets.postgres.js';
import { openPostgres } from '../../gateway/adapters/postgres/pg-database.js';
import { isolatedSchema, serviceUrl } from '../helpers/services.js';
import { sharedSecretsContract } from './shared-secrets.contract.js';
import { PgDisconnectGuard } from '../../gateway/adapters/postgres/disconnect-guard.postgres.js';
import { disconnectGuardContract } from './disconnect-guard.contract.js';
import { PgNonceRegistry } from '../../gateway/adapters/postgres/nonce-registry.postgres.js';
import { nonceRegistryContract } from './nonce-registry.contract.js';
import pg from 'pg';
import { PgRateLimits } from '../../gateway/adapters/postgres/rate-limit.postgres.js';
import { rateLimitContract } from './rate-limit.contract.js';
import { PgLeadership } from '../../gateway/adapters/postgres/leadership.postgres.js';
import { leadershipContract } from './leadership.contract.js';
import type { Leadership } from '../../gateway/ports/leadership.port.js';

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

  rateLimitContract('postgres', async () => {
    const db = await isolatedSchema(url);
    const other = openPostgres(url, db.schema);
    return {
      a: await PgRateLimits.create(db.pool), b: await PgRateLimits.create(other),
      close: async () => { await other.end(); await db.close(); },
    };
  });

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
