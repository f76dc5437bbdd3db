import path from 'node:path';
import type { Server } from 'node:http';
import express from 'express';
import type { GatewayConfig } from './config/config.js';
import { createLogger, type Logger } from './logging/logger.js';
import type { Db } from './adapters/sqlite/sqlite-database.js';
import { openSqliteStorage } from './storage/storage.sqlite.js';
import type { Storage } from './storage/storage.js';
import { HttpDelivery } from './adapters/outbound/delivery.http.js';
import { RoutingDelivery } from './adapters/outbound/delivery.routing.js';
import { createAmqpAdapters, type AmqpAdapters } from './adapters/amqp/amqp-composition.js';
import { createEventsModule, type EventsModule } from './adapters/publisher/events-composition.js';
import { createCommandsModule, type CommandsModule } from './adapters/hes-simulator/hes-composition.js';
import { createSchedulesModule, type SchedulesModule } from './composition/schedules-module.js';
import { MessageProcessor } from './cim/message-processor.js';
import { createHttpApp } from './ingress/http/http-app.js';
import { StreamingIngress } from './ingest/streaming-ingress.js';
import { RestIngress } from './ingress/rest/rest-ingress.js';
import { SoapIngress } from './ingress/soap/soap-ingress.js';
import { registerNouns } from './nouns/index.js';
import type { NounDeps } from './nouns/noun-deps.js';
import { systemClock, type Clock } from './ports/clock.port.js';
import type { DeliveryTransport } from './ports/delivery.port.js';
import type { EventPublisher } from './ports/event-publisher.port.js';
import type { HesPort } from './ports/hes.port.js';
import { HandlerRegistry } from './registry/handler-registry.js';
import { GatewayMetrics } from './observability/metrics.js';
import { meteredCommandQueue, meteredReadingStore } from './observability/port-metrics.js';
import { Poller } from './runtime/poller.js';
import { deliverOutbox } from './use-cases/deliver-outbox.use-case.js';
import { runAsyncRequests } from './use-cases/run-async-requests.use-case.js';
import { SchemaSet } from './xml/schema-set.js';
import type { AuditLog } from './ports/audit-log.port.js';
import type { DisconnectGuard } from './ports/disconnect-guard.port.js';
import { soleInstance, type Leadership } from './ports/leadership.port.js';
import type { NonceRegistry } from './ports/nonce-registry.port.js';
import type { RateLimitBuckets } from './ports/rate-limit.port.js';
import type { PrivateJwk } from './i8/token-issuer.js';
import { adminGate, auditRouter } from './security/admin-access.js';
import { deadCommandsRouter } from './ingress/admin/dead-commands.router.js';
import { deadCommands } from './use-cases/dead-commands.use-case.js';
import { Authenticator } from './security/authenticator.js';
import { restoreFromAudit, SlidingWindowDisconnectGuard } from './security/disconnect-guard.js';
import { MessageSecurity } from './security/message-security.js';
import { PeerDirectory } from './security/peer-directory.js';
import { assertTransportAllowed, createListener } from './security/tls-listener.js';
import { createI8Module, type I8Module } from './i8/i8-module.js';

export interface GatewayOptions {
  log?: Logger;
  clock?: Clock;
  delivery?: DeliveryTransport;
  /** A head-end instead of the configured one (hes.mode: the built-in simulator, or http). */
  hes?: HesPort;
  publisher?: EventPublisher;
  /** Extra routes (tests register probe nouns this way). */
  register?: (registry: HandlerRegistry, deps: NounDeps) => void;
  /** Where peers' passwordEnv variables are read (once, at start); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Storage opened beforehand (the cluster profile's is asynchronous: see openGateway); default: the embedded SQLite file. */
  storage?: Storage;
  /** The I8 signing key shared by every instance (cluster); default: the key file in the data folder. */
  issuerKey?: PrivateJwk;
  /** Who runs once-per-cluster work (cluster: a PostgreSQL lock); default: this process alone. */
  leadership?: Leadership;
  /** Where used WS-Security nonces are kept (cluster: shared); default: in this process. */
  nonces?: NonceRegistry;
  /** I8 rate-limit buckets shared by every instance (cluster); default: in this process. */
  rateLimits?: RateLimitBuckets;
  /** Disconnect caps shared by every instance (cluster); default: sliding windows in this process, rebuilt from the audit log. */
  disconnectGuard?: DisconnectGuard;
  /** The broker connection, opened beforehand (cluster: its topology declared at start); default: from amqpUrl when set. */
  amqp?: AmqpAdapters;
}

