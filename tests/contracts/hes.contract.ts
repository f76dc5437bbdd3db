import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DeviceEvent } from '../../gateway/domain/events/device-event.js';
import type { Reading } from '../../gateway/domain/readings/reading.js';
import type { HesPort } from '../../gateway/ports/hes.port.js';

export interface HesFixture {
  hes: HesPort;
  /** Moves the head-end's clock forward. */
  advance(ms: number): void;
  /** Every line of the head-end's execution log. */
  executions(): Promise<{ commandId: string; executed: boolean }[]>;
  setAvailable(available: boolean): Promise<void>;
  /** Delivers pushes that are still on their way (HTTP: one poll). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

const REGISTER = '0.0.0.1.1.1.12.0.0.0.0.0.0.0.0.3.72.0';
const INTERVAL = '0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0';
const HOUR = 3_600_000;

/** The hes-port contract: exactly once per commandId, meter state, pushes, unavailability. */
export function hesContract(name: string, make: () => Promise<HesFixture>): void {
  describe(`hes contract: ${name}`, () => {
    let f: HesFixture;
    const events: DeviceEvent[] = [];
    const pushed: Reading[] = [];
    before(async () => {
      f = await make();
      f.hes.listen({ onEvents: async (e) => void events.push(...e), onReadings: async (r) => void pushed.push(...r) });
      for (const m of ['P-1', 'P-2', 'P-3', 'P-4']) await f.hes.provision({ mRID: m, commPath: 'point-to-point' });
      await f.hes.provision({ mRID: 'C-1', commPath: 'concentrator', concentratorId: 'DC-1' });
    });
    after(() => f?.close());
    const register = async (meter: string) => (await f.hes.readOnDemand(meter, [REGISTER], new Date(0), new Date(8e15))).at(-1)!.value!;

    it('executes a commandId once: a resend returns the first outcome without acting again', async () => {
      const first = await f.hes.execute({ commandId: 'c-1', kind: 'disconnect', meter: 'P-1' });
      assert.equal(first.status, 'succeeded');
      await f.hes.execute({ commandId: 'c-2', kind: 'connect', meter: 'P-1' });
      const resend = await f.hes.execute({ commandId: 'c-1', kind: 'disconnect', meter: 'P-1' });
      assert.deepEqual(resend, first);
      const before = await register('P-1');
      f.advance(HOUR);
      assert.ok((await register('P-1')) > before, 'still connected: the resend did not open the relay again');
      assert.deepEqual((await f.executions()).filter((e) => e.commandId === 'c-1').length, 1);
    });

    it('a resend while the first is still running joins it', async () => {
      const [a, b] = await Promise.all([
        f.hes.execute({ commandId: 'c-3', kind: 'load-limit-set', meter: 'P-2', params: { loadLimit: 1, loadLimitUnit: 'kW' } }),
        f.hes.execute({ commandId: 'c-3', kind: 'load-limit-set', meter: 'P-2', params: { loadLimit: 1, loadLimitUnit: 'kW' } }),
      ]);
      assert.deepEqual(a, b);
      assert.equal((await f.executions()).filter((e) => e.commandId === 'c-3').length, 1);
    });

    it('a read after a disconnect shows no consumption, and consumption resumes on connect', async () => {
      f.advance(HOUR);
      const r1 = await register('P-3');
      await f.hes.execute({ commandId: 'c-4', kind: 'disconnect', meter: 'P-3' });
      f.advance(2 * HOUR);
      assert.equal(await register('P-3'), r1);
      await f.hes.execute({ commandId: 'c-5', kind: 'connect', meter: 'P-3' });
      f.advance(HOUR);
      assert.ok((await register('P-3')) > r1);
    });

    it('a load limit caps each 15-minute interval', async () => {
      await f.hes.execute({ commandId: 'c-6', kind: 'load-limit-set', meter: 'P-4', params: { loadLimit: 200, loadLimitUnit: 'W' } });
      f.advance(4 * HOUR);
      const intervals = (await f.hes.readOnDemand('P-4', [INTERVAL], new Date(0), new Date(8e15))).slice(-8);
      assert.equal(intervals.length, 8);
      for (const r of intervals) assert.ok(r.value! <= 0.05 + 1e-9, `${r.value} kWh in 15 min exceeds 200 W`);
      const bad = await f.hes.execute({ commandId: 'c-7', kind: 'load-limit-set', meter: 'P-4', params: {} });
      assert.deepEqual(bad.status === 'failed' && [bad.transient, /load limit/.test(bad.reason)], [false, true]);
    });

    it('time sync reports the drift it corrected; the clock is right afterwards', async () => {
      f.advance(10 * 24 * HOUR);
      const sync = await f.hes.execute({ commandId: 'c-8', kind: 'time-sync', meter: 'P-2' });
      assert.equal(sync.status, 'succeeded');
      const offset = sync.status === 'succeeded' ? sync.values!.clockOffsetSeconds! : NaN;
      assert.ok(Math.abs(offset) > 0, 'ten days of drift is visible');
      const again = await f.hes.execute({ commandId: 'c-9', kind: 'time-sync', meter: 'P-2' });
      assert.equal(again.status === 'succeeded' && again.values!.clockOffsetSeconds, 0);
    });

    it('pushes the confirmation event of a command, naming it', async () => {
      await f.hes.execute({ commandId: 'c-10', kind: 'disconnect', meter: 'C-1' });
      await f.flush();
      const e = events.find((x) => x.details.some((d) => d.name === 'commandId' && d.value === 'c-10'));
      assert.equal(e?.eventType, '3.31.0.68');
      assert.equal(e?.device, 'C-1');
    });

    it('collects the named meters on request: their intervals reach the listeners, unknown meters are reported', async () => {
      assert.ok(f.hes.collect, 'this head-end collects on request');
      f.advance(HOUR);
      const before = pushed.length;
      const c = await f.hes.collect({ meters: ['P-1', 'C-1', 'NOPE'], what: 'readings' });
      await f.flush();
      const got = pushed.slice(before);
      assert.equal(c.readings, got.length);
      assert.deepEqual([...new Set(got.map((r) => r.meter))].sort(), ['C-1', 'P-1']);
      assert.ok(got.every((r) => r.readingType === INTERVAL));
      assert.deepEqual(c.unreachable.map((u) => u.meter), ['NOPE']);
      const again = await f.hes.collect({ meters: ['P-1'], what: 'readings' });
      assert.equal(again.readings, 0, 'intervals already collected are not sent twice');
    });

    it('an unknown or removed meter is a permanent failure, recorded once', async () => {
      await f.hes.remove('P-4');
      const out = await f.hes.execute({ commandId: 'c-11', kind: 'connect', meter: 'P-4' });
      assert.deepEqual(out.status === 'failed' && [out.transient, /not known/.test(out.reason)], [false, true]);
      const line = (await f.executions()).find((e) => e.commandId === 'c-11');
      assert.equal(line?.executed, false);
    });

    it('an unavailable head-end throws (the caller retries), and nothing is recorded', async () => {
      await f.setAvailable(false);
      await assert.rejects(f.hes.execute({ commandId: 'c-12', kind: 'connect', meter: 'P-1' }), /unavailable/);
      await f.setAvailable(true);
      assert.equal((await f.executions()).some((e) => e.commandId === 'c-12'), false);
      assert.equal((await f.hes.execute({ commandId: 'c-12', kind: 'connect', meter: 'P-1' })).status, 'succeeded');
    });
  });
}
