import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DisconnectGuard } from '../../gateway/ports/disconnect-guard.port.js';
import type { WindowCap } from '../../gateway/security/disconnect-guard.js';

/** `open(caps)` gives two guards sharing their counts (two instances); a single-process guard may return itself twice. */
export type GuardFactory = (caps: { perPeer?: WindowCap; system?: WindowCap }) => Promise<{ a: DisconnectGuard; b: DisconnectGuard; close(): Promise<void> }>;

export function disconnectGuardContract(impl: string, open: GuardFactory): void {
  const t = (s: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, s));
  describe(`disconnect-guard port contract (${impl})`, () => {
    it('admits up to the per-peer and system caps within the window, whole requests only, and slides', async () => {
      const { a: guard, close } = await open({ perPeer: { max: 3, windowSeconds: 60 }, system: { max: 5, windowSeconds: 60 } });
      try {
        assert.deepEqual(await guard.admit('A', 2, t(0)), { ok: true });
        const peerCap = await guard.admit('A', 2, t(1));
        assert.equal(peerCap.ok === false && peerCap.scope, 'peer');
        assert.deepEqual(await guard.admit('B', 3, t(2)), { ok: true });
        const systemCap = await guard.admit('A', 1, t(3));
        assert.equal(systemCap.ok === false && systemCap.scope, 'system');
        assert.match(systemCap.ok === false ? systemCap.reason : '', /at most 5 disconnects per 60 s; 5 already, 1 requested/);
        // 60 s after the first admission it has left the window.
        assert.deepEqual(await guard.admit('A', 2, t(60)), { ok: true });
      } finally {
        await close();
      }
    });

    it('shares one cap between instances admitting at the same time', async () => {
      const { a, b, close } = await open({ system: { max: 10, windowSeconds: 60 } });
      try {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).admit(`P${i}`, 1, t(10))));
        assert.equal(results.filter((r) => r.ok).length, 10);
        assert.ok(results.filter((r) => !r.ok).every((r) => r.ok === false && r.scope === 'system'));
      } finally {
        await close();
      }
    });
  });
}
