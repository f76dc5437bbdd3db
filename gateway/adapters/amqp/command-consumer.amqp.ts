import type { Channel, ConsumeMessage } from 'amqplib';
import type { Logger } from '../../logging/logger.js';
import { PoisonMessage, type CommandHandler } from '../../ports/command-bus.port.js';
import type { AmqpConnection } from './amqp-connection.js';
import { parseCommandMessage } from './command-message.amqp.js';

export interface CommandConsumerOptions {
  /** Unacknowledged messages per shard queue per consumer (quorum queues have no channel-wide prefetch). */
  prefetch: number;
  log: Logger;
}

/** One consumer: a channel consuming every shard queue; reopened with backoff when the channel or connection is lost. */
export class AmqpCommandConsumer {
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
    private readonly options: CommandConsumerOptions,
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
