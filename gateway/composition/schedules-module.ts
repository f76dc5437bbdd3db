import { existsSync } from 'node:fs';
import type express from 'express';
import type { GatewayConfig } from '../config/config.js';
import { concentratorsRouter } from '../ingress/admin/concentrators.router.js';
import type { Logger } from '../logging/logger.js';
import type { Clock } from '../ports/clock.port.js';
import type { HesPort } from '../ports/hes.port.js';
import type { MeterRegistry } from '../ports/meter-registry.port.js';
import type { MeterRemovalListener, NetworkStore } from '../ports/network-store.port.js';
import type { CollectionRun, ReadScheduleStore } from '../ports/read-schedule-store.port.js';
import type { Leadership } from '../ports/leadership.port.js';
import { Poller } from '../runtime/poller.js';
import { collectionPlans, concentratorCollections, type ConcentratorCollections } from '../use-cases/concentrator-collections.use-case.js';
import { runReadSchedules } from '../use-cases/run-read-schedules.use-case.js';
import { readNetworkSeed } from '../use-cases/seed-topology.use-case.js';

export interface SchedulesModule {
  store: ReadScheduleStore;
  concentrators: ConcentratorCollections;
  /** One pass: due read schedules, then due concentrator collections (tests call it on a manual clock). */
  tick: () => Promise<CollectionRun[]>;
  router: express.Router;
  /** Removed meters leave every read schedule. */
  removalListener: MeterRemovalListener;
  start(): void;
  stop(): Promise<void>;
}

/** Read schedules and concentrator collections (issue #4), for app.ts. */
export function createSchedulesModule(deps: { store: ReadScheduleStore; config: Readonly<GatewayConfig>; clock: Clock; log: Logger; hes: HesPort; meters: MeterRegistry; network: NetworkStore; leadership: Leadership }): SchedulesModule {
  const { config } = deps;
  const log = deps.log.child({ component: 'collections' });
  const { store } = deps;
  const timeZone = config.provisioning.timeZone;
  // The demo seed holds each concentrator's collection crons; configuration replaces them per concentrator.
  const seed = config.demo.enabled && existsSync(config.demo.seedFile) ? readNetworkSeed(config.demo.seedFile).concentrators : [];
  const plans = collectionPlans(seed, config.provisioning.collections);
  const base = { store, hes: deps.hes, clock: deps.clock };
  const concentrators = concentratorCollections({ ...base, network: deps.network, meters: deps.meters, plans, timeZone });
  const schedules = runReadSchedules({ ...base, timeZone });
  const tick = async () => {
    const runs = [...await schedules(), ...await concentrators.tick()];
    for (const r of runs.filter((x) => x.outcome === 'failed')) log.warn({ target: r.target, kind: r.kind, error: r.error }, 'collection failed');
    return runs;
  };
  // Once per cluster: two instances running the same due schedule would collect twice.
  const poller = new Poller('collections', async () => (await deps.leadership.isLeader() ? (await tick()).length : 0), config.provisioning.collectionPollMs, log);
  return {
    store, concentrators, tick, router: concentratorsRouter(concentrators),
    removalListener: { metersRemoved: async (mRIDs) => void (await store.dropMeters(mRIDs)) },
    start: () => poller.start(),
    stop: () => poller.stop(),
  };
}
