import { stableUuid } from '../../domain/events/event-key.js';
import { buildMessage, renderMessageXml } from '../../cim/response-writer.js';
import { genericOperations, soapActionFor } from '../../ingress/soap/soap-actions.js';
import type { Clock } from '../../ports/clock.port.js';
import type { EventPublisher, PublishedEvent } from '../../ports/event-publisher.port.js';
import type { MeterRegistry } from '../../ports/meter-registry.port.js';
import type { Subscription, SubscriptionStore } from '../../ports/subscription-store.port.js';
import { MSG_NS } from '../../xml/namespaces.js';

/** What a subscriber de-duplicates by: the same (subscription, event) always gets the same MessageID. */
export const publicationMessageId = (subscriptionId: string, eventId: string): string => stableUuid(`${subscriptionId}|${eventId}`);

/**
 * The EventPublisher behind subscriptions: each event that matches a subscription (noun, event
 * types, device group) becomes one EventMessage in the durable outbox for that subscriber,
 * ordered per (subscriber, device), queued by the subscription store in the same transaction as
 * its publication record. Delivery, retries and backoff are the outbox worker's.
 */
export class SubscriptionPublisher implements EventPublisher {
  constructor(private readonly deps: { subscriptions: SubscriptionStore; meters: MeterRegistry; clock: Clock; source: string }) {}

  async publish(event: PublishedEvent): Promise<number> {
    const { subscriptions, clock, source } = this.deps;
    const groups = new Map<string, Set<string>>();
    let queued = 0;
    for (const sub of await subscriptions.list(event.noun)) {
      if (!(await this.matches(sub, event, groups))) continue;
      const messageId = publicationMessageId(sub.id, event.eventId);
      const body = renderMessageXml(buildMessage({
        kind: 'EventMessage', verb: event.verb, noun: event.noun, source, messageId, timestamp: clock.now(), payload: event.payload,
      }));
      // Claim and message in one transaction: a re-publication (after a crash, a stalled pass, by
      // another instance at the same time) finds the pair claimed and queues nothing.
      const outboxId = await subscriptions.queuePublication(sub.id, event.eventId, {
        kind: 'event', destination: sub.endpoint, protocol: sub.protocol, messageId, body,
        orderingKey: `${sub.id}|${event.orderingKey ?? event.eventId}`,
        ...(sub.protocol === 'SOAP' ? { soapAction: soapActionFor(MSG_NS, genericOperations.EventMessage) } : {}),
      }, clock.now());
      if (outboxId === undefined) continue;
      queued++;
    }
    return queued;
  }

  private async matches(sub: Subscription, event: PublishedEvent, groups: Map<string, Set<string>>): Promise<boolean> {
    if (sub.eventTypes?.length && !event.eventTypes?.some((t) => sub.eventTypes!.includes(t))) return false;
    if (!sub.deviceGroup) return true;
    let members = groups.get(sub.deviceGroup);
    if (!members) {
      // The group itself counts as a device: grouped outage notifications are about it.
      members = new Set([sub.deviceGroup, ...(await this.deps.meters.group(sub.deviceGroup)).map((m) => m.mRID)]);
      groups.set(sub.deviceGroup, members);
    }
    return (event.devices ?? []).some((d) => members.has(d));
  }
}
