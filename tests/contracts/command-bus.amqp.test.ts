import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Channel, GetMessage } from 'amqplib';
import { BrokerUnavailable, type AmqpConnection } from '../../gateway/adapters/amqp/amqp-connection.js';
import { AmqpCommandBus, COMMAND_CONTENT_TYPE, commandTopology, parseCommandMessage, shardOf, type AmqpCommandBusOptions } from '../../gateway/adapters/amqp/command-bus.amqp.js';
import type { CommandMessage } from '../../gateway/ports/command-bus.port.js';
import { deleteBrokerObjects, silentLog, testConnection, uniquePrefix } from '../helpers/amqp.js';
import { serviceUrl, skippedWithout } from '../helpers/services.js';
import { commandBusContract, eventually, type CommandBusFixture } from './command-bus.contract.js';

const url = serviceUrl('AMQP_URL');

const options = (prefix: string, more: Partial<AmqpCommandBusOptions> = {}): AmqpCommandBusOptions => ({
  prefix, shards: 2, prefetch: 4, maxDeliveries: 3, confirmTimeoutMs: 5_000, log: silentLog, ...more,
});

const brokerObjects = (prefix: string, shards: number) => {
  const t = commandTopology(prefix, shards);
  return { queues: [...t.queues.map((q) => q.name), t.deadQueue], exchanges: [t.exchange, t.deadExchange] };
};

/** A bus on a prefix of its own, a reader of its dead queue, and clean-up of everything it declared. */
async function amqpBus(url: string, more: Partial<AmqpCommandBusOptions> = {}) {
  const prefix = uniquePrefix('commands');
  const connection = testConnection(url);
  const bus = await AmqpCommandBus.create(connection, options(prefix, more));
  const reader: Channel = await connection.channel();
  const dead: { message: CommandMessage | { raw: string }; reason: string }[] = [];
  return {
    bus, connection, prefix,
    readDead: async () => {
      for (let g = await reader.get(bus.names.deadQueue, { noAck: true }); g; g = await reader.get(bus.names.deadQueue, { noAck: true })) {
        const parsed = parseCommandMessage(g.content);
        const reason = String(g.properties.headers?.['x-first-death-reason'] ?? '');
        dead.push({ message: 'error' in parsed ? { raw: g.content.toString('utf8') } : parsed, reason });
      }
      return [...dead];
    },
    close: async () => {
      await bus.close();
      await reader.close().catch(() => undefined);
      await deleteBrokerObjects(connection, brokerObjects(prefix, more.shards ?? 2));
      await connection.close();
    },
  };
}

