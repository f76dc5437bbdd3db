import { readFileSync } from 'node:fs';
import type { Peer } from './peer-identity.js';
import type { PeerConfig, SecurityConfig } from './security-config.js';

/**
 * DNs are compared after normalisation so that what `openssl x509 -subject` prints
 * ('C = CL, O = Utility, CN = mdm') and the compact form ('C=CL,O=Utility,CN=mdm') both match.
 */
export function normaliseDn(dn: string): string {
  return dn.split(/\n|,(?=\s*[A-Za-z][\w.]*\s*=)/)
    .map((rdn) => rdn.trim().replace(/^([^=]+?)\s*=\s*/, '$1='))
    .filter(Boolean)
    .join(', ');
}

/** Passwords are read once at start from a file or the environment; they never enter the config tree. */
function passwordOf(p: PeerConfig, env: NodeJS.ProcessEnv): string | undefined {
  if (!p.username) return undefined;
  if (p.passwordFile) {
    try {
      return readFileSync(p.passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new Error(`peer ${p.id}: cannot read passwordFile: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  const value = env[p.passwordEnv!];
  if (value === undefined || value === '') throw new Error(`peer ${p.id}: environment variable ${p.passwordEnv} is not set`);
  return value;
}

/** The configured peers, looked up by each kind of credential. */
export class PeerDirectory {
  private readonly byCert = new Map<string, Peer>();
  private readonly byUser = new Map<string, { peer: Peer; password: string }>();
  private readonly byBearer = new Map<string, Peer>();
  readonly peers: readonly Peer[];

  constructor(config: SecurityConfig, env: NodeJS.ProcessEnv = process.env) {
    const dn = config.tls?.subjectMatch === 'dn';
    this.peers = config.peers.map((p) => {
      const peer: Peer = Object.freeze({
        id: p.id,
        sources: Object.freeze(p.sources ?? [p.id]),
        interfaces: new Set(p.interfaces),
        grants: p.allow === '*' ? '*' : Object.freeze(p.allow.map((g) => ({ ...g }))),
        via: [],
      });
      if (p.certSubject) this.byCert.set(dn ? normaliseDn(p.certSubject) : p.certSubject, peer);
      const password = passwordOf(p, env);
      if (p.username && password !== undefined) this.byUser.set(p.username, { peer, password });
      if (p.bearerSubject) this.byBearer.set(p.bearerSubject, peer);
      return peer;
    });
  }

  get empty(): boolean {
    return this.peers.length === 0;
  }

  certificate(subject: string): Peer | undefined {
    return this.byCert.get(subject);
  }

  user(username: string): { peer: Peer; password: string } | undefined {
    return this.byUser.get(username);
  }

  bearer(subject: string): Peer | undefined {
    return this.byBearer.get(subject);
  }
}
