import { createHash } from 'node:crypto';
import type { ControlTypeTable } from '../domain/commands/control-types.js';
import type { DeviceEvent } from '../domain/events/device-event.js';
import type { Reading } from '../domain/readings/reading.js';
import type { HesCommandKind, HesListener } from '../ports/hes.port.js';
import type { CommandQueue } from '../ports/command-queue.port.js';
import type { Logger } from '../logging/logger.js';
import type { MeterRegistry } from '../ports/meter-registry.port.js';
import type { ReadingStore } from '../ports/reading-store.port.js';

export interface PushDeps {
  queue: CommandQueue;
  table: ControlTypeTable;
  /** The events use case (store, outage detection, publication). */
  ingestEvents: (events: DeviceEvent[], source: string) => Promise<unknown>;
  readings: ReadingStore;
  meters: MeterRegistry;
  log: Logger;
}

/**
 * What the head-end pushes: an event that confirms a command (e.g. 3.31.0.68 disconnected) is
 * correlated to it (by the commandId the head-end names, else the meter's latest command of that
 * kind), then every event goes to the events use case and readings to the reading store.
 */
export function hesPushListener(deps: PushDeps): HesListener {
  const kindsByConfirmation = new Map<string, HesCommandKind[]>();
  for (const code of deps.table.codes()) {
    const t = deps.table.get(code)!;
    if (t.confirmedBy) kindsByConfirmation.set(t.confirmedBy, [...(kindsByConfirmation.get(t.confirmedBy) ?? []), t.hes]);
  }
  return {
    onEvents: async (events, source) => {
      for (const e of events) {
        const kinds = kindsByConfirmation.get(e.eventType);
        if (!kinds) continue;
        const commandId = e.details.find((d) => d.name === 'commandId')?.value;
        const matched = await deps.queue.confirm({ meter: e.device, eventType: e.eventType, at: new Date(e.createdDateTime), kinds, ...(commandId ? { commandId } : {}) });
        if (matched) deps.log.info({ commandId: matched, meter: e.device, eventType: e.eventType }, 'command confirmed by head-end event');
      }
      await deps.ingestEvents(events, source);
    },
    onReadings: async (readings: Reading[], source) => {
      const known = new Set<string>();
      for (const [, info] of await deps.meters.resolve([...new Set(readings.map((r) => r.meter))].map((mRID) => ({ mRID })))) if (info) known.add(info.mRID);
      const usable = readings.filter((r) => known.has(r.meter));
      if (usable.length === 0) return;
      // A push repeated (after a poll cursor was lost) is the same batch: the store de-duplicates readings anyway.
      const messageId = `hes-push-${createHash('sha256').update(JSON.stringify(usable.map((r) => [r.meter, r.readingType, r.timestamp]))).digest('hex').slice(0, 24)}`;
      const id = await deps.readings.beginIngest({ source, messageId, receivedAt: new Date() });
      try {
        await deps.readings.stage(id, usable);
        await deps.readings.commitIngest(id);
      } catch (err) {
        await deps.readings.discardIngest(id);
        throw err;
      }
    },
  };
}
