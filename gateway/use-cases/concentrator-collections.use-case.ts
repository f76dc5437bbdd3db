import { Cron } from 'croner';
import type { MeterRegistry } from '../ports/meter-registry.port.js';
import type { ConcentratorRecord, NetworkStore } from '../ports/network-store.port.js';
import type { CollectionRun } from '../ports/read-schedule-store.port.js';
import { recordedCollection, type CollectionDeps } from './collection-run.use-case.js';

export type ConcentratorCollectionKind = 'load-profile' | 'events';

export interface CollectionPlan {
  concentratorId: string;
  kind: ConcentratorCollectionKind;
  cron: string;
}

export interface ConcentratorActivity extends ConcentratorRecord {
  meters: number;
  collections: { kind: ConcentratorCollectionKind; cron: string; timeZone: string; nextRunAt?: string; lastRun?: CollectionRun }[];
  /** Latest run of any kind (scheduled or on demand). */
  lastRun?: CollectionRun;
}

/**
 * Plans per concentrator: the seed's `collections`, replaced per concentrator by configuration
 * (`provisioning.collections`), so an operator can change a cron without editing the seed.
 */
export function collectionPlans(seed: { id: string; collections: { kind: ConcentratorCollectionKind; cron: string }[] }[], configured: Record<string, { kind: ConcentratorCollectionKind; cron: string }[]>): CollectionPlan[] {
  const byId = new Map(seed.map((c) => [c.id, c.collections] as const));
  for (const [id, list] of Object.entries(configured)) byId.set(id, list);
  return [...byId].flatMap(([concentratorId, list]) => list.map((c) => ({ concentratorId, ...c })));
}

/**
 * Concentrator activity (seed sequence 5): scheduled collections on each plan's cron, evaluated on
 * the gateway clock in the configured zone by `tick` (a Poller), and on-demand ones; every run is
 * recorded. The first tick only sets the next due instant: a gateway starting does not collect
 * everything at once, and collections missed while it was down are caught up by the next one
 * (the head-end sends the intervals since each meter's last collection).
 */
export function concentratorCollections(deps: CollectionDeps & { network: NetworkStore; meters: MeterRegistry; plans: CollectionPlan[]; timeZone: string }) {
  const next = new Map<string, number | undefined>();
  const keyOf = (p: CollectionPlan) => `${p.concentratorId}\u0000${p.kind}`;
  const nextOf = (p: CollectionPlan, after: number) => new Cron(p.cron, { timezone: deps.timeZone, paused: true }).nextRun(new Date(after))?.getTime();
  for (const p of deps.plans) nextOf(p, 0); // a bad cron in the seed or config fails at start, not at its first run

  const collect = async (concentratorId: string, kind: ConcentratorCollectionKind, trigger: CollectionRun['trigger']): Promise<CollectionRun> => {
    const meters = (await deps.meters.byConcentrator(concentratorId)).filter((m) => m.status !== 'removed').map((m) => m.mRID);
    return recordedCollection(deps, { target: concentratorId, kind, trigger }, { meters, what: kind === 'events' ? 'events' : 'readings' });
  };

  return {
    collect,
    exists: async (id: string) => (await deps.network.concentrators()).some((c) => c.id === id),
    /** Runs the plans that are due; plans of concentrators not in the network store wait. */
    tick: async (): Promise<CollectionRun[]> => {
      if (deps.plans.length === 0) return [];
      const now = deps.clock.now().getTime();
      const known = new Set((await deps.network.concentrators()).map((c) => c.id));
      const runs: CollectionRun[] = [];
      for (const p of deps.plans.filter((x) => known.has(x.concentratorId))) {
        if (!next.has(keyOf(p))) next.set(keyOf(p), nextOf(p, now));
        const due = next.get(keyOf(p));
        if (due === undefined || due > now) continue;
        runs.push(await collect(p.concentratorId, p.kind, 'scheduled'));
        next.set(keyOf(p), nextOf(p, now));
      }
      return runs;
    },
    list: async (): Promise<ConcentratorActivity[]> => {
      const all = await deps.network.concentrators();
      const last = await deps.store.lastRuns(all.map((c) => c.id));
      const out: ConcentratorActivity[] = [];
      for (const c of all) {
        const mine = last.filter((r) => r.target === c.id);
        const collections = deps.plans.filter((p) => p.concentratorId === c.id).map((p) => {
          const due = next.get(keyOf(p)) ?? nextOf(p, deps.clock.now().getTime());
          const lastRun = mine.find((r) => r.kind === p.kind);
          return { kind: p.kind, cron: p.cron, timeZone: deps.timeZone, ...(due !== undefined ? { nextRunAt: new Date(due).toISOString() } : {}), ...(lastRun ? { lastRun } : {}) };
        });
        const lastRun = mine.sort((a, b) => b.id - a.id)[0];
        out.push({ ...c, meters: (await deps.meters.byConcentrator(c.id)).filter((m) => m.status !== 'removed').length, collections, ...(lastRun ? { lastRun } : {}) });
      }
      return out;
    },
  };
}

export type ConcentratorCollections = ReturnType<typeof concentratorCollections>;
