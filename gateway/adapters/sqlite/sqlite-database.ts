import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * Opens the embedded store: WAL so readers never block the writer, synchronous=NORMAL which
 * under WAL loses no committed transaction on a process crash (only on power loss of the host).
 */
export function openSqlite(file: string): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
  return db;
}

/** Applies named migrations once each, in order; every adapter owns its own names. */
export function migrate(db: Db, migrations: readonly { name: string; sql: string }[]): void {
  const applied = db.prepare('SELECT 1 FROM schema_migrations WHERE name = ?');
  const record = db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)');
  for (const m of migrations) {
    if (applied.get(m.name)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.name, new Date().toISOString());
    })();
  }
}

const caches = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * Prepares each distinct SQL text once per connection (shared by every adapter on it). Preparing
 * is a parse and plan in SQLite; on the request path (idempotency, meter resolution, outbox) it
 * was a measurable share of each message.
 */
export function statements(db: Db): (sql: string) => Database.Statement {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  const own = cache;
  return (sql) => {
    let stmt = own.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      own.set(sql, stmt);
    }
    return stmt;
  };
}
