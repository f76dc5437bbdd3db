import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import type { DeliveryJob, DeliveryJobStore } from '../../gateway/ports/delivery-job.port.js';

export interface DeliveryJobFixture {
  store: DeliveryJobStore;
  reset(): Promise<void>;
  close(): Promise<void>;
}

const t = (iso: string) => new Date(iso);
const job = (id: string, more: Partial<DeliveryJob> = {}): DeliveryJob => ({
  id, clientId: 'cl-1', cron: '0 0 13 * * *', timeZone: 'America/Santiago',
  query: { resource: 'readings', meter: ['M-1'], lookbackMinutes: 1440, format: 'csv' }, target: { kind: 'webhook', url: 'https://dw.example/in' },
  createdAt: t('2026-03-01T12:00:00Z'), ...more,
});

/** The scheduled-delivery store contract: jobs per client, due jobs, one run per scheduled time, run history. */
export function deliveryJobContract(name: string, make: () => Promise<DeliveryJobFixture>): void {
  describe(`delivery-job contract: ${name}`, () => {
    let f: DeliveryJobFixture;
    beforeEach(async () => {
      f ??= await make();
      await f.reset();
    });
    after(() => f?.close());

    it('creates, reads back, lists per client and removes only the client\'s own job', async () => {
      const a = job('j-a', { name: 'daily', nextRunAt: t('2026-03-01T16:00:00Z') });
      const b = job('j-b', { createdAt: t('2026-03-01T12:00:01Z'), target: { kind: 'file' }, query: { resource: 'events', eventType: ['3.26.0.85'] } });
      await f.store.create(a);
      await f.store.create(b);
      await f.store.create(job('j-other', { clientId: 'cl-2' }));
      assert.deepEqual(await f.store.get('j-a'), a);
      assert.deepEqual(await f.store.get('j-b'), b);
      assert.deepEqual((await f.store.byClient('cl-1')).map((j) => j.id), ['j-a', 'j-b']);
      assert.equal(await f.store.remove('cl-2', 'j-a'), false, 'not cl-2\'s job');
      assert.equal(await f.store.remove('cl-1', 'j-a'), true);
      assert.equal(await f.store.get('j-a'), undefined);
      await assert.rejects(f.store.create(job('j-b')), 'an id is never reused');
    });

    it('lists due jobs by next run time; a job without one is never due', async () => {
      await f.store.create(job('late', { nextRunAt: t('2026-03-01T16:00:00Z') }));
      await f.store.create(job('early', { nextRunAt: t('2026-03-01T15:00:00Z') }));
      await f.store.create(job('never'));
      assert.deepEqual((await f.store.due(t('2026-03-01T14:59:59Z'))).map((j) => j.id), []);
      assert.deepEqual((await f.store.due(t('2026-03-01T16:00:00Z'))).map((j) => j.id), ['early', 'late']);
      await f.store.setNextRun('early', t('2026-03-02T15:00:00Z'));
      await f.store.setNextRun('late', undefined);
      assert.deepEqual((await f.store.due(t('2026-03-01T23:00:00Z'))).map((j) => j.id), []);
      assert.deepEqual((await f.store.get('early'))?.nextRunAt, t('2026-03-02T15:00:00Z'));
      assert.equal((await f.store.get('late'))?.nextRunAt, undefined);
    });

    it('creates one run per (job, scheduled time), however often it is asked', async () => {
      await f.store.create(job('j'));
      const at = t('2026-03-01T16:00:00Z');
      const id = await f.store.addRun('j', at);
      assert.equal(await f.store.addRun('j', at), id);
      const ids = await Promise.all([1, 2, 3].map(() => f.store.addRun('j', t('2026-03-02T16:00:00Z'))));
      assert.equal(new Set(ids).size, 1);
      assert.notEqual(ids[0], id);
      const runs = await f.store.runs('j', 10);
      assert.deepEqual(runs.map((r) => [r.scheduledFor.toISOString(), r.state, r.attempts, r.rows]),
        [['2026-03-02T16:00:00.000Z', 'pending', 0, 0], ['2026-03-01T16:00:00.000Z', 'pending', 0, 0]], 'newest first');
      assert.deepEqual((await f.store.runs('j', 1)).map((r) => r.id), [ids[0]]);
    });

    it('hands out pending runs due now; an outcome is stored, a retry waits for its time', async () => {
      await f.store.create(job('j'));
      const first = await f.store.addRun('j', t('2026-03-01T16:00:00Z'));
      const second = await f.store.addRun('j', t('2026-03-01T17:00:00Z'));
      assert.deepEqual(await f.store.runnable(t('2026-03-01T15:59:59Z')), []);
      const [run, ...rest] = await f.store.runnable(t('2026-03-01T16:30:00Z'));
      assert.deepEqual([run?.id, rest.length], [first, 0]);
      await f.store.updateRun({ ...run!, attempts: 1, lastError: 'webhook answered 503', nextAttemptAt: t('2026-03-01T16:32:00Z') });
      assert.deepEqual(await f.store.runnable(t('2026-03-01T16:31:00Z')), []);
      assert.deepEqual((await f.store.runnable(t('2026-03-01T17:00:00Z'))).map((r) => [r.id, r.attempts, r.lastError]),
        [[first, 1, 'webhook answered 503'], [second, 0, undefined]], 'by next attempt time');
      const delivered = { ...run!, attempts: 2, state: 'delivered' as const, rows: 96, deliveredAt: t('2026-03-01T17:00:01Z'), location: 'cl-1/j.csv' };
      await f.store.updateRun(delivered);
      await f.store.updateRun({ ...(await f.store.runs('j', 1))[0]!, state: 'failed', attempts: 5, lastError: 'gone' });
      assert.deepEqual(await f.store.runnable(t('2026-03-09T00:00:00Z')), []);
      assert.deepEqual((await f.store.runs('j', 10)).find((r) => r.id === first), delivered);
    });

    it('keeps the runs of a removed job as history', async () => {
      await f.store.create(job('j'));
      await f.store.addRun('j', t('2026-03-01T16:00:00Z'));
      await f.store.remove('cl-1', 'j');
      assert.equal((await f.store.runs('j', 10)).length, 1);
    });
  });
}
