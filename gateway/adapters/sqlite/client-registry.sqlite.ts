import type { ClientRegistry, DataScope, I8Client, I8Scope } from '../../ports/client-registry.port.js';
import { migrate, statements, type Db } from './sqlite-database.js';

const MIGRATIONS = [{
  name: 'i8-001-clients',
  sql: `
    CREATE TABLE i8_clients (
      id TEXT PRIMARY KEY, name TEXT, secret_hash TEXT NOT NULL, scopes TEXT NOT NULL, data_scope TEXT NOT NULL,
      created_at INTEGER NOT NULL, disabled INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
  `,
}];

interface Row { id: string; name: string | null; secret_hash: string; scopes: string; data_scope: string; created_at: number; disabled: number }

const toClient = (r: Row): I8Client => ({
  id: r.id, secretHash: r.secret_hash, scopes: JSON.parse(r.scopes) as I8Scope[], dataScope: JSON.parse(r.data_scope) as DataScope,
  createdAt: new Date(r.created_at), disabled: r.disabled === 1, ...(r.name !== null ? { name: r.name } : {}),
});

export class SqliteClientRegistry implements ClientRegistry {
  /** `get` runs on every I8 request (a disabled client must stop at once): prepared once. */
  private readonly sql;

  constructor(db: Db) {
    migrate(db, MIGRATIONS);
    this.sql = statements(db);
  }

  async put(c: I8Client): Promise<void> {
    this.sql(`INSERT INTO i8_clients (id, name, secret_hash, scopes, data_scope, created_at, disabled) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET name = excluded.name, secret_hash = excluded.secret_hash, scopes = excluded.scopes,
      data_scope = excluded.data_scope, disabled = excluded.disabled`)
      .run(c.id, c.name ?? null, c.secretHash, JSON.stringify(c.scopes), JSON.stringify(c.dataScope), c.createdAt.getTime(), c.disabled ? 1 : 0);
  }

  async get(id: string): Promise<I8Client | undefined> {
    const row = this.sql('SELECT * FROM i8_clients WHERE id = ?').get(id) as Row | undefined;
    return row ? toClient(row) : undefined;
  }

  async list(): Promise<I8Client[]> {
    return (this.sql('SELECT * FROM i8_clients ORDER BY id').all() as Row[]).map(toClient);
  }

  async setDisabled(id: string, disabled: boolean): Promise<boolean> {
    return this.sql('UPDATE i8_clients SET disabled = ? WHERE id = ?').run(disabled ? 1 : 0, id).changes > 0;
  }
}
