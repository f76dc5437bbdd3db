import { hostname } from 'node:os';
import type { GatewayConfig } from '../../config/config.js';
import type { Logger } from '../../logging/logger.js';
import { AmqpConnection } from './amqp-connection.js';
import { AmqpCommandBus } from './command-bus.amqp.js';
import { AmqpDeadCommands } from './dead-commands.amqp.js';
import { AmqpDelivery } from './delivery.amqp.js';

export interface AmqpAdapters {
  connection: AmqpConnection;
  /** Pass to createCommandsModule({ bus, maxBacklog: config.amqp.commands.maxBacklog }). */
  commandBus: AmqpCommandBus;
  /** The command bus's dead queue, for the operator path (/admin/commands/dead). */
  deadCommands: AmqpDeadCommands;
  /** Pass to RoutingDelivery({ http, amqp: delivery }) for the outbox. */
  delivery: AmqpDelivery;
  /** Declares the command topology; await it at start to fail fast on a missing or misconfigured broker. */
  ready(): Promise<void>;
  /** For readiness: true when the broker connection is (or could be re-)opened. */
  reachable(): Promise<boolean>;
  /** After the commands module and the outbox poller stopped. */
  close(): Promise<void>;
}

/** The broker half of the cluster composition (for app.ts): one connection shared by the command bus and the event delivery. */
export function createAmqpAdapters(config: Readonly<GatewayConfig>, log: Logger): AmqpAdapters {
  if (!config.amqpUrl) throw new Error('amqpUrl (AMQP_URL) is required for the RabbitMQ adapters');
  const { amqp } = config;
  const connection = new AmqpConnection(config.amqpUrl, {
    log: log.child({ component: 'amqp' }), name: `cim-gateway ${hostname()} pid ${process.pid}`, connectTimeoutMs: amqp.connectTimeoutMs,
  });
  const commandBus = new AmqpCommandBus(connection, {
    prefix: amqp.prefix, shards: amqp.commands.shards, prefetch: amqp.commands.prefetch, maxDeliveries: amqp.commands.maxDeliveries,
    confirmTimeoutMs: amqp.confirmTimeoutMs, log: log.child({ component: 'command-bus' }),
  });
  const delivery = new AmqpDelivery(connection, { confirmTimeoutMs: amqp.confirmTimeoutMs, log: log.child({ component: 'amqp-delivery' }) });
  return {
    connection, commandBus, delivery, deadCommands: new AmqpDeadCommands(connection, commandBus),
    ready: () => commandBus.ready(),
    reachable: () => connection.open().then(() => true, () => false),
    close: async () => {
      await commandBus.close();
      await delivery.close();
      await connection.close();
    },
  };
}
