import { mergePeriods, withinOnePeriod, type Period } from '../domain/period.js';
import type { MeterInfo } from '../domain/meters/meter.js';
import type { I8Client } from '../ports/client-registry.port.js';
import type { ConsentStore } from '../ports/consent-store.port.js';
import type { MeterRegistry } from '../ports/meter-registry.port.js';
import type { NetworkStore } from '../ports/network-store.port.js';
import { forbidden, I8Error } from './i8-error.js';

/**
 * What one request may see: everything, or a set of usage points, each with the periods its data
 * may come from (no entry: its whole history). Resolved per request, so a revocation is immediate.
 */
export type Visibility =
  | { all: true }
  | { all: false; usagePoints: ReadonlySet<string>; periods: ReadonlyMap<string, readonly Period[]> };

/**
 * Regulator: everything. Third party: the usage points with a consent in force now, each limited
 * to its consents' periods [start, end] (a revocation in the future ends it there). Customer: its
 * supply point, limited to its supply period when the registration gives one.
 */
export async function visibilityOf(client: I8Client, consents: ConsentStore, now: Date): Promise<Visibility> {
  const scope = client.dataScope;
  switch (scope.kind) {
    case 'regulator': return { all: true };
    case 'customer': {
      const periods = new Map<string, Period[]>();
      if (scope.start !== undefined || scope.end !== undefined) {
        periods.set(scope.usagePoint, [{ start: scope.start !== undefined ? Date.parse(scope.start) : -8.64e15, ...(scope.end !== undefined ? { end: Date.parse(scope.end) } : {}) }]);
      }
      return { all: false, usagePoints: new Set([scope.usagePoint]), periods };
    }
    case 'third-party': {
      const byPoint = new Map<string, Period[]>();
      for (const c of await consents.inForce(client.id, now)) {
        const ends = [c.end?.getTime(), c.revokedAt?.getTime()].filter((t): t is number => t !== undefined);
        const list = byPoint.get(c.usagePoint) ?? [];
        list.push({ start: c.start.getTime(), ...(ends.length ? { end: Math.min(...ends) } : {}) });
        byPoint.set(c.usagePoint, list);
      }
      return { all: false, usagePoints: new Set(byPoint.keys()), periods: new Map([...byPoint].map(([up, list]) => [up, mergePeriods(list)])) };
    }
  }
}

export interface ScopedMeters {
  /** Meter mRIDs to read, sorted. */
  meters: string[];
  usagePointOf: Map<string, string | undefined>;
  /** True when the caller named no meter or usage point and sees everything: no device filter needed. */
  unrestricted: boolean;
  /** Meter → the only periods its data may come from (its usage point's consents or supply period); other meters: all of it. */
  periods?: ReadonlyMap<string, readonly Period[]>;
}

/** Whether data of `meter` carrying these times (a reading's or event's time, an interruption's start and end) is in the scope. */
export function inScope(scope: Pick<ScopedMeters, 'periods'>, meter: string, ...times: (number | undefined)[]): boolean {
  const periods = scope.periods?.get(meter);
  return periods === undefined || withinOnePeriod(periods, times);
}

export interface ScopeDeps {
  meters: MeterRegistry;
  network: NetworkStore;
}

const PAGE = 5_000;

/**
 * The meters a request reads: the ones it names, checked against the caller's visibility, or
 * all it may see. Naming a meter or usage point outside the scope is refused (403) rather than
 * answered empty, so a third party can tell "no consent" from "no data"; whether an unknown
 * meter exists is not revealed to anyone but the regulator.
 */
export async function scopedMeters(v: Visibility, named: { meters: string[]; usagePoints: string[] }, deps: ScopeDeps): Promise<ScopedMeters> {
  const found = new Map<string, MeterInfo>();
  for (const id of named.meters) {
    const m = await deps.meters.get(id);
    const visible = m && (v.all || (m.usagePointMRID !== undefined && v.usagePoints.has(m.usagePointMRID)));
    if (!visible) {
      if (v.all) throw new I8Error(404, 'Unknown meter', `no meter ${id}`);
      throw forbidden(`meter ${id} is not in your data scope (no consent in force for its usage point)`);
    }
    found.set(m.mRID, m);
  }
  for (const up of named.usagePoints) {
    if (!v.all && !v.usagePoints.has(up)) throw forbidden(`usage point ${up} is not in your data scope (no consent in force)`);
    for (const m of await deps.meters.byUsagePoint(up)) found.set(m.mRID, m);
  }
  if (named.meters.length > 0 || named.usagePoints.length > 0) return done(found, v);
  if (!v.all) {
    for (const up of v.usagePoints) for (const m of await deps.meters.byUsagePoint(up)) found.set(m.mRID, m);
    return done(found, v);
  }
  const usagePointOf = new Map<string, string | undefined>();
  for (let after: string | undefined, page; (page = await deps.network.listMeters(PAGE, after)).length > 0; after = page.at(-1)!.mRID) {
    for (const m of page) usagePointOf.set(m.mRID, m.usagePointMRID);
  }
  return { meters: [...usagePointOf.keys()].sort(), usagePointOf, unrestricted: true };
}

function done(found: Map<string, MeterInfo>, v: Visibility): ScopedMeters {
  const meters = [...found.keys()].sort();
  const usagePointOf = new Map(meters.map((id) => [id, found.get(id)!.usagePointMRID]));
  if (v.all) return { meters, usagePointOf, unrestricted: false };
  const periods = new Map<string, readonly Period[]>();
  for (const [meter, up] of usagePointOf) {
    const p = up === undefined ? undefined : v.periods.get(up);
    if (p) periods.set(meter, p);
  }
  return { meters, usagePointOf, unrestricted: false, ...(periods.size ? { periods } : {}) };
}
