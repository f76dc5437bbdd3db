import type { Clock } from '../ports/clock.port.js';
import type { NewSubscription, Subscription, SubscriptionBacklog, SubscriptionStore } from '../ports/subscription-store.port.js';

export type SubscriptionView = Subscription & { backlog: SubscriptionBacklog };

/** Subscriptions as the admin API and configuration manage them. */
export class ManageSubscriptions {
  constructor(private readonly deps: { store: SubscriptionStore; clock: Clock }) {}

  add(s: NewSubscription): Promise<Subscription> {
    return this.deps.store.add(s, 'api', this.deps.clock.now());
  }

  /** Configuration is authoritative for the subscriptions it defines (by id) at every start. */
  applyConfigured(items: NewSubscription[]): Promise<void> {
    return this.deps.store.replaceConfigured(items, this.deps.clock.now());
  }

  list(): Promise<Subscription[]> {
    return this.deps.store.list();
  }

  async get(id: string): Promise<SubscriptionView | undefined> {
    const s = await this.deps.store.get(id);
    return s ? { ...s, backlog: await this.deps.store.backlog(id) } : undefined;
  }

  /** Already queued deliveries still go out (they were promised at least once); nothing new is queued. */
  remove(id: string): Promise<boolean> {
    return this.deps.store.remove(id);
  }
}
