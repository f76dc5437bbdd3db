/** Loopback checks for the bind address (configuration) and for a connection's remote address. */

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || isLoopbackAddress(host);
}

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.toLowerCase();
  // IPv4-mapped IPv6 is how a dual-stack socket reports 127.0.0.1.
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  return v4.startsWith('127.') || a === '::1';
}
