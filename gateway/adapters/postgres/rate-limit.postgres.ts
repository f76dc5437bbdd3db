import { retryAfter, type RateLimit, type RateLimitBuckets, type RateTake } from '../../ports/rate-limit.port.js';
import { migratePg, type Pool } from './pg-database.js';

const MIGRATIONS = [{
  name: 'i8-001-rate-buckets',
  // UNLOGGED: no WAL and no fsync on the request path. After a PostgreSQL crash the buckets come
  // back empty, i.e. full: a client may burst once more, which is all a lost bucket can cost.
  sql: 'CREATE UNLOGGED TABLE rate_buckets (client_id TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL, at BIGINT NOT NULL, granted BOOLEAN NOT NULL)',
}];

/**
 * Every instance's buckets in one table. The refill, the check and the take are one UPDATE: the
 * row lock orders concurrent takes of one client, so N instances together grant what one would.
 */
export class PgRateLimits implements RateLimitBuckets {
  private constructor(private readonly pool: Pool) {}

  static async create(pool: Pool): Promise<PgRateLimits> {
    await migratePg(pool, MIGRATIONS);
    return new PgRateLimits(pool);
  }

  async take(clientId: string, limit: RateLimit, now: number): Promise<RateTake> {
    for (;;) {
      // SET expressions all read the row as it was; `refilled` is spelt out twice for that reason.
      const row = (await this.pool.query<{ granted: boolean; tokens: number }>({
        name: 'rate-take',
        text: `UPDATE rate_buckets SET
            granted = least($2, tokens + greatest(0, $4 - at) / 1000.0 * $3) >= 1,
            tokens = least($2, tokens + greatest(0, $4 - at) / 1000.0 * $3)
              - CASE WHEN least($2, tokens + greatest(0, $4 - at) / 1000.0 * $3) >= 1 THEN 1 ELSE 0 END,
            at = greatest(at, $4)
          WHERE client_id = $1 RETURNING granted, tokens`,
        values: [clientId, limit.burst, limit.perSecond, now],
      })).rows[0];
      if (row) return row.granted ? { ok: true } : { ok: false, retryAfterSeconds: retryAfter(row.tokens, limit) };
      // A client's first request: a full bucket, then the same UPDATE (a concurrent first insert is fine).
      await this.pool.query('INSERT INTO rate_buckets (client_id, tokens, at, granted) VALUES ($1, $2, $3, false) ON CONFLICT (client_id) DO NOTHING',
        [clientId, limit.burst, now]);
    }
  }
}
