import type { Clock } from '../ports/clock.port.js';
import type { HesCollectScope, HesPort } from '../ports/hes.port.js';
import type { CollectionRun, ReadScheduleStore } from '../ports/read-schedule-store.port.js';

export interface CollectionDeps {
  store: ReadScheduleStore;
  hes: HesPort;
  clock: Clock;
}

/**
 * One collection from the head-end, recorded: the run is stored as started before the head-end is
 * asked (a crash leaves a run without outcome, visible as such), then finished with the counts the
 * head-end pushed. Failed: the head-end threw (unavailable) or could reach none of the meters;
 * some unreachable meters leave the run ok, naming them in `error` (their intervals come next time).
 */
export async function recordedCollection(deps: CollectionDeps, run: Pick<CollectionRun, 'target' | 'kind' | 'trigger'>, scope: HesCollectScope): Promise<CollectionRun> {
  const started = await deps.store.startRun({ ...run, startedAt: deps.clock.now().getTime(), meters: scope.meters.length });
  const finish = (r: Omit<Parameters<ReadScheduleStore['finishRun']>[1], 'finishedAt'>) => deps.store.finishRun(started.id, { ...r, finishedAt: deps.clock.now().getTime() });
  if (!deps.hes.collect) return finish({ outcome: 'failed', readings: 0, events: 0, error: 'the head-end does not collect on request' });
  if (scope.meters.length === 0) return finish({ outcome: 'ok', readings: 0, events: 0 });
  try {
    const c = await deps.hes.collect(scope);
    const lost = c.unreachable;
    const error = lost.length === 0 ? undefined : `${lost.length} of ${scope.meters.length} meters not reached: ${lost[0]!.reason}${lost.length > 1 ? ' (first of them)' : ''}`;
    const outcome = lost.length === scope.meters.length ? 'failed' : 'ok';
    return await finish({ outcome, readings: c.readings, events: c.events, ...(error ? { error } : {}) });
  } catch (err) {
    return finish({ outcome: 'failed', readings: 0, events: 0, error: (err as Error).message });
  }
}
