import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { GroupCommit } from '../../gateway/adapters/sqlite/group-commit.js';
import { openSqlite, type Db } from '../../gateway/adapters/sqlite/sqlite-database.js';

describe('SQLite group commit', () => {
  let dir: string;
  let db: Db;
  /** A second connection: what another process (or this one after a crash) would find on disk. */
  let reader: Database.Database;
  let commits: GroupCommit;
  const rows = () => (reader.prepare('SELECT v FROM t ORDER BY v').all() as { v: string }[]).map((r) => r.v);
  const insert = (v: string) => () => db.prepare('INSERT INTO t (v) VALUES (?)').run(v).changes;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'group-commit-'));
    db = openSqlite(path.join(dir, 'g.sqlite'));
    db.exec(`CREATE TABLE t (v TEXT PRIMARY KEY);
      CREATE TABLE parent (id INTEGER PRIMARY KEY);
      CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
      CREATE TRIGGER t_abort BEFORE INSERT ON t WHEN NEW.v = 'abort-all' BEGIN SELECT RAISE(ROLLBACK, 'whole transaction rolled back'); END;`);
    reader = new Database(path.join(dir, 'g.sqlite'), { readonly: true });
    commits = new GroupCommit(db);
  });
  beforeEach(() => db.exec('DELETE FROM t; DELETE FROM child; DELETE FROM parent'));
  after(() => {
    reader.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits the writes asked for in one turn together, and settles each caller only once they are on disk', async () => {
    const a = commits.run(insert('a'));
    const b = commits.run(insert('b'));
    assert.deepEqual(rows(), [], 'nothing is written before the turn ends');
    assert.deepEqual(await Promise.all([a, b]), [1, 1]);
    assert.deepEqual(rows(), ['a', 'b']);
    assert.equal(db.inTransaction, false);
  });

  it('rolls back only the work that failed; the others of the batch are stored', async () => {
    const results = await Promise.allSettled([
      commits.run(insert('a')),
      commits.run(() => { insert('half')(); insert('a')(); }), // the second insert violates the key: all of this work goes
      commits.run(insert('b')),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((results[1] as PromiseRejectedResult).reason), /UNIQUE constraint failed/);
    assert.deepEqual(rows(), ['a', 'b'], 'no half of the failed work');
  });

  it('a commit that fails rejects every caller of the batch, and none of it is stored', async () => {
    const results = await Promise.allSettled([
      commits.run(insert('a')),
      commits.run(() => db.prepare('INSERT INTO child (parent_id) VALUES (42)').run()), // checked at COMMIT (deferred foreign key)
    ]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.match(String((results[0] as PromiseRejectedResult).reason), /FOREIGN KEY/);
    assert.deepEqual(rows(), []);
    assert.equal(db.inTransaction, false);
    assert.equal(await commits.run(insert('c')), 1, 'the next batch works');
  });

  it('when SQLite ends the whole transaction, every caller of the batch is refused and nothing runs outside it', async () => {
    const results = await Promise.allSettled([commits.run(insert('a')), commits.run(insert('abort-all')), commits.run(insert('b'))]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
    assert.deepEqual(rows(), []);
    assert.equal(db.inTransaction, false);
  });

  it('flush() commits what waits at once (before the database closes)', async () => {
    const a = commits.run(insert('a'));
    commits.flush();
    assert.deepEqual(rows(), ['a']);
    assert.equal(await a, 1);
  });
});
