import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SqliteReadingStore } from '../../gateway/adapters/sqlite/reading-store.sqlite.js';
import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';
import type { Reading } from '../../gateway/domain/readings/reading.js';

const KWH = '0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0';
const T0 = Date.parse('2026-11-19T03:00:00Z');

describe('reading change journal migration', () => {
  it('journals readings stored before the journal existed once, as insertions, with their qualities', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cimgw-journal-'));
    const file = path.join(dir, 'gateway.sqlite');
    try {
      let db = openSqlite(file);
      const store = new SqliteReadingStore(db);
      const readings: Reading[] = [
        { meter: 'B-1', readingType: KWH, timestamp: T0 + 900_000, value: 1, qualities: [], kind: 'interval' },
        { meter: 'B-1', readingType: KWH, timestamp: T0 + 1_800_000, value: 2, qualities: ['3.8.0'], kind: 'interval', source: 'HES-A' },
      ];
      const id = await store.beginIngest({ source: 'HES', messageId: 'old', receivedAt: new Date(T0) });
      await store.stage(id, readings);
      await store.commitIngest(id);
      // Turn the file into one from before the migration: no journal, its migrations not recorded.
      db.exec(`DROP TABLE reading_changes; DELETE FROM schema_migrations WHERE name IN ('readings-002-change-journal', 'readings-003-change-journal-time')`);
      db.close();
      db = openSqlite(file);
      const reopened = new SqliteReadingStore(db);
      const { end, more } = await reopened.changeBound({ seq: 0, index: 0 }, 100);
      assert.equal(more, false);
      const changes = await reopened.readChanges({ seq: 0, index: 0 }, end!, 100);
      assert.deepEqual(changes.map((c) => [c.change, c.reading]), readings.map((r) => ['inserted', r]));
      db.close();
      db = openSqlite(file);
      const again = new SqliteReadingStore(db);
      assert.deepEqual((await again.changeBound({ seq: 0, index: 0 }, 100)).end, end, 'the backfill runs once');
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('entries journalled before the commit time was kept count from the upgrade for the retention', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cimgw-journal-'));
    const file = path.join(dir, 'gateway.sqlite');
    try {
      let db = openSqlite(file);
      const store = new SqliteReadingStore(db, { clock: { now: () => new Date(T0) } });
      const id = await store.beginIngest({ source: 'HES', messageId: 'old', receivedAt: new Date(T0) });
      await store.stage(id, [{ meter: 'B-2', readingType: KWH, timestamp: T0 + 900_000, value: 1, qualities: [], kind: 'interval' }]);
      await store.commitIngest(id);
      db.exec(`ALTER TABLE reading_changes DROP COLUMN at; DELETE FROM schema_migrations WHERE name = 'readings-003-change-journal-time'`);
      db.close();
      const upgradedAt = Date.now();
      db = openSqlite(file);
      const reopened = new SqliteReadingStore(db);
      assert.equal(await reopened.pruneChanges(Number.MAX_SAFE_INTEGER, new Date(upgradedAt - 1_000), 10), 0, 'not as old as its T0 commit: as old as the upgrade');
      assert.equal(await reopened.pruneChanges(Number.MAX_SAFE_INTEGER, new Date(upgradedAt + 2_000), 10), 1);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
