import type { Response } from 'express';
import type { GatewayConfig } from '../config/config.js';
import type { ReadingTypeTable } from '../domain/readings/reading-types.js';
import type { Logger } from '../logging/logger.js';
import type { AuditLog } from '../ports/audit-log.port.js';
import type { ClientRegistry } from '../ports/client-registry.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { ConsentStore } from '../ports/consent-store.port.js';
import type { EventStore } from '../ports/event-store.port.js';
import type { InterruptionStore } from '../ports/interruption-store.port.js';
import type { MeterRegistry } from '../ports/meter-registry.port.js';
import type { NetworkStore } from '../ports/network-store.port.js';
import type { ReadingStore } from '../ports/reading-store.port.js';
import { callerOf } from './i8-auth.js';

/** Ports the I8 routes and use cases read through (never adapters). */
export interface I8Deps {
  config: Readonly<GatewayConfig>;
  clock: Clock;
  log: Logger;
  audit: AuditLog;
  clients: ClientRegistry;
  consents: ConsentStore;
  readings: ReadingStore;
  events: EventStore;
  interruptions: InterruptionStore;
  meters: MeterRegistry;
  network: NetworkStore;
  readingTypes: ReadingTypeTable;
}

/** Appends the access to the audit log: who read which resource with which filters, and how many rows. */
export async function recordRead(deps: Pick<I8Deps, 'audit' | 'clock'>, res: Response, resource: string, filters: Record<string, unknown>, rows: number): Promise<void> {
  const caller = callerOf(res);
  const kept = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));
  await deps.audit.append({
    at: deps.clock.now(), kind: 'data.read', peer: caller.client.id, interface: resource.startsWith('i7/') ? 'i7' : 'i8',
    resource, filters: JSON.stringify(kept), rows, ...(res.req.socket.remoteAddress ? { remoteAddress: res.req.socket.remoteAddress } : {}),
  });
}
