import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import { openPostgres, type Pool } from '../../gateway/adapters/postgres/pg-database.js';

/**
 * URL of an external service a test needs. Unset: the suite is skipped with the reason shown —
 * except under CI=true, where a missing service is a failure, never a silent skip.
 */
export function serviceUrl(name: 'DATABASE_URL' | 'AMQP_URL'): string | undefined {
  const url = process.env[name];
  if (!url && process.env.CI === 'true') throw new Error(`${name} must be set under CI=true (.ci/run sets the machine's default)`);
  return url;
}

/**
 * The one visible skip of a suite whose service URL is unset (outside CI only: serviceUrl fails
 * under CI=true before this is reached), so a developer without the service sees why it did not run.
 */
export function skippedWithout(name: 'DATABASE_URL' | 'AMQP_URL', suite: string): void {
  describe(suite, () => it(`needs ${name}`, { skip: `${name} not set` }, () => undefined));
}

/** A schema of its own on the test database, dropped by close(). */
export async function isolatedSchema(url: string): Promise<{ pool: Pool; schema: string; close(): Promise<void> }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const pool = openPostgres(url, schema);
  return {
    pool, schema,
    close: async () => {
      await pool.end();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}
