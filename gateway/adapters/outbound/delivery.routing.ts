import type { DeliveryTransport } from '../../ports/delivery.port.js';
import type { DeliveryProtocol, OutboundEntry } from '../../ports/outbox.port.js';

/** Picks the transport by the entry's protocol: HTTP for SOAP and REST, the broker for AMQP (when there is one). */
export class RoutingDelivery implements DeliveryTransport {
  private readonly byProtocol: Partial<Record<DeliveryProtocol, DeliveryTransport>>;

  constructor(transports: { http: DeliveryTransport; amqp?: DeliveryTransport }) {
    this.byProtocol = { SOAP: transports.http, REST: transports.http, ...(transports.amqp ? { AMQP: transports.amqp } : {}) };
  }

  deliver(entry: OutboundEntry): Promise<void> {
    const transport = this.byProtocol[entry.protocol];
    if (!transport) {
      return Promise.reject(new Error(entry.protocol === 'AMQP'
        ? `no AMQP delivery in this gateway (no broker: amqpUrl / AMQP_URL is not set) for ${entry.destination}`
        : `no delivery for protocol ${String(entry.protocol)}`));
    }
    return transport.deliver(entry);
  }
}
