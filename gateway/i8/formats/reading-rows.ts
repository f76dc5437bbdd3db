import type { Reading } from '../../domain/readings/reading.js';
import type { ReadingTypeTable } from '../../domain/readings/reading-types.js';
import { meterReadingsNode } from '../../nouns/MeterReadings/meter-readings.mapper.js';
import { writeXml } from '../../xml/xml-writer.js';
import type { components } from '../generated/i8-types.js';

export type ReadingItem = components['schemas']['Reading'];

export function readingItem(r: Reading, usagePoint: string | undefined): ReadingItem {
  const item: ReadingItem = { meter: r.meter, readingType: r.readingType, timestamp: new Date(r.timestamp).toISOString(), qualities: [...r.qualities], kind: r.kind };
  if (usagePoint !== undefined) item.usagePoint = usagePoint;
  if (r.value !== undefined) item.value = r.value;
  return item;
}

/** CSV columns of readings (page answers, exports, deliveries and I7 share them). */
export const READING_COLUMNS = ['meter', 'usagePoint', 'readingType', 'timestamp', 'value', 'qualities', 'kind'] as const;

export function readingRecord(r: Reading, usagePoint: string | undefined): (string | number)[] {
  return [r.meter, usagePoint ?? '', r.readingType, new Date(r.timestamp).toISOString(), r.value ?? '', r.qualities.join(' '), r.kind];
}

/** The same rows as a CIM MeterReadings document (the noun's own mapper, so I6 and I8 agree). */
export function readingsXml(readings: readonly Reading[], types: ReadingTypeTable): string {
  const node = meterReadingsNode(readings, (code) => {
    const v = types.classify(code);
    return v.ok ? v.info : undefined;
  });
  return writeXml(node, { declaration: true });
}
