import path from 'node:path';
import type express from 'express';
import type { GatewayConfig } from '../config/config.js';
import { ReadingTypeTable } from '../domain/readings/reading-types.js';
import type { Logger } from '../logging/logger.js';
import type { AuditLog } from '../ports/audit-log.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { MeterRegistry } from '../ports/meter-registry.port.js';
import type { NetworkStore } from '../ports/network-store.port.js';
import type { RateLimitBuckets } from '../ports/rate-limit.port.js';
import type { ReadingStore } from '../ports/reading-store.port.js';
import { InProcessRateLimits } from '../adapters/in-process/rate-limit.in-process.js';
import type { Storage } from '../storage/storage.js';
import { pruneChangeJournals } from '../use-cases/prune-change-journals.use-case.js';
import type { I8Deps } from './i8-deps.js';
import { i7Routes } from '../i7/i7.routes.js';
import { deliveryTick, fetchSend, type WebhookSend } from './deliveries/delivery-runner.js';
import { i8Router, type I8Extension } from './i8-router.js';
import { deliveryRoutes } from './routes/deliveries.routes.js';
import { TokenIssuer, type PrivateJwk } from './token-issuer.js';

export interface I8Module {
  router: express.Router;
  /** The hot read paths, mounted by the app before its other routes (see i8-router.ts). */
  direct: express.RequestHandler;
  /** The exact paths `direct` answers (GET/HEAD). */
  directPaths: readonly string[];
  deps: I8Deps;
  issuer: TokenIssuer;
  /** One scheduler pass (due jobs → runs → deliveries and retries); the gateway's poller calls it. */
  deliveryTick: () => Promise<number>;
  /** One retention pass over the I7 change journals (entries deleted); the gateway's poller calls it. */
  journalTick: () => Promise<number>;
}

/** The I8/I7 part of the composition root (called by app.ts only), on the profile's storage. */
export function createI8Module(base: {
  storage: Storage; config: Readonly<GatewayConfig>; clock: Clock; log: Logger; audit: AuditLog;
  readings: ReadingStore; meters: MeterRegistry; network: NetworkStore;
  /** The signing key every instance shares (cluster); absent: the key file in the data folder. */
  issuerKey?: PrivateJwk;
  /** Buckets every instance shares (cluster); absent: this process's own. */
  rateLimits?: RateLimitBuckets;
}, options: { send?: WebhookSend; extend?: (deps: I8Deps) => I8Extension[] } = {}): I8Module {
  const { storage, issuerKey, rateLimits, ...rest } = base;
  const { config } = rest;
  const deps: I8Deps = {
    ...rest, log: base.log.child({ component: 'i8' }),
    clients: storage.clients, consents: storage.consents, events: storage.events, interruptions: storage.interruptions,
    readingTypes: ReadingTypeTable.load(config.readings.mappingFile),
  };
  const issuer = issuerKey ? TokenIssuer.withKey(config.i8, issuerKey) : TokenIssuer.open(config.i8, path.join(config.dataDir, 'i8-issuer-key.json'));
  const limiter = rateLimits ?? new InProcessRateLimits();
  const limitFor = (id: string) => config.i8.rateLimitByClient[id] ?? config.i8.rateLimit;
  const auth = { issuer, clients: deps.clients, consents: deps.consents, limiter, limitFor, audit: deps.audit, clock: deps.clock };
  const jobs = storage.deliveryJobs;
  const folder = config.i8.deliveries.folder ?? path.join(config.dataDir, 'i8-exports');
  const tick = deliveryTick({ ...deps, jobs, folder, send: options.send ?? fetchSend(config.i8.deliveries.requestTimeoutMs) });
  const watermarks = storage.exportWatermarks;
  const extensions = [deliveryRoutes({ ...deps, jobs }), i7Routes({ ...deps, watermarks }), ...(options.extend?.(deps) ?? [])];
  const journalTick = pruneChangeJournals({ ...deps, watermarks, retentionDays: config.i7.journal.retentionDays });
  const http = i8Router({ ...deps, auth }, extensions);
  return { router: http.router, direct: http.direct, directPaths: http.directPaths, deps, issuer, deliveryTick: tick, journalTick };
}
