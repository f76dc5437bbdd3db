import { parseAmqpEndpoint } from '../../domain/subscriptions/endpoint.js';
import type { Logger } from '../../logging/logger.js';
import type { DeliveryTransport } from '../../ports/delivery.port.js';
import type { OutboundEntry } from '../../ports/outbox.port.js';
import type { AmqpConnection } from './amqp-connection.js';
import { ConfirmPublisher } from './confirm-publisher.js';

/**
 * Delivers outbox entries of protocol AMQP: the 61968-100 message is published persistent to the
 * endpoint's exchange and routing key on the gateway's broker, with the outbox MessageID as AMQP
 * message-id (subscribers de-duplicate by it). deliver() resolves only on the broker's publisher
 * confirm, so the outbox marks an entry delivered only once the broker holds it; every failure
 * (broker down, exchange missing, no queue bound, nack, no confirm in time) throws and the outbox
 * retries with backoff.
 */
export class AmqpDelivery implements DeliveryTransport {
  /**
   * One confirm channel per exchange: the broker closes a channel that publishes to a missing
   * exchange, and that must fail only that subscriber's deliveries, not those in flight to others.
   */
  private readonly publishers = new Map<string, ConfirmPublisher>();

  constructor(private readonly connection: AmqpConnection, private readonly options: { confirmTimeoutMs: number; log: Logger }) {}

  async deliver(entry: OutboundEntry): Promise<void> {
    if (entry.protocol !== 'AMQP') throw new Error(`AmqpDelivery got a ${entry.protocol} entry (${entry.destination})`);
    const target = parseAmqpEndpoint(entry.destination);
    if ('error' in target) throw new Error(`outbox entry ${entry.id}: ${target.error}`);
    let publisher = this.publishers.get(target.exchange);
    if (!publisher) {
      publisher = new ConfirmPublisher(this.connection, { timeoutMs: this.options.confirmTimeoutMs, log: this.options.log });
      this.publishers.set(target.exchange, publisher);
    }
    await publisher.publish(target.exchange, target.routingKey, Buffer.from(entry.body, 'utf8'), {
      persistent: true,
      messageId: entry.messageId,
      ...(entry.correlationId ? { correlationId: entry.correlationId } : {}),
      contentType: 'application/xml',
      type: entry.kind === 'event' ? 'EventMessage' : 'ResponseMessage',
      timestamp: Math.floor(Date.now() / 1000),
      appId: 'cim-gateway',
    });
  }

  /** Closes its channels; the connection is the caller's. */
  async close(): Promise<void> {
    await Promise.all([...this.publishers.values()].map((p) => p.close()));
    this.publishers.clear();
  }
}
