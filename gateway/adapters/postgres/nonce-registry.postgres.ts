import { createHash } from 'node:crypto';
import type { NonceRegistry } from '../../ports/nonce-registry.port.js';
import { migratePg, type Pool } from './pg-database.js';

const MIGRATIONS = [{
  name: 'cluster-003-ws-nonces',
  sql: `
    CREATE TABLE ws_nonces (key TEXT PRIMARY KEY, expires_at TIMESTAMPTZ NOT NULL);
    CREATE INDEX ws_nonces_expiry ON ws_nonces (expires_at);
  `,
}];

/** Every instance's nonces in one table: the primary key makes "first one wins" atomic. */
export class PgNonceRegistry implements NonceRegistry {
  private lastPrune = 0;

  private constructor(private readonly pool: Pool, private readonly pruneEveryMs: number) {}

  static async create(pool: Pool, pruneEveryMs = 60_000): Promise<PgNonceRegistry> {
    await migratePg(pool, MIGRATIONS);
    return new PgNonceRegistry(pool, pruneEveryMs);
  }

  async remember(key: string, expiresAt: Date, now: Date): Promise<'fresh' | 'replayed' | 'full'> {
    if (now.getTime() - this.lastPrune >= this.pruneEveryMs) {
      this.lastPrune = now.getTime();
      await this.pool.query('DELETE FROM ws_nonces WHERE expires_at <= $1', [now]);
    }
    // Hashed: keys hold NUL separators (not storable as text) and need not be readable here.
    const digest = createHash('sha256').update(key).digest('base64');
    // An expired entry may be taken again (its window is over); a live one is a replay.
    const res = await this.pool.query(`INSERT INTO ws_nonces (key, expires_at) VALUES ($1, $2)
      ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE ws_nonces.expires_at <= $3`, [digest, expiresAt, now]);
    return res.rowCount === 1 ? 'fresh' : 'replayed';
  }
}
