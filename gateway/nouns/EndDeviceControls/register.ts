import type { HandlerRegistry } from '../../registry/handler-registry.js';
import type { NounDeps } from '../noun-deps.js';
import { cancelHandler } from './cancel.handler.js';
import { createHandler } from './create.handler.js';

/** EndDeviceControls: create (connect, disconnect, arm, load limits, time sync, reads) and cancel. */
export function registerEndDeviceControls(registry: HandlerRegistry, deps: NounDeps): void {
  if (!deps.commands) return;
  registry.register('EndDeviceControls', 'create', createHandler(deps.commands, deps.config, deps.commandsNudge ?? (() => undefined)));
  registry.register('EndDeviceControls', 'cancel', cancelHandler(deps.commands));
}
