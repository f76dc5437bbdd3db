import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { SqliteAuditLog } from '../../gateway/adapters/sqlite/audit-log.sqlite.js';
import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';
import type { AuditEntry } from '../../gateway/ports/audit-log.port.js';

describe('audit log group commit', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cimgw-audit-'));
  const file = path.join(dir, 'gateway.sqlite');
  const db = openSqlite(file);
  const audit = new SqliteAuditLog(db);
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const entry = (n: number): AuditEntry => ({ at: new Date(1_000 + n), kind: 'data.read', peer: `c-${n}`, interface: 'i8', resource: 'i8/readings', filters: '{}', rows: n });

  it('resolves each append only once its entry is committed, visible to another connection', async () => {
    const other = openSqlite(file);
    try {
      const count = () => (other.prepare("SELECT count(*) AS n FROM security_audit WHERE kind = 'data.read'").get() as { n: number }).n;
      const before = count();
      const appends = Array.from({ length: 50 }, (_, i) => audit.append(entry(i)));
      assert.equal(count(), before, 'nothing written before the batch commits');
      await Promise.all(appends);
      assert.equal(count(), before + 50);
      await audit.append(entry(50));
      assert.equal(count(), before + 51, 'a lone append is committed when it resolves');
    } finally {
      other.close();
    }
    const rows = await audit.query({ kind: 'data.read', limit: 1000 });
    assert.deepEqual(rows.slice(-51).map((r) => r.rows), Array.from({ length: 51 }, (_, i) => i), 'in append order');
  });

  it('an entry the store refuses fails alone; the others of its batch are kept', async () => {
    const bad = { ...entry(99), at: new Date(NaN) } as AuditEntry; // at NOT NULL: NaN binds as NULL
    const results = await Promise.allSettled([audit.append(entry(100)), audit.append(bad), audit.append(entry(101))]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    const rows = await audit.query({ kind: 'data.read', limit: 1000 });
    assert.deepEqual(rows.slice(-2).map((r) => r.rows), [100, 101]);
  });

  it('stays append-only', () => {
    assert.throws(() => db.prepare('DELETE FROM security_audit').run(), /append-only/);
    assert.throws(() => db.prepare('UPDATE security_audit SET rows = 0').run(), /append-only/);
  });
});
