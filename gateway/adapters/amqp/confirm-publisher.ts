import { once } from 'node:events';
import type { ConfirmChannel, Message, Options } from 'amqplib';
import type { Logger } from '../../logging/logger.js';
import { BrokerUnavailable, type AmqpConnection } from './amqp-connection.js';

/** A publish the broker did not take responsibility for (nack, unroutable, missing exchange, no confirm in time). */
export class PublishFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublishFailed';
  }
}

interface ChannelState {
  channel: ConfirmChannel;
  /** Why the broker closed the channel (e.g. 404 no exchange): more useful than amqplib's "channel closed". */
  closedBecause?: string;
  /** Messages the broker returned as unroutable, by exchange/routingKey/messageId, not yet matched to their confirm. */
  returned: Map<string, number>;
  draining?: Promise<void>;
}

const returnKey = (exchange: string, routingKey: string, messageId: string | undefined) => `${exchange}\u0000${routingKey}\u0000${messageId ?? ''}`;

/**
 * Publishes with publisher confirms and `mandatory`: publish() resolves only when the broker
 * confirmed the message (persistent messages to durable queues: written to disk, or to a quorum of
 * replicas), and rejects when it was refused, returned unroutable (no queue bound for the key), its
 * exchange does not exist, or no confirm came within timeoutMs. The channel is reopened after the
 * broker closed it.
 */
export class ConfirmPublisher {
  private state: Promise<ChannelState> | undefined;

  constructor(private readonly connection: AmqpConnection, private readonly options: { timeoutMs: number; log: Logger }) {}

  async publish(exchange: string, routingKey: string, content: Buffer, properties: Options.Publish): Promise<void> {
    const state = await this.open();
    if (state.draining) await state.draining;
    const { channel } = state;
    const where = exchange === '' ? 'the default exchange' : `exchange '${exchange}'`;
    const confirmed = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        // A channel that stopped confirming is not trusted again: the next publish opens a fresh one.
        this.discard(state);
        reject(new PublishFailed(`no publisher confirm from ${this.connection.where} within ${this.options.timeoutMs} ms (${where}, routing key '${routingKey}')`));
      }, this.options.timeoutMs);
      try {
        const roomLeft = channel.publish(exchange, routingKey, content, { ...properties, mandatory: true }, (err: unknown) => {
          clearTimeout(timer);
          if (err) {
            return reject(state.closedBecause
              ? new PublishFailed(`${where} on ${this.connection.where}: ${state.closedBecause}`)
              : new PublishFailed(`broker ${this.connection.where} refused the message (${where}, routing key '${routingKey}'): ${(err as Error).message ?? 'publisher nack'}`));
          }
          const key = returnKey(exchange, routingKey, properties.messageId);
          const returns = state.returned.get(key) ?? 0;
          if (returns > 0) {
            if (returns === 1) state.returned.delete(key);
            else state.returned.set(key, returns - 1);
            return reject(new PublishFailed(`unroutable: no queue is bound to ${where} for routing key '${routingKey}' on ${this.connection.where}`));
          }
          resolve();
        });
        // The socket's buffer is full: later publishes wait for it to drain instead of piling on.
        if (!roomLeft && !state.draining) {
          const done = () => {
            state.draining = undefined;
          };
          state.draining = Promise.race([once(channel, 'drain'), once(channel, 'close')]).then(done, done);
        }
      } catch (err) {
        clearTimeout(timer);
        this.discard(state);
        reject(new BrokerUnavailable(`AMQP channel to ${this.connection.where} closed: ${(err as Error).message}`));
      }
    });
    return confirmed;
  }

  /** Publishes several (in order) and waits for every confirm; rejects with the first failure. */
  async publishAll(items: { exchange: string; routingKey: string; content: Buffer; properties: Options.Publish }[]): Promise<void> {
    const pending = items.map((i) => this.publish(i.exchange, i.routingKey, i.content, i.properties));
    const outcomes = await Promise.allSettled(pending);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async close(): Promise<void> {
    const state = await this.state?.catch(() => undefined);
    this.state = undefined;
    await state?.channel.close().catch(() => undefined);
  }

  private open(): Promise<ChannelState> {
    this.state ??= this.connection.confirmChannel().then((channel) => {
      const state: ChannelState = { channel, returned: new Map() };
      channel.on('error', (err: Error) => {
        state.closedBecause = err.message;
        this.options.log.warn({ err: err.message, broker: this.connection.where }, 'AMQP publishing channel closed by the broker');
      });
      channel.on('close', () => this.discard(state));
      channel.on('return', (m: Message) => {
        const key = returnKey(m.fields.exchange, m.fields.routingKey, m.properties.messageId as string | undefined);
        state.returned.set(key, (state.returned.get(key) ?? 0) + 1);
      });
      return state;
    }, (err: unknown) => {
      this.state = undefined;
      throw err;
    });
    return this.state;
  }

  private discard(state: ChannelState): void {
    void this.state?.then((current) => {
      if (current === state) this.state = undefined;
    }, () => undefined);
    state.channel.close().catch(() => undefined);
  }
}
