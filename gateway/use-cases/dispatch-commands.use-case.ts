import type { Command } from '../domain/commands/command.js';
import type { Logger } from '../logging/logger.js';
import type { Clock } from '../ports/clock.port.js';
import type { CommandQueue } from '../ports/command-queue.port.js';
import type { HesOutcome, HesPort } from '../ports/hes.port.js';
import { backoffMs } from './deliver-outbox.use-case.js';

export interface DispatchSettings {
  batchSize: number;
  concurrency: number;
  leaseMs: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface DispatchDeps {
  queue: CommandQueue;
  hes: HesPort;
  clock: Clock;
  log: Logger;
  settings: DispatchSettings;
  /** Jitter source (tests pin it). */
  random?: () => number;
  /** Called after a command succeeded (e.g. a time sync whose drift must raise an event). */
  onSucceeded?: (command: Command) => Promise<void>;
}

async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

/**
 * One dispatcher pass: open windows and expire missed ones, lease what may go now (priority,
 * per-meter order), hand each to the head-end under its stable commandId, record the outcome.
 * A thrown error or a transient failure is retried with exponential backoff and jitter until
 * maxAttempts, then the command is dead with the reason.
 */
export function dispatchCommands(deps: DispatchDeps) {
  const { queue, hes, clock, log, settings } = deps;

  const runOne = async (c: Command): Promise<void> => {
    let outcome: HesOutcome;
    try {
      outcome = await hes.execute({ commandId: c.commandId, kind: c.kind, meter: c.meter, params: c.params });
    } catch (err) {
      outcome = { status: 'failed', transient: true, reason: (err as Error).message };
    }
    const now = clock.now();
    const at = { commandId: c.commandId, meter: c.meter, kind: c.kind, attempt: c.attempts };
    if (outcome.status === 'succeeded') {
      const done = await queue.finish(c.commandId, { state: 'succeeded', ...(outcome.detail ? { detail: outcome.detail } : {}), ...(outcome.values ? { values: outcome.values } : {}) }, now);
      log.info(at, 'command succeeded');
      await deps.onSucceeded?.(done);
    } else if (!outcome.transient) {
      await queue.finish(c.commandId, { state: 'failed', detail: outcome.reason }, now);
      log.warn({ ...at, reason: outcome.reason }, 'command failed');
    } else if (c.attempts >= settings.maxAttempts) {
      await queue.finish(c.commandId, { state: 'dead', detail: `head-end did not execute it after ${c.attempts} attempts; last: ${outcome.reason}` }, now);
      log.error({ ...at, reason: outcome.reason }, 'command dead: retries exhausted');
    } else {
      const delay = backoffMs(c.attempts, settings.baseDelayMs, settings.maxDelayMs, deps.random);
      await queue.retry(c.commandId, outcome.reason, new Date(now.getTime() + delay), now);
      log.warn({ ...at, reason: outcome.reason, retryInMs: delay }, 'command will be retried');
    }
  };

  return async (): Promise<number> => {
    const moved = await queue.promote(clock.now());
    const leased = await queue.lease(clock.now(), settings.batchSize, settings.leaseMs);
    await inParallel(leased, settings.concurrency, async (c) => {
      try {
        await runOne(c);
      } catch (err) {
        // Recording failed (store trouble): the lease runs out and the command is resent under its id.
        log.error({ err, commandId: c.commandId }, 'command outcome not recorded');
      }
    });
    return moved + leased.length;
  };
}
