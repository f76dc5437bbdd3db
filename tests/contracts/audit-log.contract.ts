import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { AuditEntry, AuditLog } from '../../gateway/ports/audit-log.port.js';

export interface AuditLogFixture {
  log: AuditLog;
  /** Writes straight to the store behind the port, as code holding the database handle could: each must be refused. */
  tamper: Record<string, () => Promise<unknown>>;
  close(): Promise<void>;
}

const T0 = Date.parse('2026-11-20T12:00:00Z');
const at = (ms: number) => new Date(T0 + ms);

/** The audit-log contract: append-only, every field kept, filtered and paged by id. A fresh store per test (nothing may be deleted). */
export function auditLogContract(name: string, make: () => Promise<AuditLogFixture>): void {
  describe(`audit-log contract: ${name}`, () => {
    let f: AuditLogFixture;
    beforeEach(async () => {
      f = await make();
    });
    afterEach(() => f.close());

    it('keeps every field of an entry and nothing more, under increasing ids', async () => {
      const full: AuditEntry = {
        at: at(0), kind: 'data.read', peer: 'mdm', interface: 'i8', remoteAddress: '10.0.0.7', verb: 'get', noun: 'MeterReadings', source: 'MDM',
        messageId: 'm-1', code: '0.0', devices: 3, detail: 'a "quoted" détail', resource: 'i8/readings', filters: '{"meter":"M-1"}', rows: 0,
      };
      const minimal: AuditEntry = { at: at(1), kind: 'auth.failed' };
      await f.log.append(full);
      await f.log.append(minimal);
      const got = await f.log.query({});
      assert.ok(got[0]!.id < got[1]!.id);
      assert.deepEqual(got, [{ id: got[0]!.id, ...full }, { id: got[1]!.id, ...minimal }]);
    });

    it('filters by time (since inclusive, until exclusive), kind and peer, and pages by id', async () => {
      for (let i = 0; i < 6; i++) {
        await f.log.append({ at: at(i * 1000), kind: i % 2 ? 'disconnect.admitted' : 'access.refused', peer: i < 3 ? 'mdm' : 'crm', devices: i });
      }
      const devices = (es: AuditEntry[]) => es.map((e) => e.devices);
      assert.deepEqual(devices(await f.log.query({ since: at(1000), until: at(4000) })), [1, 2, 3]);
      assert.deepEqual(devices(await f.log.query({ kind: 'disconnect.admitted' })), [1, 3, 5]);
      assert.deepEqual(devices(await f.log.query({ peer: 'crm', kind: 'access.refused' })), [4]);
      const page1 = await f.log.query({ limit: 4 });
      const page2 = await f.log.query({ limit: 4, afterId: page1.at(-1)!.id });
      assert.deepEqual([devices(page1), devices(page2)], [[0, 1, 2, 3], [4, 5]]);
      assert.deepEqual(await f.log.query({ afterId: page2.at(-1)!.id }), []);
    });

    it('answers 100 entries by default and never more than 1000 at once', async () => {
      for (let i = 0; i < 1001; i += 50) {
        await Promise.all(Array.from({ length: Math.min(50, 1001 - i) }, (_, k) => f.log.append({ at: at(i + k), kind: 'admin.read' })));
      }
      assert.equal((await f.log.query({})).length, 100);
      assert.equal((await f.log.query({ limit: 5000 })).length, 1000);
    });

    it('refuses an entry without a valid time and a limit that is not a positive integer; nothing is stored', async () => {
      await assert.rejects(f.log.append({ at: new Date(Number.NaN), kind: 'auth.failed' }), /not a valid time/);
      await f.log.append({ at: at(0), kind: 'auth.failed' });
      for (const limit of [0, -1, 2.5, Number.NaN]) await assert.rejects(f.log.query({ limit }), /positive integer/);
      assert.equal((await f.log.query({})).length, 1);
    });

    it('is append-only: nothing rewrites or removes an entry, even with the database handle', async () => {
      await f.log.append({ at: at(0), kind: 'disconnect.admitted', peer: 'mdm', devices: 2 });
      const before = await f.log.query({});
      assert.ok(Object.keys(f.tamper).length >= 2);
      for (const [how, attempt] of Object.entries(f.tamper)) await assert.rejects(attempt(), /append-only/, how);
      assert.deepEqual(await f.log.query({}), before);
    });
  });
}
