import type { HandlerRegistry } from '../../registry/handler-registry.js';
import type { NounDeps } from '../noun-deps.js';
import { createdHandler } from './created.handler.js';
import { getHandler } from './get.handler.js';

/** EndDeviceEvents: pushed by the head-end (created), sent by a peer (create), read back (get). */
export function registerEndDeviceEvents(registry: HandlerRegistry, deps: NounDeps): void {
  const created = createdHandler(deps.events);
  registry.register('EndDeviceEvents', 'created', created);
  registry.register('EndDeviceEvents', 'create', created);
  registry.register('EndDeviceEvents', 'get', getHandler(deps.events));
}
