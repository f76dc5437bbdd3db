import type { GetMessage } from 'amqplib';
import { DEAD_LETTERS_MAX, type DeadCommandLetters, type DeadCommandMessage, type DeadLetterAction } from '../../ports/command-bus.port.js';
import type { AmqpConnection } from './amqp-connection.js';
import type { AmqpCommandBus } from './command-bus.amqp.js';
import { parseCommandMessage } from './command-message.amqp.js';

interface XDeath { count?: number; reason?: string; queue?: string }

function describe(m: GetMessage): DeadCommandMessage {
  const parsed = parseCommandMessage(m.content);
  const headers = (m.properties.headers ?? {}) as Record<string, unknown>;
  const deaths = Array.isArray(headers['x-death']) ? (headers['x-death'] as XDeath[]) : [];
  return {
    ...('error' in parsed ? { problem: parsed.error, body: m.content.toString('utf8').slice(0, 200) } : { message: parsed }),
    ...(m.properties.messageId ? { messageId: String(m.properties.messageId) } : {}),
    reason: String(headers['x-first-death-reason'] ?? deaths[0]?.reason ?? 'unknown'),
    deaths: deaths.reduce((n, d) => n + Number(d.count ?? 1), 0) || 1,
  };
}

/**
 * The command bus's dead queue (`<prefix>.commands.dead`) for an operator: messages are taken with
 * basic.get on a channel of their own and stay unacknowledged while the caller decides; a replayed
 * one is published again through the bus (same routing, confirmed) before it is acknowledged off the
 * dead queue; kept ones go back when the channel closes. Nothing consumes the dead queue otherwise.
 */
export class AmqpDeadCommands implements DeadCommandLetters {
  constructor(private readonly connection: AmqpConnection, private readonly bus: AmqpCommandBus) {}

  async peek(limit: number): Promise<DeadCommandMessage[]> {
    const seen: DeadCommandMessage[] = [];
    await this.settle(limit, async (m) => {
      seen.push(m);
      return 'keep';
    });
    return seen;
  }

  async settle(limit: number, decide: (m: DeadCommandMessage) => Promise<DeadLetterAction>): Promise<Record<DeadLetterAction, number>> {
    if (!Number.isInteger(limit) || limit < 1 || limit > DEAD_LETTERS_MAX) throw new RangeError(`dead letters: limit must be an integer in 1..${DEAD_LETTERS_MAX}, got ${limit}`);
    await this.bus.ready();
    const queue = this.bus.names.deadQueue;
    const ch = await this.connection.channel();
    let closedBecause: string | undefined;
    ch.on('error', (err: Error) => (closedBecause = err.message));
    const counts: Record<DeadLetterAction, number> = { replay: 0, discard: 0, keep: 0 };
    try {
      const held: { raw: GetMessage; dead: DeadCommandMessage; action: DeadLetterAction }[] = [];
      while (held.length < limit) {
        const raw = await ch.get(queue, { noAck: false });
        if (raw === false) break;
        const dead = describe(raw);
        held.push({ raw, dead, action: 'keep' });
      }
      for (const h of held) {
        const action = await decide(h.dead);
        // A body that is no command message has nothing to replay.
        h.action = action === 'replay' && !h.dead.message ? 'keep' : action;
        counts[h.action]++;
      }
      const replay = held.filter((h) => h.action === 'replay');
      // Confirmed first, removed after: a failure here leaves every message dead, as before.
      if (replay.length > 0) await this.bus.publish(replay.map((h) => h.dead.message!));
      for (const h of held) if (h.action !== 'keep') ch.ack(h.raw);
      return counts;
    } catch (err) {
      throw new Error(`reading the dead queue '${queue}' on ${this.connection.where} failed: ${closedBecause ?? (err as Error).message}`);
    } finally {
      // Returns what was not acknowledged (kept, or all of them after a failure) to the dead queue.
      await ch.close().catch(() => undefined);
    }
  }
}
