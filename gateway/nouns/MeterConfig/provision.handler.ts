import type { Route } from '../../registry/handler-registry.js';
import { child } from '../../xml/xnode.js';
import { deprovisionMeters } from '../../use-cases/deprovision-meters.use-case.js';
import { provisionMeters, type ProvisioningDeps } from '../../use-cases/provision-meters.use-case.js';
import { itemReply } from './item-replies.js';
import { MC_NS, readMeterConfig } from './meter-config.mapper.js';

/** create / change / delete MeterConfig: read the items, run the use case, answer per item. */
export function provisionRoute(deps: ProvisioningDeps, verb: 'create' | 'change' | 'delete'): Route {
  return {
    handle: async (ctx) => {
      const { meters, usagePoints } = readMeterConfig(child(ctx.message.payload, 'MeterConfig', MC_NS));
      const scoped = { ...deps, log: ctx.log };
      const result = verb === 'delete' ? await deprovisionMeters(scoped, meters) : await provisionMeters(scoped, verb, meters, usagePoints);
      // A delete acts on Meters only: usage points outlive the meters that serve them.
      const counts = { Meter: meters.length, UsagePoint: verb === 'delete' ? 0 : usagePoints.length };
      return { reply: itemReply(ctx.message.typedName ?? ctx.message.kind, result.errors, counts) };
    },
  };
}
