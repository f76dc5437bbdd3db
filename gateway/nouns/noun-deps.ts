import type { GatewayConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { Clock } from '../ports/clock.port.js';
import type { MeterRegistry } from '../ports/meter-registry.port.js';
import type { MeterRemovalListener, NetworkStore } from '../ports/network-store.port.js';
import type { HesPort } from '../ports/hes.port.js';
import type { Outbox } from '../ports/outbox.port.js';
import type { EventPublisher } from '../ports/event-publisher.port.js';
import type { EventsFacade } from './EndDeviceEvents/events-facade.js';
import type { ReadingStore } from '../ports/reading-store.port.js';
import type { CommandsFacade } from './EndDeviceControls/commands-facade.js';
import type { ReadScheduleStore } from '../ports/read-schedule-store.port.js';

/** What noun handlers may use: ports only, never adapters. */
export interface NounDeps {
  config: Readonly<GatewayConfig>;
  clock: Clock;
  log: Logger;
  outbox: Outbox;
  meters: MeterRegistry;
  network: NetworkStore;
  publisher: EventPublisher;
  /** The head-end (simulator or real): provisioning tells it which meters exist and where; on-demand reads. */
  hes?: HesPort | undefined;
  /** Told when meters are removed (the command queue cancels their pending commands). */
  removalListeners: MeterRemovalListener[];
  /** EndDeviceEvents ingest and search (events issue). */
  events: EventsFacade;
  readings: ReadingStore;
  /** EndDeviceControls accept and cancel (HES issue); `commandsNudge` wakes the dispatcher. */
  commands?: CommandsFacade;
  commandsNudge?: () => void;
  /** MeterReadSchedules (issue #4): where create/cancel keep schedules; the runner reads the same store. */
  readSchedules?: ReadScheduleStore;
}
