import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { AmqpConnection } from '../../gateway/adapters/amqp/amqp-connection.js';

/** One per test process: every broker name a test declares starts with it, so parallel runs never share a queue. */
export const testRunPrefix = `cimgw-test.${randomBytes(4).toString('hex')}`;
let counter = 0;

/** A prefix no other test (of this run or another) uses. */
export const uniquePrefix = (what: string): string => `${testRunPrefix}.${what}-${++counter}`;

export const silentLog = pino({ level: 'silent' });

export const testConnection = (url: string, name = 'cim-gateway tests'): AmqpConnection => new AmqpConnection(url, { log: silentLog, name });

/** Deletes queues and exchanges a test declared (ignoring those already gone). */
export async function deleteBrokerObjects(connection: AmqpConnection, objects: { queues?: string[]; exchanges?: string[] }): Promise<void> {
  for (const q of objects.queues ?? []) {
    const ch = await connection.channel();
    ch.on('error', () => undefined);
    await ch.deleteQueue(q).catch(() => undefined);
    await ch.close().catch(() => undefined);
  }
  for (const x of objects.exchanges ?? []) {
    const ch = await connection.channel();
    ch.on('error', () => undefined);
    await ch.deleteExchange(x).catch(() => undefined);
    await ch.close().catch(() => undefined);
  }
}