if (!url) {
  skippedWithout('AMQP_URL', 'command bus on RabbitMQ');
} else {
  commandBusContract('amqp', async (): Promise<CommandBusFixture> => {
    const b = await amqpBus(url);
    return {
      bus: b.bus, maxDeliveries: 3, close: b.close,
      deadLetters: async () => (await b.readDead()).map((d) => ({
        message: d.message as CommandMessage,
        reason: d.reason === 'delivery_limit' ? 'delivery-limit' as const : 'rejected' as const,
      })),
    };
  });

  describe('command bus on RabbitMQ: topology and failures', () => {
    let b: Awaited<ReturnType<typeof amqpBus>>;
    before(async () => {
      b = await amqpBus(url);
    });
    after(() => b.close());

    it('routes by meter onto durable shard queues, as persistent messages named by commandId/attempt', async () => {
      const meters = ['MTR-1', 'MTR-2', 'MTR-3', 'MTR-4', 'MTR-5', 'MTR-6'];
      await b.bus.publish(meters.map((meter, i) => ({ commandId: `cmd-${i}`, meter, attempt: 2 })));
      const ch = await b.connection.channel();
      const found = new Map<string, { queue: string; message: GetMessage }>();
      try {
        for (const { name } of b.bus.names.queues) {
          for (let g = await ch.get(name, { noAck: true }); g; g = await ch.get(name, { noAck: true })) found.set(g.properties.messageId as string, { queue: name, message: g });
        }
      } finally {
        await ch.close();
      }
      assert.equal(found.size, meters.length);
      for (const [i, meter] of meters.entries()) {
        const got = found.get(`cmd-${i}/2`);
        assert.ok(got, `cmd-${i} published`);
        assert.equal(got.queue, b.bus.names.queues[shardOf(meter, 2)]!.name, `${meter} on its shard`);
        assert.deepEqual(JSON.parse(got.message.content.toString()), { commandId: `cmd-${i}`, meter, attempt: 2 });
        assert.equal(got.message.properties.deliveryMode, 2, 'persistent');
        assert.equal(got.message.properties.contentType, COMMAND_CONTENT_TYPE);
      }
      assert.ok(new Set([...found.values()].map((f) => f.queue)).size === 2, 'these six meters spread over both shards');
    });

    it('dead-letters an unparseable message without calling the handler', async () => {
      const seen: CommandMessage[] = [];
      const consumer = await b.bus.consume(async (m) => {
        seen.push(m);
      });
      const ch = await b.connection.confirmChannel();
      try {
        ch.publish(b.bus.names.exchange, 'shard.0', Buffer.from('{"commandId": 42'), { persistent: true });
        ch.publish(b.bus.names.exchange, 'shard.1', Buffer.from(JSON.stringify({ commandId: 'cmd-x', meter: 'M', attempt: 0 })), { persistent: true });
        await ch.waitForConfirms();
      } finally {
        await ch.close();
      }
      let dead: Awaited<ReturnType<typeof b.readDead>> = [];
      await eventually('both in the dead queue', async () => (dead = await b.readDead()).length === 2);
      assert.deepEqual(dead.map((d) => d.reason), ['rejected', 'rejected']);
      assert.deepEqual(dead.map((d) => d.message).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
        [{ raw: '{"commandId": 42' }, { raw: '{"commandId":"cmd-x","meter":"M","attempt":0}' }]);
      assert.deepEqual(seen, []);
      await consumer.stop();
    });

    it('a consumer whose connection dropped reconnects by itself and gets the unacknowledged message again', async () => {
      const seen: string[] = [];
      let first = true;
      let release!: () => void;
      const stuck = new Promise<void>((r) => (release = r));
      const consumer = await b.bus.consume(async (m) => {
        seen.push(m.commandId);
        if (first) {
          first = false;
          await stuck;
        }
      });
      await b.bus.publish([{ commandId: 'cmd-drop', meter: 'MTR-9', attempt: 1 }]);
      await eventually('first delivery', () => seen.length === 1);
      await (await b.connection.open()).close();
      await eventually('redelivered after the reconnect', () => seen.length === 2, 20_000);
      assert.deepEqual(seen, ['cmd-drop', 'cmd-drop']);
      release();
      await consumer.stop();
    });

    it('refuses to start on names declared with other arguments, saying so', async () => {
      await assert.rejects(AmqpCommandBus.create(b.connection, options(b.prefix, { maxDeliveries: 7 })),
        /declaring the command topology .* failed: .*PRECONDITION_FAILED.*other arguments/);
    });
  });

  describe('command bus on RabbitMQ: broker unreachable', () => {
    let connection: AmqpConnection;
    before(() => {
      connection = testConnection('amqp://guest:secret@127.0.0.1:1');
    });
    after(() => connection.close());

    it('fails with a clear, retryable error that does not show the password', async () => {
      const err = await AmqpCommandBus.create(connection, options(uniquePrefix('down'))).catch((e: unknown) => e);
      assert.ok(err instanceof BrokerUnavailable, String(err));
      assert.match(err.message, /AMQP broker at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1\/? unreachable: .*ECONNREFUSED/);
      assert.doesNotMatch(err.message, /secret/);
    });
  });
}
