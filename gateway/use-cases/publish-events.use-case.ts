import type { StoredEvent } from '../domain/events/device-event.js';
import { notifiedMeters } from '../domain/outages/outage-notification.js';
import type { EventPublisher } from '../ports/event-publisher.port.js';
import type { EventStore } from '../ports/event-store.port.js';
import type { XNode } from '../xml/xnode.js';

/**
 * Hands stored events to the publisher, oldest first, and marks them published once queued.
 * An event stored just before a crash is published by the next pass: at least once.
 */
export function publishEvents(deps: { events: EventStore; publisher: EventPublisher; toPayload: (events: StoredEvent[]) => XNode; batch: number }) {
  return async (): Promise<number> => {
    let total = 0;
    for (;;) {
      const pending = await deps.events.unpublished(deps.batch);
      if (pending.length === 0) return total;
      for (const e of pending) {
        await deps.publisher.publish({
          noun: 'EndDeviceEvents',
          verb: 'created',
          payload: deps.toPayload([e]),
          eventId: e.id,
          eventTypes: [e.eventType],
          devices: [e.device, ...notifiedMeters(e)],
          // Per device, so a device's off, restore and notifications reach a subscriber in order.
          orderingKey: e.device,
        });
      }
      await deps.events.markPublished(pending.map((e) => e.id));
      total += pending.length;
    }
  };
}
