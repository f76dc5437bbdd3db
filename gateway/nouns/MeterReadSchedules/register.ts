import type { HandlerRegistry } from '../../registry/handler-registry.js';
import type { NounDeps } from '../noun-deps.js';
import { readSchedulesRoute } from './read-schedules.handler.js';

/** MeterReadSchedules: create and cancel (the runner that executes them is wired in app.ts). */
export function registerMeterReadSchedules(registry: HandlerRegistry, deps: NounDeps): void {
  if (!deps.readSchedules) return;
  const scheduleDeps = { store: deps.readSchedules, meters: deps.meters, clock: deps.clock, timeZone: deps.config.provisioning.timeZone };
  registry
    .register('MeterReadSchedules', 'create', readSchedulesRoute(scheduleDeps, 'create'))
    .register('MeterReadSchedules', 'cancel', readSchedulesRoute(scheduleDeps, 'cancel'));
}
