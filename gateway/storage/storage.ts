import type { AuditLog } from '../ports/audit-log.port.js';
import type { ClientRegistry } from '../ports/client-registry.port.js';
import type { CommandQueue } from '../ports/command-queue.port.js';
import type { ConsentStore } from '../ports/consent-store.port.js';
import type { DeliveryJobStore } from '../ports/delivery-job.port.js';
import type { EventStore } from '../ports/event-store.port.js';
import type { ExportWatermarks } from '../ports/export-watermark.port.js';
import type { InterruptionStore } from '../ports/interruption-store.port.js';
import type { MessageStore } from '../ports/message-store.port.js';
import type { MeterRegistry } from '../ports/meter-registry.port.js';
import type { NetworkStore } from '../ports/network-store.port.js';
import type { Outbox } from '../ports/outbox.port.js';
import type { ReadScheduleStore } from '../ports/read-schedule-store.port.js';
import type { ReadingStore } from '../ports/reading-store.port.js';
import type { SubscriptionStore } from '../ports/subscription-store.port.js';

/**
 * Every storage port of one profile, opened on one database: the composition root picks the
 * bundle (SQLite file or PostgreSQL) and nothing downstream knows which one it got.
 */
export interface Storage {
  readonly kind: 'sqlite' | 'postgres';
  outbox: Outbox;
  messages: MessageStore;
  network: MeterRegistry & NetworkStore;
  readings: ReadingStore;
  commands: CommandQueue;
  audit: AuditLog;
  events: EventStore;
  interruptions: InterruptionStore;
  subscriptions: SubscriptionStore;
  readSchedules: ReadScheduleStore;
  clients: ClientRegistry;
  consents: ConsentStore;
  deliveryJobs: DeliveryJobStore;
  /** Where I7 export clients stand in the change feeds (the journals' retention keeps what they still need). */
  exportWatermarks: ExportWatermarks;
  /** True when the database answers (readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
