import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NonceRegistry } from '../../gateway/ports/nonce-registry.port.js';

/** Two handles sharing what they remember (two instances); a single-process registry may give itself twice. */
export type NonceRegistryFactory = () => Promise<{ a: NonceRegistry; b: NonceRegistry; close(): Promise<void> }>;

export function nonceRegistryContract(impl: string, open: NonceRegistryFactory): void {
  const t = (s: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, s));
  describe(`nonce-registry port contract (${impl})`, () => {
    it('refuses a nonce seen within its window, on any instance, and takes it again once the window is over', async () => {
      const { a, b, close } = await open();
      try {
        assert.equal(await a.remember('u\u0000n1', t(300), t(0)), 'fresh');
        assert.equal(await b.remember('u\u0000n1', t(300), t(10)), 'replayed');
        assert.equal(await a.remember('u\u0000n1', t(300), t(299)), 'replayed');
        assert.equal(await b.remember('u\u0000n2', t(300), t(10)), 'fresh');
        assert.equal(await b.remember('u\u0000n1', t(600), t(300)), 'fresh');
      } finally {
        await close();
      }
    });

    it('lets exactly one of concurrent first uses through', async () => {
      const { a, b, close } = await open();
      try {
        const seen = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).remember('u\u0000race', t(300), t(1))));
        assert.equal(seen.filter((s) => s === 'fresh').length, 1);
        assert.equal(seen.filter((s) => s === 'replayed').length, 9);
      } finally {
        await close();
      }
    });
  });
}
