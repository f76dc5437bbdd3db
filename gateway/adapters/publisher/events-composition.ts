import { readFileSync } from 'node:fs';
import type express from 'express';
import type { GatewayConfig } from '../../config/config.js';
import { EventTypeTable } from '../../domain/events/event-types.js';
import { adminRouter } from '../../ingress/admin/admin-router.js';
import type { Logger } from '../../logging/logger.js';
import { endDeviceEventsNode } from '../../nouns/EndDeviceEvents/end-device-events.mapper.js';
import type { EventsFacade } from '../../nouns/EndDeviceEvents/events-facade.js';
import type { Clock } from '../../ports/clock.port.js';
import type { MeterRegistry } from '../../ports/meter-registry.port.js';
import type { NetworkStore } from '../../ports/network-store.port.js';
import type { Outbox } from '../../ports/outbox.port.js';
import { OutageDetector } from '../../use-cases/detect-outages.use-case.js';
import { findEvents } from '../../use-cases/get-events.use-case.js';
import { EventIngest } from '../../use-cases/ingest-events.use-case.js';
import { ManageSubscriptions } from '../../use-cases/manage-subscriptions.use-case.js';
import { publishEvents } from '../../use-cases/publish-events.use-case.js';
import type { Storage } from '../../storage/storage.js';
import { SubscriptionPublisher } from './subscription-publisher.js';

export interface EventsModule {
  facade: EventsFacade;
  publisher: SubscriptionPublisher;
  /** The ingest use case: hand it to HesListener.onEvents for events the head-end pushes in process. */
  ingestEvents: EventsFacade['ingest'];
  /** One pass of outage threshold checks and publication recovery (the 'events' poller). */
  tick: () => Promise<number>;
  subscriptions: ManageSubscriptions;
  router: express.Router;
  /** Applies configured subscriptions; call once at start before events flow. */
  init(): Promise<void>;
}

/** The events part of the composition root (called by app.ts only), on the profile's storage. */
export function createEventsModule(deps: { storage: Storage; config: Readonly<GatewayConfig>; clock: Clock; log: Logger; outbox: Outbox; meters: MeterRegistry; network: NetworkStore }): EventsModule {
  const { storage, config, clock, log, outbox, meters, network } = deps;
  const table = new EventTypeTable(JSON.parse(readFileSync(config.events.typesFile, 'utf8')));
  const { events, interruptions, subscriptions: subscriptionStore } = storage;
  const publisher = new SubscriptionPublisher({ subscriptions: subscriptionStore, meters, clock, source: config.gateway.source });
  const thresholdMs = config.outages.thresholdSeconds * 1000;
  const detector = new OutageDetector({ store: interruptions, meters, table, settings: { thresholdMs, windowMs: config.outages.groupWindowSeconds * 1000 } });
  const publishPending = publishEvents({ events, publisher, toPayload: endDeviceEventsNode, batch: config.events.publishBatch });
  const ingest = new EventIngest({ table, events, meters, network, detector, clock, log: log.child({ component: 'events' }), publishPending });
  const subscriptions = new ManageSubscriptions({ store: subscriptionStore, clock });
  const facade: EventsFacade = {
    ingest: (list, source) => ingest.ingest(list, source),
    find: (criteria) => findEvents(criteria, { events, meters, network, table, limit: config.events.maxGetResults }),
  };
  // AMQP subscriptions are published on the gateway's broker: accepted only when there is one.
  const protocols = config.amqpUrl ? ['SOAP', 'REST', 'AMQP'] as const : ['SOAP', 'REST'] as const;
  const router = adminRouter({ subscriptions, interruptions, thresholdMs, loopbackOnly: config.subscriptions.adminLoopbackOnly, protocols, log });
  return {
    facade, publisher, subscriptions, router, ingestEvents: facade.ingest, tick: () => ingest.tick(),
    init: () => subscriptions.applyConfigured(config.subscriptions.items.map((s) => ({ ...s }))),
  };
}
