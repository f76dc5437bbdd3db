import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'node:test';
import { pino } from 'pino';
import Database from 'better-sqlite3';
import { BACKSTOP_PAGES, startWalCheckpointer } from '../../gateway/adapters/sqlite/wal-checkpointer.js';
import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';

it('a worker thread checkpoints the log into the database file; the writer only keeps a backstop', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wal-ckpt-'));
  const file = path.join(dir, 'g.sqlite');
  const db = openSqlite(file);
  try {
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const checkpointer = startWalCheckpointer(db, file, pino({ level: 'silent' }), 10);
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), BACKSTOP_PAGES);
    const before = statSync(file).size;
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    for (let i = 0; i < 200; i++) insert.run('x'.repeat(2000)); // ~100 pages, far below the backstop
    assert.equal(statSync(file).size, before, 'the writer did not checkpoint');
    for (let waited = 0; statSync(file).size === before && waited < 5000; waited += 20) await sleep(20);
    assert.ok(statSync(file).size > before + 200 * 2000, 'the pages reached the database file');
    await checkpointer.stop();
    insert.run('after stop');
    db.close();
    const reader = new Database(file, { readonly: true });
    assert.equal((reader.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n, 201);
    reader.close();
  } finally {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
