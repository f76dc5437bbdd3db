import { createHash } from 'node:crypto';
import type { AmqpConnection } from './amqp-connection.js';

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

export type CommandTopology = ReturnType<typeof commandTopology>;

/** Stable across processes and restarts: every instance routes a meter to the same shard. */
export function shardOf(meter: string, shards: number): number {
  return createHash('sha1').update(meter).digest().readUInt32BE(0) % shards;
}

/** Idempotent: declaring what exists with the same arguments is a no-op. */
export async function declareCommandTopology(connection: AmqpConnection, t: CommandTopology, maxDeliveries: number): Promise<void> {
  const ch = await connection.channel();
  let closedBecause: string | undefined;
  ch.on('error', (err: Error) => (closedBecause = err.message));
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
          'x-delivery-limit': maxDeliveries - 1,
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
    throw new Error(`declaring the command topology '${t.exchange}' on ${connection.where} failed: ${why}${hint}`);
  } finally {
    await ch.close().catch(() => undefined);
  }
}
