import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PgAuditLog } from '../../gateway/adapters/postgres/audit-log.postgres.js';
import { PgMessageStore } from '../../gateway/adapters/postgres/message-store.postgres.js';
import type { Pool } from '../../gateway/adapters/postgres/pg-database.js';
import { isolatedSchema, serviceUrl, skippedWithout } from '../helpers/services.js';

const url = serviceUrl('DATABASE_URL');
const at = new Date('2026-11-20T12:00:00Z');

/**
 * The connection of a batched statement lost after the server committed it (extended protocol:
 * the implicit transaction commits at Sync, before ReadyForQuery reaches us): node-postgres then
 * rejects with 'Connection terminated unexpectedly' though every row is in. Simulated by letting the
 * named batch statement run, then failing as node-postgres does.
 */
function loseAnswerOf(pool: Pool, statement: string): void {
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  (pool as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = async (...args: unknown[]) => {
    const q = args[0] as { name?: string };
    const res = await query(...args);
    if (typeof q === 'object' && q?.name === statement) throw new Error('Connection terminated unexpectedly');
    return res;
  };
}

if (!url) {
  skippedWithout('DATABASE_URL', 'batched statements whose answer is lost after the commit');
} else {
  describe('batched statements whose answer is lost after the commit (PostgreSQL)', () => {
    let db: Awaited<ReturnType<typeof isolatedSchema>>;
    before(async () => {
      db = await isolatedSchema(url);
    });
    after(() => db.close());

    it('audit appends: each entry stored once (callers see the error), never twice', async () => {
      const audit = await PgAuditLog.create(db.pool);
      loseAnswerOf(db.pool, 'security-audit-append-many');
      await Promise.allSettled(['one', 'two', 'three'].map((d) => audit.append({ at, kind: 'admin.read', detail: `lost-${d}` })));
      const rows = (await db.pool.query<{ detail: string; n: string }>(`SELECT detail, count(*) AS n FROM security_audit WHERE detail LIKE 'lost-%' GROUP BY detail ORDER BY detail`)).rows;
      assert.deepEqual(rows.map((r) => [r.detail, Number(r.n)]), [['lost-one', 1], ['lost-three', 1], ['lost-two', 1]]);
    });

    it('idempotency claims: a claim whose commit was lost is not answered as a duplicate in progress', async () => {
      const store = await PgMessageStore.create(db.pool);
      loseAnswerOf(db.pool, 'idempotency-claim-many');
      const results = await Promise.allSettled(['m1', 'm2'].map((m) => store.claim({ source: 'S', messageId: m }, { verb: 'create', noun: 'EndDeviceControls' }, at, 60)));
      // The sender must hear a technical failure (and retry), not "already being processed": its
      // message is not being processed by anyone.
      for (const r of results) assert.notDeepEqual(r.status === 'fulfilled' ? r.value : undefined, { state: 'in-progress' });
    });
  });
}
