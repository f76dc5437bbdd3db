import type { MeterSpec } from '../domain/meters/meter-config.js';
import type { MeterRecord } from '../ports/network-store.port.js';
import { meterRemovalEffects, metersNamed, type ItemError, type ProvisionResult, type ProvisioningDeps } from './provision-meters.use-case.js';

/**
 * delete MeterConfig: a meter is never erased (readings, events and commands keep pointing at
 * it); it becomes `removed`, with when and why, leaves the head-end and its pending work stops.
 * Deleting a removed meter again changes nothing.
 */
export async function deprovisionMeters(deps: ProvisioningDeps, meters: MeterSpec[]): Promise<ProvisionResult> {
  const mRIDs = meters.map((m) => m.mRID).filter((x): x is string => x !== undefined);
  const names = meters.filter((m) => !m.mRID).map((m) => m.names?.[0]).filter((x): x is string => x !== undefined);
  const stored = await metersNamed(deps.network, { mRIDs, names });
  const byMrid = new Map(stored.map((m) => [m.mRID, m]));
  const byName = new Map(stored.flatMap((m) => m.names.map((n) => [n, m] as const)));
  const at = deps.clock.now().toISOString();
  const errors: ItemError[] = [];
  const writes = new Map<string, MeterRecord>();
  let accepted = 0;
  meters.forEach((spec, index) => {
    const found = spec.mRID ? byMrid.get(spec.mRID) : byName.get(spec.names?.[0] ?? '');
    if (!found) {
      return errors.push({ code: '2.4', kind: 'Meter', index, details: `Meter ${spec.mRID ?? spec.names?.[0] ?? '(no mRID, no name)'} is not provisioned` });
    }
    accepted++;
    if (found.status === 'removed' || writes.has(found.mRID)) return;
    writes.set(found.mRID, { ...found, status: 'removed', statusAt: spec.statusAt ?? at, statusReason: spec.statusReason ?? 'deleted by delete MeterConfig' });
  });
  const written = [...writes.values()];
  await deps.network.upsertMeters(written);
  if (written.length > 0) await deps.announce('changed', written, []);
  await meterRemovalEffects(deps, written.map((m) => m.mRID));
  deps.log.info({ meters: meters.length, accepted, removed: written.length, errors: errors.length }, 'MeterConfig removed');
  return { accepted, changed: written.length, errors };
}
