import { createPrivateKey, generateKeyPairSync, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { SignJWT, createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWK, type JWTVerifyGetKey } from 'jose';
import type { I8Config } from './i8-config.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/** Seconds of clock skew accepted on exp / nbf (the external issuer's clock is not ours). */
const CLOCK_TOLERANCE = 30;

/** A private signing key as JWK, with its kid. */
export type PrivateJwk = JWK;

export interface VerifiedToken {
  clientId: string;
  scopes: readonly string[];
}

/**
 * The embedded OAuth issuer: one signing key generated at first start and kept in the data
 * folder (mode 0600), tokens signed with jose. With `i8.jwksUrl` set, tokens of that external
 * issuer are verified instead and this one signs nothing.
 */
export class TokenIssuer {
  private readonly verified: VerifiedTokenCache<VerifiedToken>;

  private constructor(
    private readonly config: I8Config,
    private readonly signing: { key: KeyObject; kid: string } | undefined,
    private readonly publicJwk: JWK | undefined,
    private readonly keys: JWTVerifyGetKey,
  ) {
    this.verified = new VerifiedTokenCache(config.tokenCacheSize);
  }

  /** Synchronous (node:crypto key generation and JWK import) so the composition root stays synchronous. */
  static open(config: I8Config, keyFile: string): TokenIssuer {
    if (config.jwksUrl) return TokenIssuer.withKey(config, undefined);
    let privateJwk: PrivateJwk;
    if (existsSync(keyFile)) privateJwk = JSON.parse(readFileSync(keyFile, 'utf8')) as PrivateJwk;
    else {
      privateJwk = TokenIssuer.newKey(config);
      writeFileSync(keyFile, JSON.stringify(privateJwk), { mode: 0o600 });
    }
    return TokenIssuer.withKey(config, privateJwk);
  }

  /** A fresh signing key of the configured algorithm, as a private JWK with its kid. */
  static newKey(config: I8Config): PrivateJwk {
    const { privateKey } = config.algorithm === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid: randomUUID(), alg: config.algorithm, use: 'sig' };
  }

  /** With a key kept elsewhere (the cluster's shared store); with i8.jwksUrl the key is not used. */
  static withKey(config: I8Config, privateJwk: PrivateJwk | undefined): TokenIssuer {
    if (config.jwksUrl) return new TokenIssuer(config, undefined, undefined, createRemoteJWKSet(new URL(config.jwksUrl)));
    if (!privateJwk) throw new Error('the embedded token issuer needs a signing key');
    const key = createPrivateKey({ key: privateJwk as JsonWebKey, format: 'jwk' });
    const { d: _private, ...publicJwk } = privateJwk;
    return new TokenIssuer(config, { key, kid: privateJwk.kid! }, publicJwk, createLocalJWKSet({ keys: [publicJwk] }));
  }

  get embedded(): boolean {
    return this.signing !== undefined;
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.publicJwk ? [this.publicJwk] : [] };
  }

  async issue(clientId: string, scopes: string[], now: Date): Promise<{ token: string; expiresIn: number }> {
    if (!this.signing) throw new Error('tokens are issued by the external issuer (i8.jwksUrl)');
    const iat = Math.floor(now.getTime() / 1000);
    const expiresIn = this.config.tokenLifetimeSeconds;
    const token = await new SignJWT({ scope: scopes.join(' ') })
      .setProtectedHeader({ alg: this.publicJwk!.alg ?? this.config.algorithm, kid: this.signing.kid, typ: 'at+jwt' })
      .setIssuer(this.config.issuer).setAudience(this.config.audience).setSubject(clientId)
      .setIssuedAt(iat).setExpirationTime(iat + expiresIn).setJti(randomUUID())
      .sign(this.signing.key);
    return { token, expiresIn };
  }

  /**
   * Signature, iss, aud, exp; throws jose's errors (the caller answers 401 without detail). A token
   * verified before is answered from the cache until its exp (same tolerance as the check).
   */
  async verify(token: string, now: Date): Promise<VerifiedToken> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const cached = this.verified.get(token, nowSeconds);
    if (cached) return cached;
    const { payload } = await jwtVerify(token, this.keys, {
      issuer: this.config.issuer, audience: this.config.audience, currentDate: now, requiredClaims: ['exp', 'sub'], clockTolerance: CLOCK_TOLERANCE,
    });
    const scope = typeof payload.scope === 'string' ? payload.scope : '';
    const result: VerifiedToken = Object.freeze({ clientId: payload.sub!, scopes: Object.freeze(scope.split(' ').filter(Boolean)) });
    this.verified.set(token, result, (payload.nbf ?? -Infinity) - CLOCK_TOLERANCE, payload.exp! + CLOCK_TOLERANCE);
    return result;
  }
}
