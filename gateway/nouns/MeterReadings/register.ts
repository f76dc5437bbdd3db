import { ReadingTypeTable } from '../../domain/readings/reading-types.js';
import type { HandlerRegistry } from '../../registry/handler-registry.js';
import type { NounDeps } from '../noun-deps.js';
import { getHandler } from './get.handler.js';
import { ingestHandler } from './ingest.handler.js';

/** MeterReadings: pushed by the head-end (created), estimates from an MDM (create), read back (get). */
export function registerMeterReadings(registry: HandlerRegistry, deps: NounDeps): void {
  const readingTypes = ReadingTypeTable.load(deps.config.readings.mappingFile);
  const ingest = ingestHandler(deps, readingTypes);
  registry.register('MeterReadings', 'created', ingest);
  registry.register('MeterReadings', 'create', ingest);
  registry.register('MeterReadings', 'get', getHandler(deps, readingTypes));
}
