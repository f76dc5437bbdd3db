import { createHash } from 'node:crypto';
import type { EventPublisher } from '../../ports/event-publisher.port.js';
import type { MeterRecord, UsagePointRecord } from '../../ports/network-store.port.js';
import { meterConfigNode } from './meter-config.mapper.js';

/**
 * created / changed MeterConfig events, `chunk` meters each. The event id hashes the content, so
 * a re-run of the same change after a crash publishes under the same id (subscribers de-duplicate).
 */
export function meterConfigAnnouncer(publisher: EventPublisher, chunk: number) {
  return async (verb: 'created' | 'changed', meters: MeterRecord[], usagePoints: UsagePointRecord[]): Promise<void> => {
    const ups = new Map(usagePoints.map((u) => [u.mRID, u]));
    for (let i = 0; i < meters.length; i += chunk) {
      const part = meters.slice(i, i + chunk);
      const partUps = [...new Set(part.map((m) => m.usagePointMRID))].flatMap((id) => (id && ups.get(id) ? [ups.get(id)!] : []));
      const eventId = `MeterConfig-${verb}-${createHash('sha256').update(JSON.stringify([part, partUps])).digest('hex').slice(0, 32)}`;
      await publisher.publish({ noun: 'MeterConfig', verb, payload: meterConfigNode(part, partUps), eventId, devices: part.map((m) => m.mRID), orderingKey: 'MeterConfig' });
    }
  };
}
