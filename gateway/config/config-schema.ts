import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { endpointProblem } from '../domain/subscriptions/endpoint.js';
import { securitySchema } from '../security/security-config.js';
import { i8Schema } from '../i8/i8-config.js';
import { amqpSchema } from './amqp-config.js';

/** Repository root (where package.json is), from source or from dist/, whatever the working directory. */
export const repoRoot = ((): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();

/** Replies go to a ReplyAddress over HTTP. */
const deliveryProtocol = z.enum(['SOAP', 'REST']);
/** Subscribers may also take events from an exchange on the gateway's broker. */
const subscriptionProtocol = z.enum(['SOAP', 'REST', 'AMQP']);

export const configSchema = z.object({
  profile: z.enum(['embedded', 'cluster']).default('embedded'),
  http: z.object({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
    /** Seconds given to in-flight requests on shutdown before connections are cut. */
    shutdownGraceSeconds: z.number().positive().default(10),
    /** A client must send its headers within this, and the whole request within the next; slow senders are cut. */
    headersTimeoutSeconds: z.number().positive().default(15),
    requestTimeoutSeconds: z.number().positive().default(120),
    keepAliveTimeoutSeconds: z.number().positive().default(5),
  }).prefault({}),
  dataDir: z.string().default(path.join(repoRoot, 'data')),
  databaseUrl: z.string().optional(),
  /** PostgreSQL (cluster profile; the database is `databaseUrl` / DATABASE_URL). */
  database: z.object({
    /**
     * Connections per instance. Every statement holds one for a whole event-loop turn of this
     * process (docs/benchmarks.md, "Cluster profile"), so with too few the requests queue for a
     * connection while the database idles. Mind max_connections: instances × poolSize + a few.
     */
    poolSize: z.number().int().min(2).max(500).default(20),
  }).strict().prefault({}),
  amqpUrl: z.string().optional(),
  /** Names and limits on the broker (used when amqpUrl is set). */
  amqp: amqpSchema.prefault({}),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  gateway: z.object({
    /** Header/Source this gateway puts on the messages it emits. */
    source: z.string().min(1).default('CIM-GATEWAY'),
  }).prefault({}),
  schemas: z.object({
    /**
     * Folders of XSD files, loaded in order. A later folder's schema with the same
     * targetNamespace replaces the earlier one: that is how a utility profiles CIM.
     */
    folders: z.array(z.string()).min(1).default([path.join(repoRoot, 'xsd')]),
  }).prefault({}),
  limits: z.object({
    maxBodyBytes: z.number().int().positive().default(64 * 1024 * 1024),
    maxDepth: z.number().int().min(8).max(250).default(64),
    maxElements: z.number().int().positive().default(2_000_000),
    maxAttributesPerElement: z.number().int().positive().default(32),
    /** Bound on a Compressed payload once inflated, against zip bombs. */
    maxDecompressedBytes: z.number().int().positive().default(256 * 1024 * 1024),
    maxJsonDepth: z.number().int().positive().default(64),
    /**
     * Longest attribute value and longest text node (characters). No CIM field is long; a huge
     * one is an attack on whatever copies it (logs, JSON, SQLite). Payload/Compressed is exempt:
     * maxBodyBytes and maxDecompressedBytes bound it.
     */
    maxAttributeValueChars: z.number().int().positive().default(64 * 1024),
    maxTextChars: z.number().int().positive().default(1024 * 1024),
  }).prefault({}),
  protocol: z.object({
    /** Accepted Header/Revision values; empty means any revision is accepted. */
    acceptedRevisions: z.array(z.string()).default([]),
    /** Sources (peers) that must send a MessageID; others get one assigned. */
    requireMessageIdFrom: z.array(z.string()).default([]),
    /** A duplicate arriving while the original is still being processed after this long is re-run. */
    idempotencyLeaseSeconds: z.number().positive().default(300),
  }).prefault({}),
  replies: z.object({
    /** Protocol used for a ReplyAddress when no rule below matches. */
    defaultProtocol: deliveryProtocol.default('SOAP'),
    /** URL prefix → protocol, longest prefix wins. */
    protocolByAddress: z.record(z.string(), deliveryProtocol).default({}),
  }).prefault({}),
  readings: z.object({
    /** ReadingType code → channel table; unmapped codes are answered 2.10. */
    mappingFile: z.string().default(path.join(repoRoot, 'mappings', 'reading-types.json')),
    /** Readings per ResponseMessage of a get; more makes further pages (0.1 … 0.2). */
    pageSize: z.number().int().positive().default(10_000),
    /** A get matching more readings than this is refused with 3.1. */
    maxResultReadings: z.number().int().positive().default(2_000_000),
    maxMetersPerGet: z.number().int().positive().default(10_000),
    /** Ask the head-end when the store has nothing for a meter (Request/Option source=HES always does). */
    onDemandWhenEmpty: z.boolean().default(false),
    /** Window of an on-demand read when the request gives none: the last N hours. */
    onDemandWindowHours: z.number().positive().default(24),
    streaming: z.object({
      /** Bodies above this Content-Length (or chunked) are ingested while they arrive, never buffered whole. */
      thresholdBytes: z.number().int().positive().default(4 * 1024 * 1024),
      /** Upper bound of a streamed body (the buffered path keeps limits.maxBodyBytes). */
      maxBytes: z.number().int().positive().default(4 * 1024 * 1024 * 1024),
      /**
       * MeterReading elements validated together as one small document. 20 (~200 KB): the
       * libxml2 tree of a batch is ~10× its text, in the worker and, when it helps, on the request
       * thread too; 50 peaked 30 MB higher for the 100 MB ingest at the same speed, 250 +60 MB more.
       */
      fragmentsPerBatch: z.number().int().positive().default(20),
      /** A batch is also sent once it holds this many bytes: large MeterReadings make small batches (the worker's DOM is ~10× the batch). */
      batchBytes: z.number().int().positive().default(1024 * 1024),
      /**
       * Largest single child of MeterReadings (with the whitespace and comments before it): the
       * streamed reader holds one whole, so this bounds its memory. 16 MB is ~150,000 readings.
       */
      maxFragmentBytes: z.number().int().positive().default(16 * 1024 * 1024),
      /**
       * MeterReading elements handed to the reading store per staging call, staged while the next
       * ones are read and validated. Unset: 100 in the cluster profile (a call is a COPY and round
       * trips to PostgreSQL; ~10,000 readings, ~1.7 MB of COPY each), `fragmentsPerBatch` in the
       * embedded one (staging is in-process memory: larger calls only raised the 100 MB ingest's
       * peak RSS, 181 → 209 MB).
       */
      stagingFragments: z.number().int().positive().optional(),
      /**
       * Batches being validated at once (bounds memory, keeps both cores busy); the request thread
       * validates a batch itself once a worker has `inFlightBatches − 1` waiting. Unset: 3 embedded,
       * 5 in the cluster profile, where PostgreSQL needs CPU time too and the request thread stealing
       * validation left the worker idle (100 MB ingest 3.38 → 2.84 s, medians of five alternating runs).
       */
      inFlightBatches: z.number().int().positive().optional(),
      /** Validate in worker threads (false: on the request thread, for debugging). */
      worker: z.boolean().default(true),
      /**
       * Validation worker threads; unset: one less than os.availableParallelism(), at least one
       * (the request thread scans, maps and stages, and validates a batch itself when they lag).
       */
      validationWorkers: z.number().int().positive().optional(),
      /**
       * Start the validation threads (and compile their schemas) when the gateway starts listening,
       * not on the first large message (which then waits ~0.5 s for them). Unset: on in the cluster
       * profile; off in the embedded one, where a warm thread cost ~15 MB idle and lifted the 100 MB
       * ingest's peak RSS from ~178 MB to 200–210 MB (its < 200 MB target).
       */
      warmWorkers: z.boolean().optional(),
    }).prefault({}),
  }).prefault({}),
  provisioning: z.object({
    /** Meters per `get MeterConfig` page when the request asks for no pageSize. */
    pageSize: z.number().int().positive().default(1000),
    /** Upper bound on a requested pageSize (a page is one message held in memory). */
    maxPageSize: z.number().int().positive().default(10_000),
    /** Meters per created/changed MeterConfig event (a bulk message becomes several events). */
    eventChunk: z.number().int().positive().default(1000),
    /** Zone of concentrator collection and read schedule cron expressions. */
    timeZone: z.string().default('America/Santiago'),
    /** Concentrator id → its collections (replaces the seed's `collections` for that concentrator). */
    collections: z.record(z.string(), z.array(z.object({ kind: z.enum(['load-profile', 'events']), cron: z.string().min(1) }))).default({}),
    /** How often due read schedules and concentrator collections are looked for (gateway clock). */
    collectionPollMs: z.number().int().positive().default(1_000),
  }).prefault({}),
  demo: z.object({
    /** Provision the demo network at start (idempotent), so a first `npm start` shows data. */
    enabled: z.boolean().default(true),
    seedFile: z.string().default(path.join(repoRoot, 'seeds', 'demo-network.json')),
  }).prefault({}),
  outbox: z.object({
    pollMs: z.number().int().positive().default(250),
    maxAttempts: z.number().int().positive().default(12),
    baseDelayMs: z.number().int().positive().default(1_000),
    maxDelayMs: z.number().int().positive().default(10 * 60_000),
    requestTimeoutMs: z.number().int().positive().default(15_000),
    batchSize: z.number().int().positive().default(32),
  }).prefault({}),
  events: z.object({
    /** The EndDeviceEventType table: CIM codes, HES vendor codes, status-word bits. */
    typesFile: z.string().default(path.join(repoRoot, 'mappings', 'end-device-event-types.json')),
    /** Most events one get EndDeviceEvents answers (the rest: 0.2, narrow the window). */
    maxGetResults: z.number().int().positive().default(10_000),
    /** Events handed to the publisher per pass. */
    publishBatch: z.number().int().positive().default(500),
  }).prefault({}),
  outages: z.object({
    /** Interruptions strictly longer than this are outages (the use case's 30 s rule). */
    thresholdSeconds: z.number().positive().default(30),
    /** Offs of one transformer / concentrator starting within this of the outage's first off join it. */
    groupWindowSeconds: z.number().nonnegative().default(60),
    /** How often the gateway clock is checked for offs that passed the threshold without a restore. */
    checkMs: z.number().int().positive().default(1_000),
  }).prefault({}),
  hes: z.object({
    /** embedded: the built-in simulator in this process; http: a head-end (or the simulator process) at `url`. */
    mode: z.enum(['embedded', 'http']).default('embedded'),
    url: z.string().optional(),
    requestTimeoutMs: z.number().int().positive().default(10_000),
    /** How often the http adapter asks the head-end for pushed readings and events. */
    pollMs: z.number().int().positive().default(1_000),
    simulator: z.object({
      /** Default: <dataDir>/hes-simulator. */
      dataDir: z.string().optional(),
      seed: z.number().int().default(1),
      /** Real delay = simulated link latency × timeScale (0: no waiting). */
      timeScale: z.number().nonnegative().default(0),
      retryBudget: z.number().int().positive().default(3),
      thresholdDb: z.number().default(15),
      defaultLink: z.record(z.string(), z.number()).default({}),
      /** Concentrator id → PLC link parameters (see docs/hes-simulator.md). */
      concentrators: z.record(z.string(), z.record(z.string(), z.number())).default({}),
      cellular: z.record(z.string(), z.number()).default({}),
      statusWordProbability: z.number().min(0).max(1).default(0.01),
      /** Cron for pushing load profiles and status words (empty: off). */
      collectSchedule: z.string().default(''),
    }).prefault({}),
  }).prefault({}),
  commands: z.object({
    /** EndDeviceControlType code → HES command table. */
    mappingFile: z.string().default(path.join(repoRoot, 'mappings', 'end-device-control-types.json')),
    pollMs: z.number().int().positive().default(250),
    /** Commands leased per dispatcher pass, and how many are with the head-end at once. */
    batchSize: z.number().int().positive().default(32),
    concurrency: z.number().int().positive().default(8),
    /** A sent command whose answer has not come after this is sent again (same commandId). */
    leaseMs: z.number().int().positive().default(120_000),
    /** Attempts for transient head-end failures before the command is dead (4.1 to the sender). */
    maxAttempts: z.number().int().positive().default(6),
    baseDelayMs: z.number().int().positive().default(2_000),
    maxDelayMs: z.number().int().positive().default(5 * 60_000),
    /** HES command kind → priority (overrides the mapping table). */
    priorities: z.record(z.string(), z.number().int()).default({}),
    /** Case-insensitive regex over EndDeviceControl/reason → priority (the highest match wins). */
    priorityByReason: z.record(z.string(), z.number().int()).default({ 'safety|emergency|danger': 100, 'payment|paid': 90 }),
    maxDevicesPerRequest: z.number().int().positive().default(10_000),
    timeSync: z.object({
      /** Cron for synchronising every in-service meter's clock (empty: only on request). */
      schedule: z.string().default(''),
      /** A corrected offset beyond this raises a clock-drift event (3.36.0.79). */
      driftThresholdSeconds: z.number().nonnegative().default(10),
    }).prefault({}),
  }).prefault({}),
  subscriptions: z.object({
    /** The admin API answers only on loopback (embedded default, until the security issue lands). */
    adminLoopbackOnly: z.boolean().default(true),
    /** Subscriptions from configuration, kept in the store under their id at every start. */
    items: z.array(z.object({
      id: z.string().min(1),
      /** http(s) URL for SOAP and REST; amqp:<exchange>/<routing-key> for AMQP. */
      endpoint: z.string().min(1),
      noun: z.string().min(1).default('EndDeviceEvents'),
      protocol: subscriptionProtocol.default('SOAP'),
      eventTypes: z.array(z.string()).optional(),
      deviceGroup: z.string().optional(),
    }).superRefine((s, ctx) => {
      const problem = endpointProblem(s.protocol, s.endpoint);
      if (problem) ctx.addIssue({ code: 'custom', path: ['endpoint'], message: problem });
    })).default([]),
  }).prefault({}),
  /** Transport security, peers and their rights: docs/security.md. */
  security: securitySchema.prefault({}),
  /** I8 stakeholder API and I7 export: docs/i8.md. */
  i8: i8Schema.prefault({}),
  i7: z.object({
    journal: z.object({
      /**
       * The I7 change journals (readings, interruptions) keep an entry at least this many days, and
       * longer while an export client in use has not passed it (docs/i8.md, I7); 0 keeps every entry.
       */
      retentionDays: z.number().nonnegative().default(30),
      /** How often old entries are looked for. */
      pruneEveryMinutes: z.number().positive().default(60),
    }).strict().prefault({}),
  }).strict().prefault({}),
}).superRefine((c, ctx) => {
  c.subscriptions.items.forEach((s, i) => {
    if (s.protocol === 'AMQP' && !c.amqpUrl) {
      ctx.addIssue({ code: 'custom', path: ['subscriptions', 'items', i, 'protocol'], message: 'AMQP subscriptions need a broker: set amqpUrl (AMQP_URL)' });
    }
  });
  // The cluster profile keeps its state in PostgreSQL and dispatches through RabbitMQ: both are required.
  if (c.profile !== 'cluster') return;
  if (!c.databaseUrl || !/^postgres(ql)?:\/\//.test(c.databaseUrl)) ctx.addIssue({ code: 'custom', path: ['databaseUrl'], message: 'the cluster profile needs DATABASE_URL, a postgres:// URL' });
  if (!c.amqpUrl || !/^amqps?:\/\//.test(c.amqpUrl)) ctx.addIssue({ code: 'custom', path: ['amqpUrl'], message: 'the cluster profile needs AMQP_URL, an amqp:// URL' });
});

export type GatewayConfig = z.infer<typeof configSchema>;
