import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { SecurityConfig } from './security-config.js';
import { authFailure, type AuthOutcome } from './peer-identity.js';
import type { PeerDirectory } from './peer-directory.js';

type JwtConfig = NonNullable<SecurityConfig['jwt']>;

/** Bearer tokens: signature against the issuer's keys (embedded or JWKS URL), iss, aud, exp/nbf, then sub → peer. */
export class JwtVerifier {
  private readonly keys: JWTVerifyGetKey;
  constructor(private readonly directory: PeerDirectory, private readonly config: JwtConfig) {
    // The remote set caches keys and refetches on an unknown kid (cooldown built in), so a key rotation needs no restart.
    this.keys = config.jwksUrl ? createRemoteJWKSet(new URL(config.jwksUrl)) : createLocalJWKSet({ keys: config.keys } as unknown as JSONWebKeySet);
  }

  async verify(token: string, now: Date): Promise<AuthOutcome> {
    let sub: string | undefined;
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.config.algorithms,
        clockTolerance: this.config.clockToleranceSeconds,
        currentDate: now,
        requiredClaims: ['exp', 'sub'],
      });
      sub = payload.sub;
    } catch (err) {
      return authFailure('7.4', 'bearer token not accepted', describe(err));
    }
    const peer = sub === undefined ? undefined : this.directory.bearer(sub);
    if (!peer) return authFailure('7.4', 'bearer token not accepted', 'no peer for the token subject', sub);
    return { ok: true, peer: { ...peer, via: ['jwt'] } };
  }
}

/** The cause for the audit log; jose's messages name claims, never the token itself. */
function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `claim ${err.claim} invalid (${err.reason})`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature invalid';
  if (err instanceof errors.JOSEError) return `${err.code}`;
  return 'unreadable token';
}
