import { isFinal } from '../domain/commands/command-state.js';
import type { Command } from '../domain/commands/command.js';
import type { Logger } from '../logging/logger.js';
import type { Clock } from '../ports/clock.port.js';
import { PoisonMessage, type CommandBus, type CommandHandler, type CommandMessage } from '../ports/command-bus.port.js';
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

export interface RelayDeps {
  queue: CommandQueue;
  bus: CommandBus;
  clock: Clock;
  log: Logger;
  settings: Pick<DispatchSettings, 'batchSize' | 'leaseMs'>;
  /**
   * The relay leases nothing while this many messages wait on the bus for a consumer: a command's
   * lease must not run out while its message is still queued (it would be leased and sent again).
   */
  maxBacklog?: number;
}

export const messageFor = (c: Command): CommandMessage => ({ commandId: c.commandId, meter: c.meter, attempt: c.attempts });

/**
 * The dispatcher's first half, one pass: open windows and expire missed ones, lease what may go
 * now (priority, the oldest open command of each meter only), publish each leased command on the
 * bus. A publish that fails leaves the commands leased (state sent): they are leased and published
 * again when the lease ends, under the same commandId.
 */
export function relayCommands(deps: RelayDeps) {
  const { queue, bus, clock, log, settings } = deps;
  return async (): Promise<number> => {
    const moved = await queue.promote(clock.now());
    if (deps.maxBacklog !== undefined) {
      const waiting = await bus.backlog();
      if (waiting >= deps.maxBacklog) {
        log.debug({ waiting, maxBacklog: deps.maxBacklog }, 'command bus backlog full: nothing leased this pass');
        return moved;
      }
    }
    const leased = await queue.lease(clock.now(), settings.batchSize, settings.leaseMs);
    if (leased.length === 0) return moved;
    try {
      await bus.publish(leased.map(messageFor));
    } catch (err) {
      log.error({ err: (err as Error).message, commands: leased.length, retryAfterMs: settings.leaseMs }, 'leased commands not published; resent when their lease ends');
    }
    return moved + leased.length;
  };
}

export interface WorkerDeps {
  queue: CommandQueue;
  hes: HesPort;
  clock: Clock;
  log: Logger;
  settings: Pick<DispatchSettings, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs'>;
  /** Jitter source (tests pin it). */
  random?: () => number;
  /**
   * Called after a command succeeded (e.g. a time sync whose drift must raise an event); again for
   * each redelivery of the message of the lease that succeeded, so it must be idempotent.
   */
  onSucceeded?: (command: Command) => Promise<void>;
}

/**
 * The dispatcher's second half, the bus handler: hands the leased command to the head-end under its
 * stable commandId and records the outcome; it resolves (and the message is acknowledged) only once
 * that record is committed. A transient failure is retried with exponential backoff and jitter until
 * maxAttempts, then the command is dead with the reason. The queue is the truth: a message for a
 * command already final (redelivered after a crash) or of an older lease is acknowledged and dropped;
 * one naming no command is poison.
 */
export function commandWorker(deps: WorkerDeps): CommandHandler {
  const { queue, hes, clock, log, settings } = deps;

  return async (m: CommandMessage): Promise<void> => {
    const c = await queue.get(m.commandId);
    if (!c) throw new PoisonMessage(`no command ${m.commandId} in the queue`);
    if (c.meter !== m.meter) throw new PoisonMessage(`command ${m.commandId} is for meter ${c.meter}, the message says ${m.meter}`);
    if (isFinal(c.state)) {
      // Succeeded under this very lease, but the delivery that recorded it did not finish: the finish
      // committed and its answer was lost (a connection error after the server's commit), the hook
      // failed, or the process died between the two. The hook runs again (it must be idempotent).
      if (c.state === 'succeeded' && c.attempts === m.attempt && deps.onSucceeded) await deps.onSucceeded(c);
      log.info({ commandId: c.commandId, state: c.state, attempt: m.attempt }, 'command already final: message dropped');
      return;
    }
    if (c.state !== 'sent' || c.attempts !== m.attempt) {
      log.info({ commandId: c.commandId, state: c.state, attempts: c.attempts, attempt: m.attempt }, 'message of an older lease: dropped');
      return;
    }
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
}
