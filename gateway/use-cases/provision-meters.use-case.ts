import type { Logger } from '../logging/logger.js';
import type { ItemProblem, MeterSpec, UsagePointSpec } from '../domain/meters/meter-config.js';
import { sameMeter, sameUsagePoint } from '../domain/meters/meter-config.js';
import { isProblem, meterFromSpec, placementProblem, usagePointFromSpec, type Topology } from '../domain/meters/provisioning-rules.js';
import type { Clock } from '../ports/clock.port.js';
import type { HesPort } from '../ports/hes.port.js';
import { isEmptyQuery, type MeterQuery, type MeterRecord, type MeterRemovalListener, type NetworkStore, type UsagePointRecord } from '../ports/network-store.port.js';

/** Reads that must return everything they match (bulk checks), never a page. */
export const UNBOUNDED = 2_147_483_647;
const HES_BATCH = 256;

export interface ProvisioningDeps {
  network: NetworkStore;
  /** The head-end; absent until one is wired (the meters are then provisioned in the gateway only). */
  hes?: HesPort | undefined;
  clock: Clock;
  log: Logger;
  removalListeners: readonly MeterRemovalListener[];
  /** Publishes created/changed MeterConfig events for what actually changed. */
  announce(verb: 'created' | 'changed', meters: MeterRecord[], usagePoints: UsagePointRecord[]): Promise<void>;
}

export interface ItemError extends ItemProblem {
  kind: 'Meter' | 'UsagePoint';
  /** Position among its siblings in the message, from 0. */
  index: number;
}

export interface ProvisionResult {
  accepted: number;
  changed: number;
  errors: ItemError[];
}

/** Every meter a bulk check names; none for an empty query (which to queryMeters means "all"). */
export async function metersNamed(network: NetworkStore, query: MeterQuery): Promise<MeterRecord[]> {
  return isEmptyQuery(query) ? [] : network.queryMeters(query, UNBOUNDED);
}

const unique = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => x !== undefined))];

/**
 * create / change MeterConfig, in bulk. Items are checked in message order against what is
 * stored plus what earlier items of the same message did; the good ones are written, the bad
 * ones answered per item. Writing what is already stored changes nothing, so a resend answers
 * the same and publishes nothing; the head-end is still told (its provisioning is idempotent),
 * which also completes a run that failed half-way.
 */
