import type { HandlerRegistry } from '../../registry/handler-registry.js';
import type { ProvisioningDeps } from '../../use-cases/provision-meters.use-case.js';
import type { NounDeps } from '../noun-deps.js';
import { getRoute } from './get.handler.js';
import { meterConfigAnnouncer } from './meter-config.events.js';
import { provisionRoute } from './provision.handler.js';

/** What the provisioning use cases need, from the handlers' ports (also used by the demo seed and scripts). */
export function provisioningDeps(deps: NounDeps): ProvisioningDeps {
  return {
    network: deps.network, hes: deps.hes, clock: deps.clock, log: deps.log, removalListeners: deps.removalListeners,
    announce: meterConfigAnnouncer(deps.publisher, deps.config.provisioning.eventChunk),
  };
}

export function registerMeterConfig(registry: HandlerRegistry, deps: NounDeps): void {
  const provisioning = provisioningDeps(deps);
  registry
    .register('MeterConfig', 'create', provisionRoute(provisioning, 'create'))
    .register('MeterConfig', 'change', provisionRoute(provisioning, 'change'))
    .register('MeterConfig', 'delete', provisionRoute(provisioning, 'delete'))
    .register('MeterConfig', 'get', getRoute(deps));
}
