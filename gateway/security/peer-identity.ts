import type { Grant, InterfaceName } from './security-config.js';
import { interfaceNames } from './security-config.js';

/** An authenticated caller, as the policy and the audit log see it. */
export interface Peer {
  id: string;
  /** Header/Source values it may send; ['*'] for the anonymous local peer. */
  sources: readonly string[];
  interfaces: ReadonlySet<InterfaceName>;
  grants: '*' | readonly Grant[];
  /** How it proved who it is (several when more than one credential agreed). */
  via: readonly ('mtls' | 'ws-security' | 'jwt' | 'loopback')[];
}

/** A WS-Security UsernameToken as read from the SOAP header; checked by ws-security.ts. */
export interface UsernameToken {
  username: string;
  password: string;
  passwordType: 'PasswordDigest' | 'PasswordText' | 'unknown';
  nonce?: string;
  created?: string;
}

/** What the client certificate of a TLS connection says (only trusted when authorized). */
export interface ClientCertificate {
  authorized: boolean;
  /** Why the chain was not trusted (unknown CA, expired, …). */
  error?: string;
  cn?: string;
  /** Subject DN as 'C=CL, O=Utility, CN=mdm' (certificate order). */
  dn: string;
}

/** Everything a request presented, gathered by the ingress before any message is read. */
export interface Credentials {
  remoteAddress?: string;
  certificate?: ClientCertificate;
  bearer?: string;
  /** An Authorization scheme other than Bearer (Basic, …): not a mechanism this gateway accepts. */
  otherScheme?: string;
  usernameToken?: UsernameToken;
  /** A wsse:Security header was present but held no usable UsernameToken. */
  wsSecurityProblem?: string;
}

export type AuthCode = '7.1' | '7.2' | '7.3' | '7.4';

export type AuthOutcome =
  | { ok: true; peer: Peer }
  | {
    ok: false;
    code: AuthCode;
    /** Told to the caller: never says which part of a credential was wrong. */
    reason: string;
    /** For the audit log only: the precise cause, without any secret. */
    detail: string;
    /** The identity the credential claimed (username, subject), for the audit log. */
    claimed?: string;
  };

/** Peer used when nothing is configured and everything happens on this host (the embedded default). */
export const LOCAL_PEER: Peer = Object.freeze({
  id: 'local',
  sources: Object.freeze(['*']),
  interfaces: new Set(interfaceNames),
  grants: '*',
  via: Object.freeze(['loopback'] as const),
});

export const isLocalPeer = (peer: Peer): boolean => peer === LOCAL_PEER;

export function authFailure(code: AuthCode, reason: string, detail: string, claimed?: string): AuthOutcome {
  return { ok: false, code, reason, detail, ...(claimed ? { claimed } : {}) };
}
