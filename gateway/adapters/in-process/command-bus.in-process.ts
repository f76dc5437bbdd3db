import type { Logger } from '../../logging/logger.js';
import { PoisonMessage, type CommandBus, type CommandConsumer, type CommandHandler, type CommandMessage } from '../../ports/command-bus.port.js';

export interface DeadLetter {
  message: CommandMessage;
  /** rejected: the handler said it can never be handled; delivery-limit: it kept failing. */
  reason: 'rejected' | 'delivery-limit';
  detail: string;
}

/** Runs `work` over items with at most `limit` at a time, starting them in order. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

class Subscription {
  accepting = true;
  private readonly inFlight = new Set<Promise<unknown>>();
  private released!: () => void;
  /** Resolves when the consumer let go of its unfinished messages. */
  readonly gone = new Promise<'gone'>((resolve) => (this.released = () => resolve('gone')));

  constructor(readonly handler: CommandHandler) {}

  /** 'acked', the handler's error, or 'gone' when the consumer stopped before the handler finished. */
  async run(m: CommandMessage): Promise<'acked' | 'gone' | { error: unknown }> {
    const handled = Promise.resolve().then(() => this.handler(m)).then(() => 'acked' as const, (error: unknown) => ({ error }));
    this.inFlight.add(handled);
    try {
      return await Promise.race([handled, this.gone]);
    } finally {
      this.inFlight.delete(handled);
    }
  }

  async stop(graceMs: number): Promise<void> {
    this.accepting = false;
    if (graceMs > 0 && this.inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    this.released();
  }
}

/**
 * The embedded profile's bus: publish hands each message straight to a consumer's handler and
 * resolves when every one was handled, so one dispatcher pass still executes what it leased (and
 * tests' drain() stays deterministic). Same delivery rules as the broker: a failed handler is tried
 * again up to maxDeliveries, a PoisonMessage or the last failure is dead-lettered (kept here and
 * logged; the command itself stays leased in the queue and is leased again when the lease ends).
 */
export class InProcessCommandBus implements CommandBus {
  private readonly consumers: Subscription[] = [];
  private readonly waiting: ((s: Subscription | undefined) => void)[] = [];
  private turn = 0;
  private closed = false;
  private readonly dead: DeadLetter[] = [];

  constructor(private readonly options: { concurrency: number; maxDeliveries: number; log: Logger; keepDead?: number }) {
    if (!Number.isInteger(options.maxDeliveries) || options.maxDeliveries < 1) throw new Error('maxDeliveries must be a positive integer');
  }

  /** The messages dead-lettered so far (the most recent `keepDead`, default 1000). */
  deadLetters(): DeadLetter[] {
    return [...this.dead];
  }

  async publish(messages: CommandMessage[]): Promise<void> {
    if (this.closed) throw new Error('the in-process command bus is closed');
    await inParallel(messages, this.options.concurrency, (m) => this.deliver(m));
  }

  async consume(handler: CommandHandler): Promise<CommandConsumer> {
    if (this.closed) throw new Error('the in-process command bus is closed');
    const sub = new Subscription(handler);
    this.consumers.push(sub);
    while (this.waiting.length > 0) this.waiting.shift()!(sub);
    return {
      stop: async (graceMs = 0) => {
        const i = this.consumers.indexOf(sub);
        if (i >= 0) this.consumers.splice(i, 1);
        await sub.stop(graceMs);
      },
    };
  }

  async backlog(): Promise<number> {
    return this.waiting.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    // Messages nobody took stay leased in the command queue: leased again after a restart.
    while (this.waiting.length > 0) this.waiting.shift()!(undefined);
  }

  private nextConsumer(): Promise<Subscription | undefined> {
    const live = this.consumers.filter((c) => c.accepting);
    if (live.length > 0) return Promise.resolve(live[this.turn++ % live.length]);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private async deliver(m: CommandMessage): Promise<void> {
    const { log, maxDeliveries } = this.options;
    for (let delivery = 1; ; delivery++) {
      const sub = await this.nextConsumer();
      if (!sub) return;
      const outcome = await sub.run(m);
      if (outcome === 'acked') return;
      if (outcome !== 'gone' && outcome.error instanceof PoisonMessage) return this.bury(m, 'rejected', outcome.error.message);
      const why = outcome === 'gone' ? 'consumer stopped before the handler finished' : String((outcome.error as Error)?.message ?? outcome.error);
      if (delivery >= maxDeliveries) return this.bury(m, 'delivery-limit', `not handled after ${delivery} deliveries; last: ${why}`);
      log.warn({ commandId: m.commandId, delivery, reason: why }, 'command message will be delivered again');
    }
  }

  private bury(message: CommandMessage, reason: DeadLetter['reason'], detail: string): void {
    this.dead.push({ message, reason, detail });
    if (this.dead.length > (this.options.keepDead ?? 1000)) this.dead.shift();
    this.options.log.error({ commandId: message.commandId, meter: message.meter, attempt: message.attempt, reason, detail }, 'command message dead-lettered');
  }
}
