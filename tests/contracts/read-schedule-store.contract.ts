import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import type { ReadSchedule, ReadScheduleStore } from '../../gateway/ports/read-schedule-store.port.js';

export interface ReadScheduleStoreFixture {
  store: ReadScheduleStore;
  reset(): Promise<void>;
  close(): Promise<void>;
}

const T0 = Date.parse('2026-11-20T12:00:00Z');
const schedule = (mRID: string, more: Partial<ReadSchedule> = {}): ReadSchedule => ({
  mRID, readingTypes: ['0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0'], recurrence: { periodSeconds: 900 }, start: T0, end: T0 + 3_600_000,
  meters: ['M-1', 'M-2'], status: 'active', source: 'MDM', createdAt: T0, nextRunAt: T0 + 900_000, ...more,
});

/** The read-schedule-store contract: schedules due, advance and end, cancel, meter removal, run records. */
export function readScheduleStoreContract(name: string, make: () => Promise<ReadScheduleStoreFixture>): void {
  describe(`read-schedule-store contract: ${name}`, async () => {
    const f = await make();
    beforeEach(() => f.reset());
    after(() => f.close());

    it('keeps a schedule as given and answers it by mRID', async () => {
      const s = schedule('S-1', { recurrence: { cron: '*/15 * * * *' } });
      await f.store.add([s]);
      assert.deepEqual((await f.store.get(['S-1', 'S-X'])).get('S-1'), s);
      assert.equal((await f.store.get(['S-X'])).size, 0);
    });

    it('returns due schedules in due order, moves them on, and ends them when no next run is given', async () => {
      await f.store.add([schedule('S-1', { nextRunAt: T0 + 2000 }), schedule('S-2', { nextRunAt: T0 + 1000 }), schedule('S-3', { nextRunAt: T0 + 9e6 })]);
      assert.deepEqual((await f.store.due(T0 + 5000, 10)).map((s) => s.mRID), ['S-2', 'S-1']);
      await f.store.advance('S-2', T0 + 5000, T0 + 10_000);
      await f.store.advance('S-1', T0 + 5000, undefined);
      assert.deepEqual((await f.store.due(T0 + 5000, 10)).map((s) => s.mRID), []);
      const got = await f.store.get(['S-1', 'S-2']);
      assert.deepEqual([got.get('S-1')?.status, got.get('S-1')?.nextRunAt, got.get('S-2')?.lastRunAt], ['ended', undefined, T0 + 5000]);
    });

    it('cancels once; a second cancel is "already", an unknown mRID "unknown"; canceled schedules are never due', async () => {
      await f.store.add([schedule('S-1', { nextRunAt: T0 })]);
      assert.equal(await f.store.cancel('S-1', T0 + 1), 'canceled');
      assert.equal(await f.store.cancel('S-1', T0 + 2), 'already');
      assert.equal(await f.store.cancel('S-9', T0), 'unknown');
      assert.deepEqual(await f.store.due(T0 + 9e9, 10), []);
      assert.equal((await f.store.get(['S-1'])).get('S-1')?.canceledAt, T0 + 1);
    });

    it('drops removed meters; a schedule left without meters ends', async () => {
      await f.store.add([schedule('S-1'), schedule('S-2', { meters: ['M-2'] })]);
      assert.equal(await f.store.dropMeters(['M-2']), 2);
      const got = await f.store.get(['S-1', 'S-2']);
      assert.deepEqual([got.get('S-1')?.meters, got.get('S-1')?.status, got.get('S-2')?.meters, got.get('S-2')?.status], [['M-1'], 'active', [], 'ended']);
    });

    it('records runs and answers the latest per target and kind', async () => {
      const a = await f.store.startRun({ target: 'DC-1', kind: 'load-profile', trigger: 'scheduled', startedAt: T0, meters: 3 });
      assert.equal(a.outcome, undefined);
      await f.store.finishRun(a.id, { outcome: 'ok', readings: 12, events: 0, finishedAt: T0 + 5 });
      const b = await f.store.startRun({ target: 'DC-1', kind: 'load-profile', trigger: 'on-demand', startedAt: T0 + 10, meters: 3 });
      const done = await f.store.finishRun(b.id, { outcome: 'failed', readings: 0, events: 0, finishedAt: T0 + 20, error: 'S/N too low' });
      assert.deepEqual(done, { id: b.id, target: 'DC-1', kind: 'load-profile', trigger: 'on-demand', startedAt: T0 + 10, finishedAt: T0 + 20, outcome: 'failed', meters: 3, readings: 0, events: 0, error: 'S/N too low' });
      const e = await f.store.startRun({ target: 'DC-1', kind: 'events', trigger: 'scheduled', startedAt: T0, meters: 3 });
      await f.store.startRun({ target: 'DC-2', kind: 'events', trigger: 'scheduled', startedAt: T0, meters: 1 });
      assert.deepEqual((await f.store.lastRuns(['DC-1'])).map((r) => r.id), [e.id, b.id]);
      assert.deepEqual((await f.store.runs('DC-1', 'load-profile', 10)).map((r) => r.id), [b.id, a.id]);
    });
  });
}