export async function provisionMeters(deps: ProvisioningDeps, verb: 'create' | 'change', meters: MeterSpec[], usagePointSpecs: UsagePointSpec[]): Promise<ProvisionResult> {
  const { network } = deps;
  const errors: ItemError[] = [];
  const stored = await metersNamed(network, { mRIDs: unique(meters.map((m) => m.mRID)), names: unique(meters.filter((m) => !m.mRID).map((m) => m.names?.[0])) });
  const current = new Map(stored.map((m) => [m.mRID, m]));
  const byName = new Map(stored.flatMap((m) => m.names.map((n) => [n, m.mRID] as const)));
  // A change that sends no UsagePoints keeps the stored one, which must be checked like a sent one.
  const referencedUps = unique([...usagePointSpecs.map((u) => u.mRID), ...meters.flatMap((m) => m.usagePointMRIDs), ...stored.map((m) => m.usagePointMRID)]);
  const ups = new Map((await network.usagePoints(referencedUps)).map((u) => [u.mRID, u]));
  const upWrites = new Map<string, UsagePointRecord>();
  // Usage points are the CIS's master data: sent attributes replace stored ones, in either verb.
  usagePointSpecs.forEach((spec, index) => {
    const base = spec.mRID ? ups.get(spec.mRID) : undefined;
    const u = usagePointFromSpec(spec, base);
    if (isProblem(u)) return errors.push({ ...u, kind: 'UsagePoint', index });
    if (!base || !sameUsagePoint(base, u)) upWrites.set(u.mRID, u);
    ups.set(u.mRID, u);
  });
  const binding = new Map<string, string>();
  for (const m of await metersNamed(network, { usagePointMRIDs: referencedUps })) {
    if (m.status !== 'removed' && m.usagePointMRID) binding.set(m.usagePointMRID, m.mRID);
  }
  const topology: Topology = {
    concentrators: new Map((await network.concentrators()).map((c) => [c.id, c])),
    usagePoint: (id) => ups.get(id),
    boundMeter: (id) => binding.get(id),
  };

  const writes = new Map<string, MeterRecord>();
  const active = new Map<string, MeterRecord>();
  const removed = new Set<string>();
  let accepted = 0;
  meters.forEach((spec, index) => {
    const fail = (p: ItemProblem) => errors.push({ ...p, kind: 'Meter', index });
    const byNameId = spec.mRID ? undefined : byName.get(spec.names?.[0] ?? '');
    const existing = current.get(spec.mRID ?? byNameId ?? '');
    if (verb === 'change' && !existing) return fail({ code: '2.4', details: `Meter ${spec.mRID ?? spec.names?.[0] ?? '(no mRID, no name)'} is not provisioned; create it first` });
    // A meter found by name keeps its names: the name identified it, it did not rename it.
    const m = meterFromSpec(spec.mRID ? spec : { ...spec, names: undefined }, verb === 'change' ? existing : undefined);
    if (isProblem(m)) return fail(m);
    if (verb === 'create' && existing && existing.status !== 'removed' && !sameMeter(existing, m)) {
      return fail({ code: '2.4', details: `Meter ${m.mRID} is already provisioned with other attributes; send change MeterConfig to alter it` });
    }
    const misplaced = placementProblem(m, spec, topology);
    if (misplaced) return fail(misplaced);
    accepted++;
    if (existing?.usagePointMRID && binding.get(existing.usagePointMRID) === m.mRID) binding.delete(existing.usagePointMRID);
    if (m.usagePointMRID && m.status !== 'removed') binding.set(m.usagePointMRID, m.mRID);
    if (!existing || !sameMeter(existing, m)) writes.set(m.mRID, m);
    current.set(m.mRID, m);
    if (m.status === 'removed') {
      active.delete(m.mRID);
      if (existing?.status !== 'removed') removed.add(m.mRID);
    } else {
      active.set(m.mRID, m);
      removed.delete(m.mRID);
    }
  });

  await writeTopology(network, [...upWrites.values()]);
  await network.upsertMeters([...writes.values()]);
  const written = [...writes.values()];
  if (written.length > 0) {
    const upsOf = unique(written.map((m) => m.usagePointMRID)).map((id) => ups.get(id)).filter((u): u is UsagePointRecord => u !== undefined);
    await deps.announce(verb === 'create' ? 'created' : 'changed', written, upsOf);
  }
  await provisionInHes(deps, [...active.values()]);
  await meterRemovalEffects(deps, [...removed]);
  deps.log.info({ verb, meters: meters.length, accepted, written: written.length, errors: errors.length }, 'MeterConfig provisioned');
  return { accepted, changed: written.length, errors };
}

/** Usage points, and the transformers they name that nobody registered yet (the GIS owns them; the id is enough). */
async function writeTopology(network: NetworkStore, usagePoints: UsagePointRecord[]): Promise<void> {
  if (usagePoints.length === 0) return;
  const known = new Set((await network.transformers()).map((t) => t.id));
  const fresh = new Map<string, { id: string; feederId?: string }>();
  for (const u of usagePoints) {
    if (u.transformerId && !known.has(u.transformerId)) fresh.set(u.transformerId, { id: u.transformerId, ...(u.feederId ? { feederId: u.feederId } : {}) });
  }
  if (fresh.size > 0) await network.upsertTransformers([...fresh.values()]);
  await network.upsertUsagePoints(usagePoints);
}

export async function provisionInHes(deps: Pick<ProvisioningDeps, 'hes'>, meters: MeterRecord[]): Promise<void> {
  const { hes } = deps;
  if (!hes) return;
  for (let i = 0; i < meters.length; i += HES_BATCH) {
    await Promise.all(meters.slice(i, i + HES_BATCH).map((m) => hes.provision({
      mRID: m.mRID, commPath: m.commPath, ...(m.concentratorId ? { concentratorId: m.concentratorId } : {}),
    })));
  }
}

/** A removed meter leaves the head-end, and whatever was pending for it stops. */
export async function meterRemovalEffects(deps: Pick<ProvisioningDeps, 'hes' | 'removalListeners' | 'clock'>, mRIDs: string[]): Promise<void> {
  if (mRIDs.length === 0) return;
  const { hes } = deps;
  if (hes) {
    for (let i = 0; i < mRIDs.length; i += HES_BATCH) await Promise.all(mRIDs.slice(i, i + HES_BATCH).map((id) => hes.remove(id)));
  }
  const at = deps.clock.now();
  for (const l of deps.removalListeners) await l.metersRemoved(mRIDs, at);
}
