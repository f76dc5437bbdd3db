import type { DeviceEvent } from '../../domain/events/device-event.js';
import type { EventCriteria, EventSearch } from '../../use-cases/get-events.use-case.js';
import type { IngestOutcome } from '../../use-cases/ingest-events.use-case.js';

/** The two use cases the EndDeviceEvents handlers call (wired in app.ts, given through NounDeps). */
export interface EventsFacade {
  ingest(events: DeviceEvent[], source: string): Promise<IngestOutcome[]>;
  find(criteria: EventCriteria): Promise<EventSearch>;
}
