import { z } from 'zod';

/** RabbitMQ (cluster profile; the broker is `amqpUrl` / AMQP_URL): docs/commands.md and docs/events.md, "RabbitMQ". */
export const amqpSchema = z.object({
  /** Every exchange and queue the gateway declares is named `<prefix>.…` (one prefix per deployment sharing a vhost). */
  prefix: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'letters, digits and _ . : - only').default('cim'),
  commands: z.object({
    /** Shard queues, a meter always on the same one. Changing it on a running system needs the old queues drained first. */
    shards: z.number().int().min(1).max(64).default(4),
    /** Unacknowledged messages per shard queue per instance: in flight per instance <= shards × prefetch. */
    prefetch: z.number().int().positive().default(2),
    /** Deliveries of one message before the broker dead-letters it (a handler that keeps failing). */
    maxDeliveries: z.number().int().positive().default(5),
    /** The relay leases nothing while this many messages wait for a consumer (keeps queued messages well inside their lease). */
    maxBacklog: z.number().int().positive().default(256),
  }).strict().prefault({}),
  /** A publish (command or event) not confirmed by the broker within this fails (and is retried). */
  confirmTimeoutMs: z.number().int().positive().default(10_000),
  connectTimeoutMs: z.number().int().positive().default(5_000),
}).strict();

export type AmqpConfig = z.infer<typeof amqpSchema>;
