import type { Logger } from '../logging/logger.js';

/**
 * Runs `tick` repeatedly: immediately again while it reports work done, after `idleMs`
 * otherwise. stop() waits for the tick in progress, so shutdown never cuts a transaction.
 */
export class Poller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly name: string, private readonly tick: () => Promise<number>, private readonly idleMs: number, private readonly log: Logger) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Runs one tick now (tests, and a nudge when new work was just queued). */
  nudge(): void {
    if (this.stopped || this.running) return;
    clearTimeout(this.timer);
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .then((done) => done, (err: unknown) => {
          this.log.error({ err, poller: this.name }, 'poller tick failed');
          return 0;
        })
        .then((done) => {
          this.running = undefined;
          if (!this.stopped) this.schedule(done > 0 ? 0 : this.idleMs);
        });
    }, delay);
    this.timer.unref();
  }
}
