import type { SharedSecrets } from '../../ports/shared-secrets.port.js';
import { migratePg, type Pool } from './pg-database.js';

const MIGRATIONS = [{
  name: 'cluster-001-shared-secrets',
  sql: 'CREATE TABLE shared_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())',
}];

export class PgSharedSecrets implements SharedSecrets {
  private constructor(private readonly pool: Pool) {}

  static async create(pool: Pool): Promise<PgSharedSecrets> {
    await migratePg(pool, MIGRATIONS);
    return new PgSharedSecrets(pool);
  }

  async getOrCreate(name: string, make: () => string): Promise<string> {
    const stored = await this.read(name);
    if (stored !== undefined) return stored;
    // The loser of a concurrent insert reads the winner's value: one key for every instance.
    await this.pool.query('INSERT INTO shared_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, make()]);
    return (await this.read(name))!;
  }

  private async read(name: string): Promise<string | undefined> {
    return (await this.pool.query<{ value: string }>('SELECT value FROM shared_secrets WHERE name = $1', [name])).rows[0]?.value;
  }
}
