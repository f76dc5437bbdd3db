/** SOAP and REST: over HTTP(S) to a URL; AMQP: published to an exchange on the gateway's broker (events only). */
export type DeliveryProtocol = 'SOAP' | 'REST' | 'AMQP';
export type OutboxState = 'pending' | 'delivered' | 'dead';

export interface NewOutbound {
  kind: 'reply' | 'event';
  destination: string;
  protocol: DeliveryProtocol;
  /** MessageID of the message being delivered (stable across retries, so peers can de-duplicate). */
  messageId: string;
  correlationId?: string;
  /** MessageID of the request this answers, for status look-ups. */
  requestMessageId?: string;
  /** Entries with the same key are delivered strictly in order (per device, per subscriber). */
  orderingKey?: string;
  soapAction?: string;
  /** The 61968-100 message, XML. */
  body: string;
}

export interface OutboundEntry extends NewOutbound {
  id: number;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: Date;
  lastError?: string;
  createdAt: Date;
  deliveredAt?: Date;
}

/** Durable at-least-once delivery of replies and events. */
export interface Outbox {
  /** `now` (default: the wall clock) is when the entry becomes due: pass the gateway Clock's time. */
  enqueue(entry: NewOutbound, now?: Date): Promise<number>;
  /** Due entries, leased for leaseMs; never two of one ordering key, never one behind an older pending one. */
  claimDue(now: Date, limit: number, leaseMs: number): Promise<OutboundEntry[]>;
  markDelivered(id: number, now: Date): Promise<void>;
  /** Records a failed attempt; `retryAt` undefined makes the entry dead (kept with its reason). */
  markFailed(id: number, error: string, retryAt: Date | undefined): Promise<void>;
  forRequest(requestMessageId: string): Promise<OutboundEntry[]>;
  backlog(): Promise<{ destination: string; pending: number; dead: number; oldest?: Date }[]>;
}
