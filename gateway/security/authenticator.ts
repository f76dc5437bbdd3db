import type { Clock } from '../ports/clock.port.js';
import type { NonceRegistry } from '../ports/nonce-registry.port.js';
import { JwtVerifier } from './jwt-verifier.js';
import { isLoopbackAddress, isLoopbackHost } from './network-address.js';
import { normaliseDn, type PeerDirectory } from './peer-directory.js';
import { authFailure, LOCAL_PEER, type AuthOutcome, type Credentials, type Peer } from './peer-identity.js';
import type { InterfaceName, SecurityConfig } from './security-config.js';
import { UsernameTokenVerifier } from './ws-security.js';

export interface AuthenticatorOptions {
  security: SecurityConfig;
  /** The address the gateway listens on: the anonymous local peer exists only on loopback. */
  bindHost: string;
  directory: PeerDirectory;
  clock: Clock;
  /** Where used WS-Security nonces are kept; default in this process (cluster: shared by every instance). */
  nonces?: NonceRegistry;
}

/**
 * Turns what a request presented into a Peer, or a 7.x failure. Every credential presented
 * must be valid and all must name the same peer: a bad token is never "saved" by a good
 * certificate, and a certificate of one peer cannot carry another peer's token.
 */
export class Authenticator {
  private readonly wss: UsernameTokenVerifier;
  private readonly jwt?: JwtVerifier;
  private readonly localAllowed: boolean;

  constructor(private readonly o: AuthenticatorOptions) {
    this.wss = new UsernameTokenVerifier(o.directory, o.security.wsSecurity, o.nonces);
    if (o.security.jwt) this.jwt = new JwtVerifier(o.directory, o.security.jwt);
    this.localAllowed = o.directory.empty && isLoopbackHost(o.bindHost);
  }

  /** True when nothing is configured and the gateway is bound to loopback: the embedded default. */
  get openLocally(): boolean {
    return this.localAllowed;
  }

  async authenticate(creds: Credentials, iface: InterfaceName): Promise<AuthOutcome> {
    const found: Peer[] = [];
    const now = this.o.clock.now();
    if (creds.wsSecurityProblem) return authFailure('7.3', creds.wsSecurityProblem, creds.wsSecurityProblem);
    if (creds.otherScheme) return authFailure('7.3', `Authorization scheme ${creds.otherScheme} is not accepted; use Bearer`, `scheme ${creds.otherScheme}`);
    if (creds.usernameToken) {
      const r = await this.wss.verify(creds.usernameToken, now);
      if (!r.ok) return r;
      found.push(r.peer);
    }
    if (creds.bearer !== undefined) {
      if (!this.jwt) return authFailure('7.3', 'bearer tokens are not configured on this gateway', 'bearer presented, no jwt issuer configured');
      const r = await this.jwt.verify(creds.bearer, now);
      if (!r.ok) return r;
      found.push(r.peer);
    }
    if (creds.certificate) {
      const r = this.byCertificate(creds);
      if (!r.ok) return r;
      found.push(r.peer);
    }
    if (found.length === 0) {
      if (this.localAllowed && isLoopbackAddress(creds.remoteAddress)) return { ok: true, peer: LOCAL_PEER };
      return authFailure('7.2', `authentication required on ${iface}`, 'no credentials presented');
    }
    const ids = new Set(found.map((p) => p.id));
    if (ids.size > 1) return authFailure('7.4', 'the credentials presented name different peers', `credentials name ${[...ids].join(' and ')}`);
    return { ok: true, peer: { ...found[0]!, via: found.flatMap((p) => p.via) } };
  }

  private byCertificate(creds: Credentials): AuthOutcome {
    const cert = creds.certificate!;
    const subject = this.o.security.tls?.subjectMatch === 'dn' ? normaliseDn(cert.dn) : cert.cn;
    if (!cert.authorized) return authFailure('7.4', 'client certificate not trusted', `certificate ${cert.dn}: ${cert.error ?? 'not authorized'}`, cert.dn);
    const peer = subject === undefined ? undefined : this.o.directory.certificate(subject);
    if (!peer) return authFailure('7.4', 'client certificate not accepted', `no peer for certificate subject ${subject ?? cert.dn}`, cert.dn);
    return { ok: true, peer: { ...peer, via: ['mtls'] } };
  }
}
