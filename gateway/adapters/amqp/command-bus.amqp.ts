import type { Channel } from 'amqplib';
import type { Logger } from '../../logging/logger.js';
import type { CommandBus, CommandConsumer, CommandHandler, CommandMessage } from '../../ports/command-bus.port.js';
import type { AmqpConnection } from './amqp-connection.js';
import { AmqpCommandConsumer } from './command-consumer.amqp.js';
import { COMMAND_CONTENT_TYPE } from './command-message.amqp.js';
import { commandTopology, declareCommandTopology, shardOf, type CommandTopology } from './command-topology.amqp.js';
import { ConfirmPublisher } from './confirm-publisher.js';

// The bus's public surface, kept importable from here: topology names, routing and the message format.
export { COMMAND_CONTENT_TYPE, parseCommandMessage } from './command-message.amqp.js';
export { commandTopology, shardOf } from './command-topology.amqp.js';

export interface AmqpCommandBusOptions {
  /** Every name the bus declares starts with `<prefix>.commands` (see commandTopology). */
  prefix: string;
  /** Shard queues; a meter always maps to the same one. Changing it needs the old queues drained first. */
  shards: number;
  /** Unacknowledged messages per shard queue per consumer (quorum queues have no channel-wide prefetch). */
  prefetch: number;
  /** Deliveries of one message (first + redeliveries) before the broker dead-letters it. */
  maxDeliveries: number;
  confirmTimeoutMs: number;
  log: Logger;
}

/**
 * CommandBus over RabbitMQ, for several gateway instances: the relay publishes persistent messages
 * with publisher confirms to a direct exchange, routed by a hash of the meter onto quorum shard
 * queues; workers consume every shard with a prefetch and acknowledge only after the handler (which
 * commits the outcome to the database) resolved. A handler failure returns the message (redelivered,
 * counted by the quorum queue including deliveries lost with a consumer's channel); after
 * maxDeliveries, or at once when unparseable or the handler throws PoisonMessage, the broker moves it
 * to the dead queue.
 */
export class AmqpCommandBus implements CommandBus {
  private readonly topology: CommandTopology;
  private readonly publisher: ConfirmPublisher;
  private readonly consumers = new Set<AmqpCommandConsumer>();
  private inspector: Promise<Channel> | undefined;
  private declared: Promise<void> | undefined;

  /** Declares its topology on first use; create() declares it at once (to fail fast at start). */
  constructor(private readonly connection: AmqpConnection, private readonly options: AmqpCommandBusOptions) {
    for (const key of ['shards', 'maxDeliveries', 'prefetch'] as const) {
      if (!Number.isInteger(options[key]) || options[key] < 1) throw new Error(`AMQP command bus: ${key} must be a positive integer (got ${options[key]})`);
    }
    this.topology = commandTopology(options.prefix, options.shards);
    this.publisher = new ConfirmPublisher(connection, { timeoutMs: options.confirmTimeoutMs, log: options.log });
  }

  /** A bus whose topology is declared (fails with a clear error when the broker is down or a name is taken with other arguments). */
  static async create(connection: AmqpConnection, options: AmqpCommandBusOptions): Promise<AmqpCommandBus> {
    const bus = new AmqpCommandBus(connection, options);
    await bus.ready();
    return bus;
  }

  /** The topology, declared once per bus (again after a failed attempt). */
  ready(): Promise<void> {
    this.declared ??= this.declare().catch((err: unknown) => {
      this.declared = undefined;
      throw err;
    });
    return this.declared;
  }

  get names(): CommandTopology {
    return this.topology;
  }

  /** Idempotent: declaring what exists with the same arguments is a no-op. */
  declare(): Promise<void> {
    return declareCommandTopology(this.connection, this.topology, this.options.maxDeliveries);
  }

  async publish(messages: CommandMessage[]): Promise<void> {
    await this.ready();
    const t = this.topology;
    const timestamp = Math.floor(Date.now() / 1000);
    await this.publisher.publishAll(messages.map((m) => ({
      exchange: t.exchange,
      routingKey: t.queues[shardOf(m.meter, this.options.shards)]!.routingKey,
      content: Buffer.from(JSON.stringify({ commandId: m.commandId, meter: m.meter, attempt: m.attempt })),
      properties: {
        persistent: true, contentType: COMMAND_CONTENT_TYPE, messageId: `${m.commandId}/${m.attempt}`, type: 'hes-command', timestamp, appId: 'cim-gateway',
      },
    })));
  }

  async consume(handler: CommandHandler): Promise<CommandConsumer> {
    await this.ready();
    const consumer = new AmqpCommandConsumer(this.connection, this.topology.queues.map((q) => q.name), handler, this.options, () => this.declare());
    this.consumers.add(consumer);
    await consumer.start();
    return {
      stop: async (graceMs = 0) => {
        this.consumers.delete(consumer);
        await consumer.stop(graceMs);
      },
    };
  }

  async backlog(): Promise<number> {
    await this.ready();
    const counts = await Promise.all(this.topology.queues.map(async (q) => {
      const ch = await this.inspect();
      try {
        return (await ch.checkQueue(q.name)).messageCount;
      } catch (err) {
        this.inspector = undefined;
        throw new Error(`cannot read the depth of ${q.name} on ${this.connection.where}: ${(err as Error).message}`);
      }
    }));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Stops this process's consumers (unfinished messages go back to the broker) and its channels; the connection is the caller's. */
  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop(0)));
    this.consumers.clear();
    await this.publisher.close();
    const inspector = await this.inspector?.catch(() => undefined);
    this.inspector = undefined;
    await inspector?.close().catch(() => undefined);
  }

  private inspect(): Promise<Channel> {
    this.inspector ??= this.connection.channel().then((ch) => {
      ch.on('error', () => undefined);
      ch.on('close', () => (this.inspector = undefined));
      return ch;
    }, (err: unknown) => {
      this.inspector = undefined;
      throw err;
    });
    return this.inspector;
  }
}
