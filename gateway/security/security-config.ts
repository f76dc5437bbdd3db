import { z } from 'zod';

/** The interfaces a peer may be granted; I8 and I11/I12 join this list when they exist. */
export const interfaceNames = ['i6-soap', 'i6-rest', 'admin'] as const;
export type InterfaceName = (typeof interfaceNames)[number];

/** One (verb, noun) grant; '*' in either field matches any verb or any noun. */
const grant = z.object({ verb: z.string().min(1), noun: z.string().min(1) }).strict();

const window = z.object({
  max: z.number().int().min(0),
  windowSeconds: z.number().int().positive(),
}).strict();

const peer = z.object({
  /** The identity: what the audit log records and what Header/Source must say. */
  id: z.string().min(1),
  /** Header/Source values this peer may send; default [id]. */
  sources: z.array(z.string().min(1)).optional(),
  /** Client certificate subject: the CN, or the full DN when tls.subjectMatch is 'dn'. */
  certSubject: z.string().min(1).optional(),
  /** WS-Security UsernameToken user; its password comes from a file or an environment variable, never from this file. */
  username: z.string().min(1).optional(),
  passwordFile: z.string().min(1).optional(),
  passwordEnv: z.string().min(1).optional(),
  /** `sub` claim of the bearer JWTs this peer presents. */
  bearerSubject: z.string().min(1).optional(),
  interfaces: z.array(z.enum(interfaceNames)).min(1),
  allow: z.union([z.literal('*'), z.array(grant)]),
}).strict().refine((p) => !p.username || Boolean(p.passwordFile) !== Boolean(p.passwordEnv), {
  message: 'a peer with a username needs exactly one of passwordFile or passwordEnv',
});

export const securitySchema = z.object({
  /** Plain HTTP on a non-loopback address is refused unless this is set (e.g. TLS ends at a proxy on the same host). */
  allowPlainHttp: z.boolean().default(false),
  tls: z.object({
    certFile: z.string().min(1),
    keyFile: z.string().min(1),
    /** CA bundle that signs the client certificates of mTLS peers. */
    caFile: z.string().min(1).optional(),
    /** Ask clients for a certificate (mTLS peers); those without one may still use a bearer token or WS-Security. */
    requestClientCert: z.boolean().default(false),
    /** Refuse the TLS handshake of any client without a certificate from caFile. */
    requireClientCert: z.boolean().default(false),
    subjectMatch: z.enum(['cn', 'dn']).default('cn'),
  }).strict().optional(),
  peers: z.array(peer).default([]),
  jwt: z.object({
    issuer: z.string().min(1),
    audience: z.string().min(1),
    jwksUrl: z.url().optional(),
    /** Public keys of the issuer as JWKs (embedded alternative to jwksUrl). */
    keys: z.array(z.record(z.string(), z.unknown())).optional(),
    algorithms: z.array(z.string()).default(['RS256', 'ES256', 'PS256', 'EdDSA']),
    clockToleranceSeconds: z.number().int().min(0).default(30),
  }).strict().refine((j) => Boolean(j.jwksUrl) !== Boolean(j.keys?.length), { message: 'jwt needs exactly one of jwksUrl or keys' }).optional(),
  wsSecurity: z.object({
    /** A UsernameToken whose Created is older than this is stale (7.4). */
    maxAgeSeconds: z.number().int().positive().default(300),
    /** How far in the future Created may be (peer clocks drift). */
    clockSkewSeconds: z.number().int().min(0).default(60),
    /** Nonces remembered at most; beyond it new tokens get 7.1 rather than forgetting a live nonce. */
    nonceCacheSize: z.number().int().positive().default(100_000),
  }).strict().prefault({}),
  disconnectGuard: z.object({
    perPeer: window.optional(),
    system: window.optional(),
    /** EndDeviceControlType codes that open the supply switch. */
    disconnectCodes: z.array(z.string().min(1)).default(['3.31.0.23']),
  }).strict().optional(),
  admin: z.object({
    /** Anyone on the gateway's own host may use /admin without credentials. Turn off when a local reverse proxy fronts the gateway. */
    loopback: z.boolean().default(true),
  }).strict().prefault({}),
}).strict().superRefine((s, ctx) => {
  // One credential must name one peer, or authentication would depend on list order.
  for (const key of ['id', 'certSubject', 'username', 'bearerSubject'] as const) {
    const seen = new Set<string>();
    for (const p of s.peers) {
      const v = p[key];
      if (v !== undefined && seen.has(v)) ctx.addIssue({ code: 'custom', path: ['peers'], message: `${key} '${v}' is used by more than one peer` });
      if (v !== undefined) seen.add(v);
    }
  }
});

export type SecurityConfig = z.infer<typeof securitySchema>;
export type PeerConfig = SecurityConfig['peers'][number];
export type Grant = z.infer<typeof grant>;
