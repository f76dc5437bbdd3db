import type { NounDeps } from './noun-deps.js';
import type { HandlerRegistry } from '../registry/handler-registry.js';
import { registerEndDeviceControls } from './EndDeviceControls/register.js';
import { registerEndDeviceEvents } from './EndDeviceEvents/register.js';
import { registerMeterConfig } from './MeterConfig/register.js';
import { registerMeterReadings } from './MeterReadings/register.js';
import { registerMeterReadSchedules } from './MeterReadSchedules/register.js';

/** Every CIM noun this gateway serves registers its (verb, noun) routes here. */
const nouns: ((registry: HandlerRegistry, deps: NounDeps) => void)[] = [
  registerEndDeviceControls,
  registerEndDeviceEvents,
  registerMeterConfig,
  registerMeterReadings,
  registerMeterReadSchedules,
];

export function registerNouns(registry: HandlerRegistry, deps: NounDeps): void {
  for (const register of nouns) register(registry, deps);
}
