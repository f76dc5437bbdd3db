import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RateLimitBuckets } from '../../gateway/ports/rate-limit.port.js';

/** Two handles sharing their buckets (two instances); a single-process implementation may give itself twice. */
export type RateLimitFactory = () => Promise<{ a: RateLimitBuckets; b: RateLimitBuckets; close(): Promise<void> }>;

export function rateLimitContract(impl: string, open: RateLimitFactory): void {
  const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
  const limit = { burst: 3, perSecond: 0.5 };
  describe(`rate-limit port contract (${impl})`, () => {
    it('grants the burst, then refuses with the wait until one token is back, then refills at the rate', async () => {
      const { a, close } = await open();
      try {
        for (let i = 0; i < 3; i++) assert.deepEqual(await a.take('c1', limit, T0), { ok: true }, `request ${i + 1} of the burst`);
        assert.deepEqual(await a.take('c1', limit, T0), { ok: false, retryAfterSeconds: 2 });
        assert.deepEqual(await a.take('c1', limit, T0 + 1000), { ok: false, retryAfterSeconds: 1 }, 'half a token back: 1 s more');
        assert.deepEqual(await a.take('c1', limit, T0 + 2000), { ok: true }, 'a whole token after 2 s at 0.5/s');
        assert.deepEqual(await a.take('c1', limit, T0 + 2000), { ok: false, retryAfterSeconds: 2 });
        assert.deepEqual(await a.take('c2', limit, T0), { ok: true }, 'each client has its own bucket');
        for (let i = 0; i < 3; i++) assert.deepEqual(await a.take('c1', limit, T0 + 60_000), { ok: true });
        assert.equal((await a.take('c1', limit, T0 + 60_000)).ok, false, 'a long pause refills up to the burst, not beyond');
      } finally {
        await close();
      }
    });

    it('a clock stepping back neither refills nor breaks the bucket', async () => {
      const { a, close } = await open();
      try {
        for (let i = 0; i < 3; i++) await a.take('c3', limit, T0);
        assert.equal((await a.take('c3', limit, T0 - 3_600_000)).ok, false);
        assert.equal((await a.take('c3', limit, T0 + 2000)).ok, true, 'refills from the latest time seen');
      } finally {
        await close();
      }
    });

    it('instances share one bucket per client: concurrent requests through both get the burst, no more', async () => {
      const { a, b, close } = await open();
      try {
        const many = { burst: 10, perSecond: 0.001 };
        const takes = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).take('c4', many, T0)));
        assert.equal(takes.filter((t) => t.ok).length, 10);
      } finally {
        await close();
      }
    });
  });
}
