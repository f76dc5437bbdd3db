import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import type { Interruption } from '../../gateway/domain/outages/interruption.js';
import type { InterruptionStore } from '../../gateway/ports/interruption-store.port.js';

export interface InterruptionStoreFixture {
  store: InterruptionStore;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** The interruption store contract: per-meter pairing look-ups, grouped outages, report queries. */
export function interruptionStoreContract(name: string, make: () => Promise<InterruptionStoreFixture>): void {
  describe(`interruption-store contract: ${name}`, () => {
    let f: InterruptionStoreFixture;
    beforeEach(async () => {
      f ??= await make();
      await f.reset();
    });
    after(() => f?.close());

    it('inserts, updates and finds a meter\'s interruptions that may still pair', async () => {
      const id = await f.store.save({ meter: 'M', track: 'power', kind: 'supply', start: 100, cause: 'storm' });
      await f.store.save({ meter: 'M', track: 'power', kind: 'supply', start: 10, end: 20 });
      await f.store.save({ meter: 'M', track: 'power', kind: 'supply', end: 5 });
      await f.store.save({ meter: 'M', track: 'relay', kind: 'customer-requested', start: 100 });
      const recent = await f.store.recentForMeter('M', 'power', 50);
      assert.deepEqual(recent.map((i) => [i.start, i.end]), [[100, undefined], [undefined, 5]]);
      await f.store.save({ ...recent[0]!, end: 200 });
      const overlapping = await f.store.interruptions({ from: 150, to: 160 });
      assert.deepEqual(overlapping.map((i) => i.track).sort(), ['power', 'relay'], 'the still open relay interruption overlaps too');
      assert.deepEqual(overlapping.find((i) => i.id === id), { id, meter: 'M', track: 'power', kind: 'supply', start: 100, end: 200, cause: 'storm' } satisfies Interruption);
    });

    it('finds the joinable outage of a group within the window, pending or notified only', async () => {
      const id = await f.store.saveOutage({ groupKind: 'transformer', groupId: 'T', start: 1000, state: 'pending' });
      await f.store.saveOutage({ groupKind: 'transformer', groupId: 'T', start: 1500, state: 'restored', end: 2000 });
      assert.equal((await f.store.joinableOutage('transformer', 'T', 1400, 500))?.id, id);
      assert.equal(await f.store.joinableOutage('transformer', 'T', 1600, 500), undefined);
      assert.equal(await f.store.joinableOutage('concentrator', 'T', 1000, 500), undefined);
      await f.store.saveOutage({ id, groupKind: 'transformer', groupId: 'T', start: 1000, state: 'momentary', end: 1010 });
      assert.deepEqual(await f.store.activeOutages(), []);
    });

    it('lists an outage\'s members and the outages overlapping a period', async () => {
      const o = await f.store.saveOutage({ groupKind: 'meter', groupId: 'M', start: 0, state: 'notified', notifiedAt: 31 });
      await f.store.save({ meter: 'B', track: 'power', kind: 'supply', start: 0, outageId: o });
      await f.store.save({ meter: 'A', track: 'power', kind: 'supply', start: 1, outageId: o });
      assert.deepEqual((await f.store.members(o)).map((m) => m.meter), ['A', 'B']);
      assert.deepEqual((await f.store.outages(10, 20)).map((x) => [x.id, x.notifiedAt]), [[o, 31]]);
      assert.equal((await f.store.outage(o))?.state, 'notified');
    });

    it('runs exclusive work one caller at a time, a failure releasing the next', async () => {
      let inside = 0;
      let most = 0;
      const work = (name: string, fail = false) => () => new Promise<string>((resolve, reject) => {
        most = Math.max(most, ++inside);
        setTimeout(() => { inside--; if (fail) reject(new Error(name)); else resolve(name); }, 20);
      });
      const results = await Promise.allSettled([f.store.exclusive(work('a')), f.store.exclusive(work('b', true)), f.store.exclusive(work('c'))]);
      assert.equal(most, 1);
      assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)), ['a', 'b', 'c']);
    });
  });
}
