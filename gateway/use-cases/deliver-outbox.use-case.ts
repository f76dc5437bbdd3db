import type { GatewayConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { Clock } from '../ports/clock.port.js';
import type { DeliveryTransport } from '../ports/delivery.port.js';
import type { Outbox } from '../ports/outbox.port.js';

/** Exponential backoff with full jitter in its upper half, so retries of many entries spread out. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** One pass of the outbox: deliver what is due, reschedule or bury what failed. */
export function deliverOutbox(deps: { outbox: Outbox; transport: DeliveryTransport; clock: Clock; config: Readonly<GatewayConfig>; log: Logger }) {
  const { outbox, transport, clock, log } = deps;
  const cfg = deps.config.outbox;
  return async (): Promise<number> => {
    const due = await outbox.claimDue(clock.now(), cfg.batchSize, cfg.requestTimeoutMs * 2);
    await Promise.all(due.map(async (entry) => {
      try {
        await transport.deliver(entry);
        await outbox.markDelivered(entry.id, clock.now());
        log.info({ outboxId: entry.id, messageId: entry.messageId, correlationId: entry.correlationId, destination: entry.destination }, 'delivered');
      } catch (err) {
        const attempt = entry.attempts + 1;
        const dead = attempt >= cfg.maxAttempts;
        const retryAt = dead ? undefined : new Date(clock.now().getTime() + backoffMs(attempt, cfg.baseDelayMs, cfg.maxDelayMs));
        await outbox.markFailed(entry.id, (err as Error).message, retryAt);
        log.warn({ outboxId: entry.id, messageId: entry.messageId, destination: entry.destination, attempt, dead, err: (err as Error).message }, 'delivery failed');
      }
    }));
    return due.length;
  };
}
