import path from 'node:path';
import type express from 'express';
import type { GatewayConfig } from '../config/config.js';
import { SqliteClientRegistry } from '../adapters/sqlite/client-registry.sqlite.js';
import { SqliteConsentStore } from '../adapters/sqlite/consent-store.sqlite.js';
import { SqliteDeliveryJobStore } from '../adapters/sqlite/delivery-job.sqlite.js';
import { SqliteEventStore } from '../adapters/sqlite/event-store.sqlite.js';
import { SqliteExportWatermarks } from '../adapters/sqlite/export-watermarks.sqlite.js';
import { SqliteInterruptionStore } from '../adapters/sqlite/interruption-store.sqlite.js';
import type { Db } from '../adapters/sqlite/sqlite-database.js';
import { ReadingTypeTable } from '../domain/readings/reading-types.js';
import type { Logger } from '../logging/logger.js';
import type { AuditLog } from '../ports/audit-log.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { MeterRegistry } from '../ports/meter-registry.port.js';
import type { NetworkStore } from '../ports/network-store.port.js';
import type { ReadingStore } from '../ports/reading-store.port.js';
import { pruneChangeJournals } from '../use-cases/prune-change-journals.use-case.js';
import type { I8Deps } from './i8-deps.js';
import { i7Routes } from '../i7/i7.routes.js';
import { deliveryTick, fetchSend, type WebhookSend } from './deliveries/delivery-runner.js';
import { i8Router, type I8Extension } from './i8-router.js';
import { deliveryRoutes } from './routes/deliveries.routes.js';
import { RateLimiter } from './rate-limiter.js';
import { TokenIssuer } from './token-issuer.js';

export interface I8Module {
  router: express.Router;
  deps: I8Deps;
  issuer: TokenIssuer;
  /** One scheduler pass (due jobs → runs → deliveries and retries); the gateway's poller calls it. */
  deliveryTick: () => Promise<number>;
  /** One retention pass over the I7 change journals (entries deleted); the gateway's poller calls it. */
  journalTick: () => Promise<number>;
}

/** The I8/I7 part of the composition root (called by app.ts only): picks the embedded adapters. */
export function createI8Module(base: {
  db: Db; config: Readonly<GatewayConfig>; clock: Clock; log: Logger; audit: AuditLog;
  readings: ReadingStore; meters: MeterRegistry; network: NetworkStore;
}, options: { send?: WebhookSend; extend?: (deps: I8Deps) => I8Extension[] } = {}): I8Module {
  const { db, config } = base;
  const deps: I8Deps = {
    ...base, log: base.log.child({ component: 'i8' }),
    clients: new SqliteClientRegistry(db), consents: new SqliteConsentStore(db),
    // Same tables as the events module's own instances: the adapters hold no state but the handle.
    events: new SqliteEventStore(db), interruptions: new SqliteInterruptionStore(db, base.clock),
    readingTypes: ReadingTypeTable.load(config.readings.mappingFile),
  };
  const issuer = TokenIssuer.open(config.i8, path.join(config.dataDir, 'i8-issuer-key.json'));
  const limiter = new RateLimiter((id) => config.i8.rateLimitByClient[id] ?? config.i8.rateLimit);
  const auth = { issuer, clients: deps.clients, consents: deps.consents, limiter, audit: deps.audit, clock: deps.clock };
  const jobs = new SqliteDeliveryJobStore(db);
  const folder = config.i8.deliveries.folder ?? path.join(config.dataDir, 'i8-exports');
  const tick = deliveryTick({ ...deps, jobs, folder, send: options.send ?? fetchSend(config.i8.deliveries.requestTimeoutMs) });
  const watermarks = new SqliteExportWatermarks(db);
  const extensions = [deliveryRoutes({ ...deps, jobs }), i7Routes({ ...deps, watermarks }), ...(options.extend?.(deps) ?? [])];
  const journalTick = pruneChangeJournals({ ...deps, watermarks, retentionDays: config.i7.journal.retentionDays });
  return { router: i8Router({ ...deps, auth }, extensions), deps, issuer, deliveryTick: tick, journalTick };
}
