import type { MeterInfo } from '../domain/meters/meter.js';
import type { I8Client } from '../ports/client-registry.port.js';
import type { ConsentStore } from '../ports/consent-store.port.js';
import type { MeterRegistry } from '../ports/meter-registry.port.js';
import type { NetworkStore } from '../ports/network-store.port.js';
import { forbidden, I8Error } from './i8-error.js';

/** What one request may see: everything, or a set of usage points (resolved per request, so revocation is immediate). */
export type Visibility = { all: true } | { all: false; usagePoints: ReadonlySet<string> };

export async function visibilityOf(client: I8Client, consents: ConsentStore, now: Date): Promise<Visibility> {
  switch (client.dataScope.kind) {
    case 'regulator': return { all: true };
    case 'customer': return { all: false, usagePoints: new Set([client.dataScope.usagePoint]) };
    case 'third-party': return { all: false, usagePoints: new Set(await consents.activeUsagePoints(client.id, now)) };
  }
}

export interface ScopedMeters {
  /** Meter mRIDs to read, sorted. */
  meters: string[];
  usagePointOf: Map<string, string | undefined>;
  /** True when the caller named no meter or usage point and sees everything: no device filter needed. */
  unrestricted: boolean;
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
  if (named.meters.length > 0 || named.usagePoints.length > 0) return done(found, false);
  if (!v.all) {
    for (const up of v.usagePoints) for (const m of await deps.meters.byUsagePoint(up)) found.set(m.mRID, m);
    return done(found, false);
  }
  const usagePointOf = new Map<string, string | undefined>();
  for (let after: string | undefined, page; (page = await deps.network.listMeters(PAGE, after)).length > 0; after = page.at(-1)!.mRID) {
    for (const m of page) usagePointOf.set(m.mRID, m.usagePointMRID);
  }
  return { meters: [...usagePointOf.keys()].sort(), usagePointOf, unrestricted: true };
}

function done(found: Map<string, MeterInfo>, unrestricted: boolean): ScopedMeters {
  const meters = [...found.keys()].sort();
  return { meters, usagePointOf: new Map(meters.map((id) => [id, found.get(id)!.usagePointMRID])), unrestricted };
}
