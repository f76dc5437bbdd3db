import type { OutboundEntry } from './outbox.port.js';

/** Hands one outbox entry to its destination; resolves only when the peer accepted it. */
export interface DeliveryTransport {
  deliver(entry: OutboundEntry): Promise<void>;
}
