import { nextRunAfter } from '../domain/readings/read-recurrence.js';
import type { CollectionRun } from '../ports/read-schedule-store.port.js';
import { recordedCollection, type CollectionDeps } from './collection-run.use-case.js';

/**
 * One pass of the read-schedule runner (a Poller on the gateway clock): every active schedule that
 * is due asks the head-end to collect its meters' readings, which reach the reading store through
 * the head-end listener before the run is recorded. The next run is the first occurrence after
 * now, so a late pass runs once rather than once per missed occurrence; past the window's end the
 * schedule ends. Returns the runs made (the poller loops at once while there were some).
 */
export function runReadSchedules(deps: CollectionDeps & { timeZone: string; batch?: number }) {
  return async (): Promise<CollectionRun[]> => {
    const now = deps.clock.now().getTime();
    const runs: CollectionRun[] = [];
    for (const s of await deps.store.due(now, deps.batch ?? 50)) {
      const run = await recordedCollection(deps, { target: s.mRID, kind: 'schedule', trigger: 'scheduled' },
        { meters: s.meters, what: 'readings', ...(s.readingTypes.length > 0 ? { readingTypes: s.readingTypes } : {}) });
      runs.push(run);
      const window = { start: s.start, ...(s.end !== undefined ? { end: s.end } : {}) };
      await deps.store.advance(s.mRID, now, nextRunAfter(s.recurrence, window, now, deps.timeZone));
    }
    return runs;
  };
}
