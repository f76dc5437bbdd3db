import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SharedSecrets } from '../../gateway/ports/shared-secrets.port.js';

export interface SharedSecretsHarness {
  /** Two handles on the same store, as two gateway instances would have. */
  a: SharedSecrets;
  b: SharedSecrets;
  close(): Promise<void>;
}

export function sharedSecretsContract(impl: string, open: () => Promise<SharedSecretsHarness>): void {
  describe(`shared-secrets port contract (${impl})`, () => {
    let h: SharedSecretsHarness;
    before(async () => { h = await open(); });
    after(() => h.close());

    it('keeps the first value and never calls make again once stored', async () => {
      const first = await h.a.getOrCreate('k1', () => 'one');
      const again = await h.b.getOrCreate('k1', () => assert.fail('make called for a stored name'));
      assert.equal(first, 'one');
      assert.equal(again, 'one');
    });

    it('gives concurrent first callers one and the same value', async () => {
      let made = 0;
      const values = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? h.a : h.b).getOrCreate('k2', () => `v${++made}`)));
      assert.equal(new Set(values).size, 1, values.join(','));
    });

    it('keeps names apart', async () => {
      assert.equal(await h.a.getOrCreate('k3', () => 'three'), 'three');
      assert.equal(await h.a.getOrCreate('k1', () => 'other'), 'one');
    });
  });
}
