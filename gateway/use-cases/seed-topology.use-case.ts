import { readFileSync } from 'node:fs';
import { expandGroup, networkSeedSchema, type NetworkSeed } from '../domain/meters/network-seed.js';
import { provisionMeters, type ProvisionResult, type ProvisioningDeps } from './provision-meters.use-case.js';

/** Meters per provisioning call: bounds memory for synthetic networks of any size. */
const BATCH = 10_000;

export function readNetworkSeed(file: string): NetworkSeed {
  const parsed = networkSeedSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`network seed ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * Provisions a seed through the same use case as `create MeterConfig` (same checks, same head-end
 * provisioning), so seeding twice changes nothing. Meters someone has since changed are left as
 * they are: their create conflicts and is reported, never overwritten.
 */
export async function seedTopology(deps: ProvisioningDeps, seed: NetworkSeed): Promise<ProvisionResult> {
  await deps.network.upsertTransformers(seed.transformers);
  await deps.network.upsertConcentrators(seed.concentrators.map(({ collections: _c, ...c }) => c));
  const total: ProvisionResult = { accepted: 0, changed: 0, errors: [] };
  for (const group of seed.meterGroups) {
    for (let from = 0; from < group.count; from += BATCH) {
      const { meters, usagePoints } = expandGroup(group, from, from + BATCH);
      const r = await provisionMeters(deps, 'create', meters, usagePoints);
      total.accepted += r.accepted;
      total.changed += r.changed;
      total.errors.push(...r.errors);
    }
  }
  return total;
}
