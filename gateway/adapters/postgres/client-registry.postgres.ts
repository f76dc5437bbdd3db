import type { ClientRegistry, DataScope, I8Client, I8Scope } from '../../ports/client-registry.port.js';
import { migratePg, type Pool } from './pg-database.js';

const MIGRATIONS = [{
  name: 'i8-001-clients',
  sql: `
    CREATE TABLE i8_clients (
      id TEXT PRIMARY KEY, name TEXT, secret_hash TEXT NOT NULL, scopes JSONB NOT NULL, data_scope JSONB NOT NULL,
      created_at TIMESTAMPTZ NOT NULL, disabled BOOLEAN NOT NULL DEFAULT false
    );
  `,
}];

interface Row { id: string; name: string | null; secret_hash: string; scopes: I8Scope[]; data_scope: DataScope; created_at: Date; disabled: boolean }

const toClient = (r: Row): I8Client => ({
  id: r.id, secretHash: r.secret_hash, scopes: r.scopes, dataScope: r.data_scope,
  createdAt: r.created_at, disabled: r.disabled, ...(r.name !== null ? { name: r.name } : {}),
});

export class PgClientRegistry implements ClientRegistry {
  private constructor(private readonly pool: Pool) {}

  static async create(pool: Pool): Promise<PgClientRegistry> {
    await migratePg(pool, MIGRATIONS);
    return new PgClientRegistry(pool);
  }

  async put(c: I8Client): Promise<void> {
    // created_at stays the first registration's, as on SQLite.
    await this.pool.query(`INSERT INTO i8_clients (id, name, secret_hash, scopes, data_scope, created_at, disabled) VALUES ($1, $2, $3, $4, $5, $6, $7)
      ON CONFLICT (id) DO UPDATE SET name = excluded.name, secret_hash = excluded.secret_hash, scopes = excluded.scopes,
        data_scope = excluded.data_scope, disabled = excluded.disabled`,
    [c.id, c.name ?? null, c.secretHash, JSON.stringify(c.scopes), JSON.stringify(c.dataScope), c.createdAt, c.disabled]);
  }

  async get(id: string): Promise<I8Client | undefined> {
    const row = (await this.pool.query<Row>('SELECT * FROM i8_clients WHERE id = $1', [id])).rows[0];
    return row ? toClient(row) : undefined;
  }

  async list(): Promise<I8Client[]> {
    return (await this.pool.query<Row>('SELECT * FROM i8_clients ORDER BY id COLLATE "C"')).rows.map(toClient);
  }

  async setDisabled(id: string, disabled: boolean): Promise<boolean> {
    return (await this.pool.query('UPDATE i8_clients SET disabled = $1 WHERE id = $2', [disabled, id])).rowCount === 1;
  }
}
