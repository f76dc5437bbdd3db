import type { DeliveryProtocol, NewOutbound } from './outbox.port.js';

export interface NewSubscription {
  /** Given for subscriptions from configuration (stable across restarts); generated otherwise. */
  id?: string;
  endpoint: string;
  noun: string;
  protocol: DeliveryProtocol;
  eventTypes?: string[];
  deviceGroup?: string;
}

export interface Subscription extends NewSubscription {
  id: string;
  origin: 'config' | 'api';
  createdAt: Date;
}

export interface SubscriptionBacklog {
  pending: number;
  delivered: number;
  dead: number;
  oldestPending?: Date;
  lastError?: string;
  lastDeliveredAt?: Date;
}

/** Who wants which events, and what was queued for each of them. */
export interface SubscriptionStore {
  add(s: NewSubscription, origin: 'config' | 'api', now: Date): Promise<Subscription>;
  /** Makes the configured subscriptions exactly `items` (API-made ones are left alone). */
  replaceConfigured(items: NewSubscription[], now: Date): Promise<void>;
  list(noun?: string): Promise<Subscription[]>;
  get(id: string): Promise<Subscription | undefined>;
  remove(id: string): Promise<boolean>;
  /** True once the pair's message was queued by `queuePublication`. */
  isPublished(subscriptionId: string, eventId: string): Promise<boolean>;
  /**
   * Records the publication of an event to a subscription and queues its message in the outbox of
   * the same database, in one transaction, once per (subscription, event): the outbox id, or
   * undefined when the pair was already recorded (an earlier pass, a concurrent one, another instance).
   */
  queuePublication(subscriptionId: string, eventId: string, entry: NewOutbound, now: Date): Promise<number | undefined>;
  backlog(subscriptionId: string): Promise<SubscriptionBacklog>;
}
