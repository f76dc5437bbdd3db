import pg from 'pg';
import { createGateway, type Gateway, type GatewayOptions } from '../app.js';
import type { GatewayConfig } from '../config/config.js';
import { PgDisconnectGuard } from '../adapters/postgres/disconnect-guard.postgres.js';
import { PgLeadership } from '../adapters/postgres/leadership.postgres.js';
import { PgNonceRegistry } from '../adapters/postgres/nonce-registry.postgres.js';
import { PgRateLimits } from '../adapters/postgres/rate-limit.postgres.js';
import { openPostgres } from '../adapters/postgres/pg-database.js';
import { PgSharedSecrets } from '../adapters/postgres/shared-secrets.postgres.js';
import { TokenIssuer, type PrivateJwk } from '../i8/token-issuer.js';
import { openPostgresStorage } from '../storage/storage.postgres.js';
import { createAmqpAdapters } from '../adapters/amqp/amqp-composition.js';
import { createLogger } from '../logging/logger.js';

/**
 * Opens the gateway of the configured profile. Embedded: SQLite and everything in this process
 * (createGateway as is). Cluster: PostgreSQL for every store, plus what instances must share
 * rather than keep each for itself — the I8 signing key, WS-Security nonces, disconnect caps, I8 rate-limit buckets,
 * and one leader for once-per-cluster work.
 */
export async function openGateway(config: Readonly<GatewayConfig>, options: GatewayOptions = {}): Promise<Gateway> {
  if (config.profile === 'embedded') return createGateway(config, options);
  const url = config.databaseUrl!;
  const log = options.log ?? createLogger(config);
  const pool = openPostgres(url, undefined, config.database.poolSize);
  const amqp = createAmqpAdapters(config, log);
  try {
    // Fail fast on a missing or misconfigured broker rather than at the first command.
    await amqp.ready();
    const storage = await openPostgresStorage(pool, options.clock);
    const secrets = await PgSharedSecrets.create(pool);
    const issuerKey = config.i8.enabled && !config.i8.jwksUrl
      ? JSON.parse(await secrets.getOrCreate('i8-issuer-key', () => JSON.stringify(TokenIssuer.newKey(config.i8)))) as PrivateJwk
      : undefined;
    const caps = config.security.disconnectGuard;
    const disconnectGuard = caps && (caps.perPeer || caps.system) ? await PgDisconnectGuard.create(pool, caps) : undefined;
    return createGateway(config, {
      ...options, log, storage, amqp,
      nonces: await PgNonceRegistry.create(pool),
      rateLimits: await PgRateLimits.create(pool),
      leadership: new PgLeadership(() => new pg.Client({ connectionString: url }), 'gateway-leader'),
      ...(issuerKey ? { issuerKey } : {}),
      ...(disconnectGuard ? { disconnectGuard } : {}),
    });
  } catch (err) {
    await pool.end().catch(() => undefined);
    await amqp.close().catch(() => undefined);
    throw err;
  }
}
