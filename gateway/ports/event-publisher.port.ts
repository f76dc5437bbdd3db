import type { XNode } from '../xml/xnode.js';

export interface PublishedEvent {
  /** e.g. EndDeviceEvents, MeterConfig */
  noun: string;
  /** past-tense verb: created, changed, … */
  verb: string;
  /** The noun element that goes into the EventMessage Payload. */
  payload: XNode;
  /** Stable id of the event, so a re-publication after a crash gets the same MessageID. */
  eventId: string;
  /** For subscription filters: event type codes and devices the event is about. */
  eventTypes?: string[];
  devices?: string[];
  /** Deliveries with the same key reach each subscriber in order (e.g. per device). */
  orderingKey?: string;
}

/** Publishes EventMessages to whoever subscribed (at least once, through the outbox). */
export interface EventPublisher {
  /** Returns how many subscribers the event was queued for. */
  publish(event: PublishedEvent): Promise<number>;
}