export interface Gateway {
  app: express.Express;
  registry: HandlerRegistry;
  schemas: SchemaSet;
  /** Every storage port of the profile. */
  storage: Storage;
  /** The embedded profile's SQLite handle (undefined on PostgreSQL). */
  db: Db | undefined;
  /** The ports handlers get; scripts (demo seed, synthetic provisioning) use the same. */
  deps: NounDeps;
  /** EndDeviceEvents: `ingestEvents(events, source)` is what the head-end's HesListener.onEvents calls. */
  events: EventsModule;
  audit: AuditLog;
  /** EndDeviceControls: the head-end (simulator or remote), command queue and dispatcher. */
  commands: CommandsModule;
  /** Read schedules and concentrator collections: `tick()` runs what is due on the gateway clock. */
  schedules: SchedulesModule;
  /** I8 stakeholder API / I7 export (undefined when i8.enabled is false). */
  i8?: I8Module;
  /** Starts background workers (async inbox, outbox). */
  start(): void;
  /** Runs one pass of every worker now; tests use it instead of waiting for timers. */
  drain(): Promise<void>;
  stop(): Promise<void>;
  listen(): Promise<Server>;
}

/** The composition root: the one place that picks adapters from configuration. */
export function createGateway(config: Readonly<GatewayConfig>, options: GatewayOptions = {}): Gateway {
  if (config.profile !== 'embedded' && !options.storage) throw new Error(`profile ${config.profile} opens its storage asynchronously: use openGateway`);
  assertTransportAllowed(config);
  const log = options.log ?? createLogger(config);
  const clock = options.clock ?? systemClock;
  const schemas = new SchemaSet(config.schemas.folders);
  const storage = options.storage ?? openSqliteStorage(path.join(config.dataDir, 'gateway.sqlite'), log, clock);
  const db = storage.kind === 'sqlite' && 'db' in storage ? storage.db as Db : undefined;
  const { outbox, messages: store, network, audit } = storage;
  const metrics = new GatewayMetrics(outbox);
  const readings = meteredReadingStore(storage.readings, metrics.registry);
  const leadership = options.leadership ?? soleInstance;
  const registry = new HandlerRegistry();
  const events = createEventsModule({ storage, config, clock, log, outbox, meters: network, network });
  const eventsReady = events.init();
  eventsReady.catch((err: unknown) => log.error({ err }, 'configured subscriptions could not be applied'));
  const publisher = options.publisher ?? events.publisher;
  // A broker when one is configured: AMQP subscriptions in any profile, command dispatch in the cluster.
  const amqp: AmqpAdapters | undefined = options.amqp ?? (config.amqpUrl ? createAmqpAdapters(config, log) : undefined);
  // Commands travel through the broker only in the cluster profile.
  const brokered = config.profile === 'cluster' ? amqp : undefined;
  const bus = brokered ? { bus: brokered.commandBus, maxBacklog: config.amqp.commands.maxBacklog } : {};
  const commands = createCommandsModule({
    queue: meteredCommandQueue(storage.commands, metrics.registry), config, clock, log, meters: network, network, readings, ingestEvents: events.ingestEvents,
    ...(options.hes ? { hes: options.hes } : {}), ...bus,
  });
  const schedules = createSchedulesModule({ store: storage.readSchedules, config, clock, log, hes: commands.hes, meters: network, network, leadership });
  const nounDeps: NounDeps = {
    config, clock, log, outbox, meters: network, network, publisher, events: events.facade, readings, hes: commands.hes,
    removalListeners: [commands.removalListener, schedules.removalListener], commands: commands.facade, commandsNudge: commands.nudge,
    readSchedules: schedules.store,
  };
  registerNouns(registry, nounDeps);
  options.register?.(registry, nounDeps);

  const authenticator = new Authenticator({ security: config.security, bindHost: config.http.host, directory: new PeerDirectory(config.security, options.env), clock, ...(options.nonces ? { nonces: options.nonces } : {}) });
  const caps = config.security.disconnectGuard;
  const localGuard = !options.disconnectGuard && caps && (caps.perPeer || caps.system) ? new SlidingWindowDisconnectGuard(caps) : undefined;
  const security = new MessageSecurity({
    audit, log, disconnectCodes: caps?.disconnectCodes ?? ['3.31.0.23'],
    groupSize: async (id) => (await network.group(id)).length,
    ...(options.disconnectGuard ? { guard: options.disconnectGuard } : {}),
    ...(localGuard ? { guard: localGuard, guardReady: restoreFromAudit(localGuard, audit, clock.now()) } : {}),
  });

  const processor = new MessageProcessor({ config, schemas, registry, store, clock, log, security });
  const observed = { process: metrics.observe((input: Parameters<MessageProcessor['process']>[0]) => processor.process(input)) };
  const soap = new SoapIngress(observed, config.gateway.source, log, authenticator, config.limits, metrics.rejected('soap'));
  const rest = new RestIngress(observed, schemas, config.limits.maxJsonDepth, log, authenticator, metrics.rejected('rest'));
  const ready = async () => {
    const checks: Record<string, boolean> = { database: await storage.ping().catch(() => false) };
    if (amqp) checks.broker = await amqp.reachable();
    return checks;
  };
  const metricsRouter = express.Router().get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const streaming = new StreamingIngress({ config, schemas, soap, rest, log });
  const i8 = config.i8.enabled ? createI8Module({ storage, config, clock, log, audit, readings, meters: network, network, ...(options.issuerKey ? { issuerKey: options.issuerKey } : {}), ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}) }) : undefined;
  const app = createHttpApp({
    config, soap, rest, registry, schemas, store, outbox, ready, log, streaming, authenticator,
    adminGate: adminGate({ authenticator, audit, clock, loopback: config.security.admin.loopback }),
    ...(i8 ? { directRoutes: [i8.direct] } : {}),
    extraRouters: [metricsRouter, events.router, schedules.router, auditRouter(audit, clock), ...(i8 ? [i8.router] : []),
      // Only where commands travel through the broker: its dead queue is what the operator settles.
      ...(brokered ? [deadCommandsRouter({ dead: deadCommands({ letters: brokered.deadCommands, queue: storage.commands }), audit, clock, log })] : [])],
  });

  const asyncTick = runAsyncRequests({ store, registry, processor, clock, log, leaseSeconds: config.protocol.idempotencyLeaseSeconds });
  const transport = options.delivery ?? new RoutingDelivery({ http: new HttpDelivery(config.outbox.requestTimeoutMs), ...(amqp ? { amqp: amqp.delivery } : {}) });
  const outboxTick = deliverOutbox({ outbox, transport, clock, config, log });
  // Outage threshold checks on the gateway clock, and recovery of events stored but not yet published.
  // Once per cluster (the leader): outage checks compare and close interruptions.
  const eventsTick = async () => (await eventsReady, await leadership.isLeader() ? events.tick() : 0);
  // Journal retention once per cluster too: every instance sees the same journals and watermarks.
  const journalTick = async () => (i8 && await leadership.isLeader() ? i8.journalTick() : 0);
  const pollers = [new Poller('async-requests', asyncTick, config.outbox.pollMs, log), new Poller('outbox', outboxTick, config.outbox.pollMs, log),
    new Poller('events', eventsTick, config.outages.checkMs, log),
    ...(i8 ? [new Poller('i8-deliveries', i8.deliveryTick, config.i8.deliveries.pollMs, log),
      new Poller('i7-journal-retention', journalTick, config.i7.journal.pruneEveryMinutes * 60_000, log)] : [])];
  let server: Server | undefined;

  return {
    app, registry, schemas, storage, db, events, audit, deps: nounDeps, commands, schedules, ...(i8 ? { i8 } : {}),
    start: () => {
      pollers.forEach((p) => p.start());
      commands.start();
      schedules.start();
    },
    drain: async () => {
      await asyncTick();
      await commands.tick();
      await eventsTick();
      await outboxTick();
      await i8?.deliveryTick();
      await journalTick();
    },
    // The validation threads compile their schemas before the first request, as the main thread's were.
    listen: () => streaming.warm().then(() => new Promise((resolve) => {
      server = createListener(config, app);
      server.listen(config.http.port, config.http.host, () => resolve(server!));
    })),
    stop: async () => {
      // Stop taking requests, let in-flight ones finish, then stop workers, then close the store.
      if (server) {
        const closing = new Promise<void>((resolve) => server!.close(() => resolve()));
        // Keep-alive sockets become idle only once their in-flight response is sent.
        const idle = setInterval(() => server?.closeIdleConnections(), 50);
        const force = setTimeout(() => server?.closeAllConnections(), config.http.shutdownGraceSeconds * 1000);
        server.closeIdleConnections();
        await closing;
        clearInterval(idle);
        clearTimeout(force);
      }
      await Promise.all(pollers.map((p) => p.stop()));
      await schedules.stop();
      await commands.stop();
      await amqp?.close();
      await streaming.close();
      await leadership.release();
      await storage.close();
    },
  };
}
