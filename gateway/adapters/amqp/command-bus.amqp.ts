import { createHash } from 'node:crypto';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { Logger } from '../../logging/logger.js';
import { PoisonMessage, type CommandBus, type CommandConsumer, type CommandHandler, type CommandMessage } from '../../ports/command-bus.port.js';
import type { AmqpConnection } from './amqp-connection.js';
import { ConfirmPublisher } from './confirm-publisher.js';

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

/** The names of everything the bus declares, derived from the prefix. */
export function commandTopology(prefix: string, shards: number) {
  const exchange = `${prefix}.commands`;
  return {
    /** direct, durable: routing key `shard.<n>` */
    exchange,
    /** quorum, durable: `<prefix>.commands.shard-<n>` */
    queues: Array.from({ length: shards }, (_, n) => ({ name: `${exchange}.shard-${n}`, routingKey: `shard.${n}` })),
    /** fanout, durable: where the shard queues dead-letter */
    deadExchange: `${exchange}.dlx`,
    /** quorum, durable: messages that could not be handled, with x-death telling why */
    deadQueue: `${exchange}.dead`,
  };
}

/** Stable across processes and restarts: every instance routes a meter to the same shard. */
export function shardOf(meter: string, shards: number): number {
  return createHash('sha1').update(meter).digest().readUInt32BE(0) % shards;
}

export const COMMAND_CONTENT_TYPE = 'application/vnd.cim-gateway.command+json';

