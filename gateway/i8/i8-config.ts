import { z } from 'zod';

/** Token bucket per client: `burst` requests at once, refilled at `perSecond`. */
const rateLimit = z.object({
  burst: z.number().int().positive(),
  perSecond: z.number().positive(),
}).strict();

/** I8 (stakeholder read-only API) and I7 (warehouse export): docs/i8.md. */
export const i8Schema = z.object({
  enabled: z.boolean().default(true),
  /** `iss` of the tokens the embedded issuer signs (and the one verified). */
  issuer: z.string().min(1).default('urn:cim-gateway:i8'),
  /** `aud` of I8 access tokens. */
  audience: z.string().min(1).default('i8'),
  tokenLifetimeSeconds: z.number().int().positive().max(24 * 3600).default(900),
  /**
   * Verified access tokens kept (by token) until they expire, so a client's next requests skip the
   * signature check; 0 turns the cache off. Client status, scopes and consents are still read per request.
   */
  tokenCacheSize: z.number().int().nonnegative().default(10_000),
  /**
   * Production: verify tokens of an external issuer (its JWKS URL) instead of the embedded one.
   * The token's `sub` must then be a registered client id and `scope` its scopes.
   */
  jwksUrl: z.url().optional(),
  /** Signing algorithm of the embedded issuer; the key is generated at first start in `<dataDir>/i8-issuer-key.json`. */
  algorithm: z.enum(['ES256', 'EdDSA']).default('ES256'),
  rateLimit: rateLimit.prefault({ burst: 60, perSecond: 10 }),
  /** Per-client overrides by client id. */
  rateLimitByClient: z.record(z.string(), rateLimit).default({}),
  pageSize: z.object({
    default: z.number().int().positive().default(1_000),
    max: z.number().int().positive().default(10_000),
  }).strict().prefault({}),
  /** Time zone of report periods and of delivery schedules unless a job names its own. */
  timeZone: z.string().default('America/Santiago'),
  reports: z.object({
    /** Supply interruptions strictly longer than this count for the regulator ("mayor a 3 minutos"). */
    interruptionMinSeconds: z.number().nonnegative().default(180),
    /** Customer-requested disconnections are listed apart and never counted. */
    excludeCustomerRequested: z.boolean().default(true),
    nominalVoltage: z.number().positive().default(220),
    /** Band around nominal, in percent: a sample outside [nominal·(1−b), nominal·(1+b)] is out of band. */
    voltageBandPercent: z.number().positive().max(50).default(7.5),
    /** ReadingType codes holding voltage samples (measurementKind 54, unit 29 V): phases A, B, C to neutral. */
    voltageReadingTypes: z.array(z.string().min(1)).default([
      '0.0.0.6.0.1.54.0.0.0.0.0.0.0.129.0.29.0', '0.0.0.6.0.1.54.0.0.0.0.0.0.0.65.0.29.0', '0.0.0.6.0.1.54.0.0.0.0.0.0.0.33.0.29.0',
    ]),
  }).strict().prefault({}),
  deliveries: z.object({
    /** File deliveries are written here; default `<dataDir>/i8-exports`. */
    folder: z.string().optional(),
    maxAttempts: z.number().int().positive().default(5),
    retryBaseMs: z.number().int().positive().default(2_000),
    requestTimeoutMs: z.number().int().positive().default(30_000),
    /** How often due jobs and retries are looked at. */
    pollMs: z.number().int().positive().default(5_000),
  }).strict().prefault({}),
}).strict();

export type I8Config = z.infer<typeof i8Schema>;
