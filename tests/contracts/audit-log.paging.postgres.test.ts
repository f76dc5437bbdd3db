import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PgAuditLog } from '../../gateway/adapters/postgres/audit-log.postgres.js';
import { openPostgres, type Pool } from '../../gateway/adapters/postgres/pg-database.js';
import type { AuditEntry, AuditLog } from '../../gateway/ports/audit-log.port.js';
import { isolatedSchema, serviceUrl, skippedWithout } from '../helpers/services.js';

const url = serviceUrl('DATABASE_URL');
const at = new Date('2026-11-20T12:00:00Z');

/** Pages through everything by afterId, as an admin client of GET /admin/audit does. */
async function pageAll(log: AuditLog, afterId: number, seen: Set<string>): Promise<number> {
  for (;;) {
    const page = await log.query({ afterId, limit: 7 });
    if (page.length === 0) return afterId;
    for (const e of page) seen.add(e.detail!);
    afterId = page.at(-1)!.id;
  }
}

if (!url) {
  skippedWithout('DATABASE_URL', 'audit paging across instances on PostgreSQL');
} else {
  /**
   * Ids come from a sequence in call order, entries become visible in commit order: an entry that
   * commits late under a lower id than one a reader already paged past must still be read.
   */
  describe('audit paging across instances on PostgreSQL', () => {
    let db: Awaited<ReturnType<typeof isolatedSchema>>;
    let other: Pool;
    let a: PgAuditLog;
    let b: PgAuditLog;
    before(async () => {
      db = await isolatedSchema(url);
      other = openPostgres(url, db.schema);
      [a, b] = [await PgAuditLog.create(db.pool), await PgAuditLog.create(other)];
      // A slow commit, on demand: the row is inserted (its id taken) and the transaction lingers.
      await db.pool.query(`CREATE FUNCTION audit_slow() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.detail LIKE 'slow%' THEN PERFORM pg_sleep(0.4); END IF; RETURN NEW; END $$;
        CREATE TRIGGER audit_slow AFTER INSERT ON security_audit FOR EACH ROW EXECUTE FUNCTION audit_slow();`);
    });
    after(async () => {
      await other?.end();
      await db?.close();
    });

    it('never pages past an entry that commits after a higher id was read', async () => {
      const entry = (detail: string): AuditEntry => ({ at, kind: 'admin.read', detail });
      const slow = a.append(entry('slow-1'));
      await sleep(100);
      await b.append(entry('fast-2'));
      const seen = new Set<string>();
      const cursor = await pageAll(b, 0, seen);
      await slow;
      await pageAll(b, cursor, seen);
      assert.deepEqual([...seen].sort(), ['fast-2', 'slow-1']);
      const ids = (await a.query({})).map((e) => [e.detail, e.id]);
      assert.deepEqual(ids.map(([d]) => d), ['slow-1', 'fast-2'], 'the late one has the lower id');
    });

    it('a reader paging while two instances append (some slowly) reads every entry', async () => {
      const total = 120;
      const writers = [a, b].map((log, w) => (async () => {
        for (let i = 0; i < total / 2; i++) {
          await log.append({ at, kind: 'admin.read', detail: `${i % 20 === 7 ? 'slow' : 'w'}-${w}-${i}` });
        }
      })());
      const seen = new Set<string>();
      let cursor = await pageAll(a, 0, seen);
      let done = false;
      void Promise.all(writers).then(() => (done = true));
      while (!done) cursor = await pageAll(b, cursor, seen);
      await pageAll(a, cursor, seen);
      const all = await a.query({ limit: 1000 });
      assert.equal(all.length, total + 2);
      assert.equal(seen.size, total + 2);
    });
  });
}
