import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Leadership } from '../../gateway/ports/leadership.port.js';

/** `open()` gives candidates of one cluster; `kill(l)` ends a candidate's process abruptly (no release). */
export interface LeadershipHarness {
  candidate(): Leadership;
  kill(l: Leadership): Promise<void>;
  close(): Promise<void>;
}

export function leadershipContract(impl: string, open: () => Promise<LeadershipHarness>): void {
  describe(`leadership port contract (${impl})`, () => {
    it('one leader at a time; it stays leader; release hands over', async () => {
      const h = await open();
      try {
        const [a, b, c] = [h.candidate(), h.candidate(), h.candidate()];
        const first = await Promise.all([a.isLeader(), b.isLeader(), c.isLeader()]);
        assert.equal(first.filter(Boolean).length, 1, JSON.stringify(first));
        const leader = [a, b, c][first.indexOf(true)]!;
        assert.equal(await leader.isLeader(), true);
        await leader.release();
        const others = [a, b, c].filter((x) => x !== leader);
        const next = await Promise.all(others.map((x) => x.isLeader()));
        assert.equal(next.filter(Boolean).length, 1);
        await Promise.all(others.map((x) => x.release()));
      } finally {
        await h.close();
      }
    });

    it('a leader that dies without releasing is replaced', async () => {
      const h = await open();
      try {
        const [a, b] = [h.candidate(), h.candidate()];
        assert.equal(await a.isLeader(), true);
        assert.equal(await b.isLeader(), false);
        await h.kill(a);
        let taken = false;
        for (let i = 0; i < 50 && !taken; i++) {
          taken = await b.isLeader();
          if (!taken) await new Promise((r) => setTimeout(r, 50));
        }
        assert.equal(taken, true);
        await b.release();
      } finally {
        await h.close();
      }
    });
  });
}