/** The message body as the relay writes it; anything else is unparseable (dead-lettered at once). */
export function parseCommandMessage(content: Buffer): CommandMessage | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(content.toString('utf8'));
  } catch (err) {
    return { error: `not JSON: ${(err as Error).message}` };
  }
  const o = v as Partial<Record<keyof CommandMessage, unknown>> | null;
  if (typeof o !== 'object' || o === null) return { error: 'not a JSON object' };
  if (typeof o.commandId !== 'string' || o.commandId === '') return { error: 'commandId missing' };
  if (typeof o.meter !== 'string' || o.meter === '') return { error: 'meter missing' };
  if (typeof o.attempt !== 'number' || !Number.isInteger(o.attempt) || o.attempt < 1) return { error: 'attempt is not a positive integer' };
  return { commandId: o.commandId, meter: o.meter, attempt: o.attempt };
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
  private readonly topology: ReturnType<typeof commandTopology>;
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

  get names(): ReturnType<typeof commandTopology> {
    return this.topology;
  }

  /** Idempotent: declaring what exists with the same arguments is a no-op. */
  async declare(): Promise<void> {
    const ch = await this.connection.channel();
    let closedBecause: string | undefined;
    ch.on('error', (err: Error) => (closedBecause = err.message));
    const t = this.topology;
    try {
      await ch.assertExchange(t.deadExchange, 'fanout', { durable: true });
      await ch.assertQueue(t.deadQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      await ch.bindQueue(t.deadQueue, t.deadExchange, '');
      await ch.assertExchange(t.exchange, 'direct', { durable: true });
      for (const q of t.queues) {
        await ch.assertQueue(q.name, {
          durable: true,
          arguments: {
            'x-queue-type': 'quorum',
            // The broker counts every return of a message, including one whose consumer died before acking.
            'x-delivery-limit': this.options.maxDeliveries - 1,
            'x-dead-letter-exchange': t.deadExchange,
            // Dead-lettering is itself confirmed, so a poison message is moved, never dropped.
            'x-dead-letter-strategy': 'at-least-once',
            'x-overflow': 'reject-publish',
          },
        });
        await ch.bindQueue(q.name, t.exchange, q.routingKey);
      }
    } catch (err) {
      const why = closedBecause ?? (err as Error).message;
      const hint = /PRECONDITION_FAILED|inequivalent arg/i.test(why)
        ? ' — a queue or exchange of that name exists with other arguments (e.g. another maxDeliveries): drain and delete it, or use another amqp.prefix'
        : '';
      throw new Error(`declaring the command topology '${t.exchange}' on ${this.connection.where} failed: ${why}${hint}`);
    } finally {
      await ch.close().catch(() => undefined);
    }
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

/** One consumer: a channel consuming every shard queue; reopened with backoff when the channel or connection is lost. */
class AmqpCommandConsumer {
  private channel: Channel | undefined;
  private tags: string[] = [];
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly connection: AmqpConnection,
    private readonly queues: string[],
    private readonly handler: CommandHandler,
    private readonly options: AmqpCommandBusOptions,
    private readonly declare: () => Promise<void>,
  ) {}

  async start(): Promise<void> {
    const ch = await this.connection.channel();
    let closedBecause: string | undefined;
    ch.on('error', (err: Error) => {
      closedBecause = err.message;
      this.options.log.warn({ err: err.message }, 'command consumer channel closed by the broker');
    });
    try {
      await ch.prefetch(this.options.prefetch);
      const tags: string[] = [];
      for (const q of this.queues) tags.push((await ch.consume(q, (msg) => this.onMessage(ch, msg), { noAck: false })).consumerTag);
      this.tags = tags;
    } catch (err) {
      await ch.close().catch(() => undefined);
      throw new Error(`consuming the command queues on ${this.connection.where} failed: ${closedBecause ?? (err as Error).message}`);
    }
    // Only a consumer that was running reconnects by itself; a failed start is the caller's to report.
    ch.on('close', () => {
      if (this.channel === ch) this.channel = undefined;
      if (!this.stopped) this.scheduleRestart('channel closed');
    });
    this.channel = ch;
    this.failures = 0;
    if (this.stopped) await this.stop(0);
  }

  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const ch = this.channel;
    if (!ch) return;
    // No new deliveries; those being handled get the grace period to finish and be acknowledged.
    await Promise.all(this.tags.map((t) => ch.cancel(t).catch(() => undefined)));
    if (graceMs > 0 && this.inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    this.channel = undefined;
    // Unacknowledged messages go back to their queue when the channel closes.
    await ch.close().catch(() => undefined);
  }

  private onMessage(ch: Channel, msg: ConsumeMessage | null): void {
    const log = this.options.log;
    if (msg === null) {
      // The broker cancelled the consumer (queue deleted or its leader moved): start over.
      log.warn('command consumer cancelled by the broker');
      ch.close().catch(() => undefined);
      return;
    }
    const parsed = parseCommandMessage(msg.content);
    if ('error' in parsed) {
      log.error({ messageId: msg.properties.messageId, reason: parsed.error, body: msg.content.toString('utf8').slice(0, 200) }, 'unparseable command message dead-lettered');
      settle(ch, msg, 'dead');
      return;
    }
    const work = Promise.resolve()
      .then(() => this.handler(parsed))
      .then(() => settle(ch, msg, 'ack'), (err: unknown) => {
        if (err instanceof PoisonMessage) {
          log.error({ commandId: parsed.commandId, reason: err.message }, 'command message dead-lettered');
          settle(ch, msg, 'dead');
        } else {
          log.warn({ commandId: parsed.commandId, err: (err as Error)?.message, delivery: Number(msg.properties.headers?.['x-delivery-count'] ?? 0) + 1 },
            'command handler failed; the message goes back to the queue');
          settle(ch, msg, 'requeue');
        }
      });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private scheduleRestart(why: string): void {
    clearTimeout(this.retryTimer);
    const delay = Math.min(30_000, 500 * 2 ** Math.min(this.failures++, 6));
    this.options.log.warn({ why, retryInMs: delay }, 'command consumer will reconnect');
    this.retryTimer = setTimeout(() => {
      if (this.stopped) return;
      this.declare().then(() => this.start()).catch((err: unknown) => {
        this.options.log.warn({ err: (err as Error).message }, 'command consumer could not reconnect');
        if (!this.stopped) this.scheduleRestart('reconnect failed');
      });
    }, delay);
    this.retryTimer.unref();
  }
}

/** Settles on the channel the message came on; if that channel is gone the broker already requeued it. */
function settle(ch: Channel, msg: ConsumeMessage, how: 'ack' | 'requeue' | 'dead'): void {
  try {
    if (how === 'ack') ch.ack(msg);
    else ch.nack(msg, false, how === 'requeue');
  } catch {
    // Channel closed meanwhile: the message is redelivered, and the handler's state checks skip it.
  }
}
