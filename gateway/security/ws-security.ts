import { createHash, timingSafeEqual } from 'node:crypto';
import { child, children, attr, type XNode } from '../xml/xnode.js';
import type { SecurityConfig } from './security-config.js';
import { authFailure, type AuthOutcome, type Credentials, type UsernameToken } from './peer-identity.js';
import type { PeerDirectory } from './peer-directory.js';
import type { NonceRegistry } from '../ports/nonce-registry.port.js';

export const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
export const WSU_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const TOKEN_PROFILE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#';

/** Reads wsse:Security/UsernameToken from a SOAP Header (already an XNode, so size limits applied). */
export function readWsSecurity(soapHeader: XNode | undefined): Pick<Credentials, 'usernameToken' | 'wsSecurityProblem'> {
  const security = children(soapHeader, 'Security', WSSE_NS);
  if (security.length === 0) return {};
  if (security.length > 1) return { wsSecurityProblem: 'more than one wsse:Security header' };
  const token = child(security[0], 'UsernameToken', WSSE_NS);
  if (!token) return { wsSecurityProblem: 'wsse:Security holds no UsernameToken (the only token type accepted)' };
  const password = child(token, 'Password', WSSE_NS);
  const type = attr(password, 'Type') ?? `${TOKEN_PROFILE}PasswordText`;
  const usernameToken: UsernameToken = {
    username: child(token, 'Username', WSSE_NS)?.text?.trim() ?? '',
    password: password?.text?.trim() ?? '',
    passwordType: type === `${TOKEN_PROFILE}PasswordDigest` ? 'PasswordDigest' : type === `${TOKEN_PROFILE}PasswordText` ? 'PasswordText' : 'unknown',
  };
  const nonce = child(token, 'Nonce', WSSE_NS)?.text?.trim();
  const created = child(token, 'Created', WSU_NS)?.text?.trim();
  if (nonce) usernameToken.nonce = nonce;
  if (created) usernameToken.created = created;
  return { usernameToken };
}

/** Base64(SHA-1(nonce + created + password)), the UsernameToken Profile 1.0 digest. */
export function passwordDigest(nonceBase64: string, created: string, password: string): string {
  return createHash('sha1').update(Buffer.concat([Buffer.from(nonceBase64, 'base64'), Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')])).digest('base64');
}

/**
 * Nonces seen within the replay window, in this process (the embedded profile). Bounded: when
 * full of live nonces it refuses new tokens (7.1, retry later) rather than forgetting one,
 * which would re-open a replay.
 */
export class NonceCache implements NonceRegistry {
  private readonly seen = new Map<string, number>();
  constructor(private readonly capacity: number) {}

  async remember(key: string, expiresAt: Date, now: Date): Promise<'fresh' | 'replayed' | 'full'> {
    const t = now.getTime();
    const known = this.seen.get(key);
    if (known !== undefined && known > t) return 'replayed';
    if (this.seen.size >= this.capacity) {
      for (const [k, exp] of this.seen) if (exp <= t) this.seen.delete(k);
      if (this.seen.size >= this.capacity) return 'full';
    }
    this.seen.set(key, expiresAt.getTime());
    return 'fresh';
  }
}

const REFUSED = 'UsernameToken not accepted';

/** Checks a UsernameToken: digest, freshness of Created, single use of Nonce. */
export class UsernameTokenVerifier {
  private readonly nonces: NonceRegistry;
  constructor(private readonly directory: PeerDirectory, private readonly config: SecurityConfig['wsSecurity'], nonces?: NonceRegistry) {
    this.nonces = nonces ?? new NonceCache(config.nonceCacheSize);
  }

  async verify(token: UsernameToken, now: Date): Promise<AuthOutcome> {
    const user = token.username;
    // Cleartext passwords travel through proxies and end up in their logs; digest only.
    if (token.passwordType !== 'PasswordDigest') return authFailure('7.3', 'only PasswordDigest UsernameTokens are accepted', `password type ${token.passwordType}`, user);
    if (!token.nonce || !token.created) return authFailure('7.4', `${REFUSED}: Nonce and Created are required`, 'Nonce or Created missing', user);
    const created = Date.parse(token.created);
    if (!Number.isFinite(created)) return authFailure('7.4', `${REFUSED}: Created is not a date-time`, 'Created unreadable', user);
    const age = now.getTime() - created;
    if (age > this.config.maxAgeSeconds * 1000) return authFailure('7.4', `${REFUSED}: Created is older than ${this.config.maxAgeSeconds} s`, `stale token, age ${Math.round(age / 1000)} s`, user);
    if (-age > this.config.clockSkewSeconds * 1000) return authFailure('7.4', `${REFUSED}: Created is in the future`, `Created ${Math.round(-age / 1000)} s ahead`, user);
    const entry = this.directory.user(user);
    // Compare anyway with a throw-away secret so an unknown user costs the same as a wrong password.
    const expected = Buffer.from(passwordDigest(token.nonce, token.created, entry?.password ?? '\u0000unknown'), 'base64');
    const given = Buffer.from(token.password, 'base64');
    const match = given.length === expected.length && timingSafeEqual(given, expected);
    if (!entry) return authFailure('7.4', REFUSED, 'unknown username', user);
    if (!match) return authFailure('7.4', REFUSED, 'wrong password digest', user);
    // Only after the digest proved the sender knows the password, so strangers cannot fill the cache.
    const windowEnd = created + (this.config.maxAgeSeconds + this.config.clockSkewSeconds) * 1000;
    const seen = await this.nonces.remember(`${user}\u0000${token.nonce}`, new Date(windowEnd), now);
    if (seen === 'replayed') return authFailure('7.4', `${REFUSED}: Nonce already used`, 'replayed nonce', user);
    if (seen === 'full') return authFailure('7.1', 'too many authentications in the replay window; retry later', 'nonce cache full', user);
    return { ok: true, peer: { ...entry.peer, via: ['ws-security'] } };
  }
}
