import type { Peer } from './peer-identity.js';
import type { InterfaceName } from './security-config.js';

/** Which interfaces and (verb, noun) pairs a peer may use: the one place that decides it. */
export function mayUseInterface(peer: Peer, iface: InterfaceName): boolean {
  return peer.interfaces.has(iface);
}

export function mayCall(peer: Peer, iface: InterfaceName, verb: string, noun: string): boolean {
  if (!mayUseInterface(peer, iface)) return false;
  if (peer.grants === '*') return true;
  return peer.grants.some((g) => (g.verb === '*' || g.verb === verb) && (g.noun === '*' || g.noun === noun));
}

/** Header/Source must be one the authenticated peer may speak for. */
export function maySpeakFor(peer: Peer, source: string): boolean {
  return peer.sources.includes('*') || peer.sources.includes(source);
}
