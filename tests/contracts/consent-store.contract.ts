import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConsentStore } from '../../gateway/ports/consent-store.port.js';

export interface ConsentStoreFixture {
  store: ConsentStore;
  close(): Promise<void>;
}

const d = (s: string) => new Date(s);
const usagePoints = async (store: ConsentStore, clientId: string, at: Date) => (await store.inForce(clientId, at)).map((c) => c.usagePoint);

/** The consent-store contract; each test uses its own client id. */
export function consentStoreContract(name: string, open: () => Promise<ConsentStoreFixture>): void {
  describe(`consent-store contract: ${name}`, () => {
    let fx: ConsentStoreFixture;
    before(async () => { fx = await open(); });
    after(() => fx.close());

    it('a consent is in force from its start until its end', async () => {
      await fx.store.grant({ id: 'c1', clientId: 'tp-1', usagePoint: 'UP-1', start: d('2026-01-01T00:00:00Z'), end: d('2026-02-01T00:00:00Z'), grantedAt: d('2025-12-20T00:00:00Z') });
      assert.deepEqual(await usagePoints(fx.store, 'tp-1', d('2025-12-31T23:59:59Z')), []);
      assert.deepEqual(await usagePoints(fx.store, 'tp-1', d('2026-01-01T00:00:00Z')), ['UP-1']);
      assert.deepEqual(await usagePoints(fx.store, 'tp-1', d('2026-02-01T00:00:00Z')), [], 'the end is exclusive');
      assert.deepEqual(await usagePoints(fx.store, 'other', d('2026-01-15T00:00:00Z')), []);
    });

    it('revocation ends it from that moment, keeps the record and its first revocation time', async () => {
      await fx.store.grant({ id: 'c2', clientId: 'tp-2', usagePoint: 'UP-2', start: d('2026-01-01T00:00:00Z'), reference: 'doc-7', grantedAt: d('2026-01-01T00:00:00Z') });
      const revoked = await fx.store.revoke('c2', d('2026-03-01T00:00:00Z'));
      assert.equal(revoked?.revokedAt?.toISOString(), '2026-03-01T00:00:00.000Z');
      assert.deepEqual(await usagePoints(fx.store, 'tp-2', d('2026-02-28T00:00:00Z')), ['UP-2']);
      assert.deepEqual(await usagePoints(fx.store, 'tp-2', d('2026-03-01T00:00:00Z')), []);
      const again = await fx.store.revoke('c2', d('2026-04-01T00:00:00Z'));
      assert.equal(again?.revokedAt?.toISOString(), '2026-03-01T00:00:00.000Z');
      assert.equal(await fx.store.revoke('nope', d('2026-04-01T00:00:00Z')), undefined);
      const listed = await fx.store.list({ clientId: 'tp-2' });
      assert.deepEqual(listed.map((c) => [c.id, c.usagePoint, c.reference]), [['c2', 'UP-2', 'doc-7']]);
    });

    it('lists by client and by usage point; answers every consent in force with its period', async () => {
      for (const [id, up, start] of [['c4', 'UP-3', '2026-02-01T00:00:00Z'], ['c3', 'UP-3', '2026-01-01T00:00:00Z'], ['c5', 'UP-4', '2026-01-01T00:00:00Z']] as const) {
        await fx.store.grant({ id, clientId: 'tp-3', usagePoint: up, start: d(start), ...(id === 'c4' ? { end: d('2026-09-01T00:00:00Z') } : {}), grantedAt: d('2026-01-01T00:00:00Z') });
      }
      const inForce = await fx.store.inForce('tp-3', d('2026-06-01T00:00:00Z'));
      assert.deepEqual(inForce.map((c) => [c.id, c.usagePoint, c.start.toISOString(), c.end?.toISOString()]),
        [['c3', 'UP-3', '2026-01-01T00:00:00.000Z', undefined], ['c4', 'UP-3', '2026-02-01T00:00:00.000Z', '2026-09-01T00:00:00.000Z'], ['c5', 'UP-4', '2026-01-01T00:00:00.000Z', undefined]]);
      assert.deepEqual((await fx.store.list({ usagePoint: 'UP-3' })).map((c) => c.id).sort(), ['c3', 'c4']);
    });
  });
}
