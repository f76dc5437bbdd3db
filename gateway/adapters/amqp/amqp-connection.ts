import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Logger } from '../../logging/logger.js';

/** The broker could not be reached or dropped the connection: worth retrying later. */
export class BrokerUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BrokerUnavailable';
  }
}

/** The URL without its password, fit for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable AMQP URL)';
  }
}

/**
 * One AMQP connection, opened on first use and again after it was lost (no background
 * reconnect loop: the next publish or consumer restart reconnects, and fails fast while the broker
 * is down, so callers see a clear retryable error instead of waiting). Shared by the command bus
 * and the event delivery; each of them uses channels of its own, so a channel error in one (e.g. a
 * publish to a missing exchange) does not disturb the other.
 */
export class AmqpConnection {
  private model: ChannelModel | undefined;
  private opening: Promise<ChannelModel> | undefined;
  private closed = false;
  readonly where: string;

  constructor(private readonly url: string, private readonly options: { log: Logger; name?: string; connectTimeoutMs?: number }) {
    if (!/^amqps?:\/\//.test(url)) throw new Error(`an AMQP URL starts with amqp:// or amqps:// (got ${redactUrl(url)})`);
    this.where = redactUrl(url);
  }

  /** The open connection (connecting if needed); throws BrokerUnavailable when the broker cannot be reached. */
  async open(): Promise<ChannelModel> {
    if (this.closed) throw new Error(`AMQP connection to ${this.where} was closed`);
    if (this.model) return this.model;
    this.opening ??= this.connect().finally(() => (this.opening = undefined));
    return this.opening;
  }

  async channel(): Promise<Channel> {
    return this.wrap(async () => (await this.open()).createChannel());
  }

  async confirmChannel(): Promise<ConfirmChannel> {
    return this.wrap(async () => (await this.open()).createConfirmChannel());
  }

  async close(): Promise<void> {
    this.closed = true;
    const model = this.model ?? (await this.opening?.catch(() => undefined));
    this.model = undefined;
    await model?.close().catch(() => undefined);
  }

  private async connect(): Promise<ChannelModel> {
    let model: ChannelModel;
    try {
      model = await amqp.connect(this.url, {
        timeout: this.options.connectTimeoutMs ?? 5_000,
        clientProperties: { connection_name: this.options.name ?? 'cim-gateway' },
      });
    } catch (err) {
      throw new BrokerUnavailable(`AMQP broker at ${this.where} unreachable: ${(err as Error).message}`);
    }
    if (this.closed) {
      await model.close().catch(() => undefined);
      throw new Error(`AMQP connection to ${this.where} was closed`);
    }
    model.on('error', (err: Error) => this.options.log.warn({ err: err.message, broker: this.where }, 'AMQP connection error'));
    model.on('close', () => {
      if (this.model === model) this.model = undefined;
      if (!this.closed) this.options.log.warn({ broker: this.where }, 'AMQP connection lost; the next use reconnects');
    });
    model.on('blocked', (reason: string) => this.options.log.warn({ broker: this.where, reason }, 'AMQP broker blocked publishing'));
    // RabbitMQ 4 gives quorum queues a default delivery limit of 20, and every look at the command
    // dead queue counts as a delivery: without the policy, the 21st look drops a dead message.
    const version = String(model.connection.serverProperties?.version ?? '');
    if (Number.parseInt(version, 10) >= 4) {
      this.options.log.warn({ broker: this.where, version },
        "RabbitMQ >= 4: set a policy 'delivery-limit: -1' on the command dead queue (<prefix>.commands.dead), or listing it repeatedly drops messages (docs/cluster.md)");
    }
    this.model = model;
    return model;
  }

  private async wrap<T>(make: () => Promise<T>): Promise<T> {
    try {
      return await make();
    } catch (err) {
      if (err instanceof BrokerUnavailable) throw err;
      // A connection that died meanwhile is forgotten by its 'close' handler: the next call reconnects.
      throw new BrokerUnavailable(`AMQP broker at ${this.where}: could not open a channel: ${(err as Error).message}`);
    }
  }
}
