import pg from 'pg';

export type Pool = pg.Pool;
export type Client = pg.PoolClient;
export type Queryable = Pool | Client;

/**
 * A pool of `max` connections whose sessions use `schema` first (tests isolate themselves in a
 * schema of their own). The gateway passes `database.poolSize`.
 */
export function openPostgres(url: string, schema?: string, max = 10): Pool {
  return new pg.Pool({ connectionString: url, max, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
}

export async function transaction<T>(pool: Pool, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Applies named migrations once each. Several gateway instances start at once in the cluster
 * profile: an advisory lock makes the first one migrate and the others wait and see it done.
 */
export async function migratePg(pool: Pool, migrations: readonly { name: string; sql: string }[]): Promise<void> {
  await transaction(pool, async (c) => {
    await c.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':cim-gateway-migrations'))`);
    await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    for (const m of migrations) {
      const done = await c.query('SELECT 1 FROM schema_migrations WHERE name = $1', [m.name]);
      if (done.rowCount) continue;
      await c.query(m.sql);
      await c.query('INSERT INTO schema_migrations (name) VALUES ($1)', [m.name]);
    }
  });
}
