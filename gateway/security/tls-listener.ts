import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { GatewayConfig } from '../config/config.js';
import { isLoopbackHost } from './network-address.js';
import type { ClientCertificate } from './peer-identity.js';

export class TransportPolicyError extends Error {}

/** Plain HTTP is for the embedded default on this host; anywhere else it needs TLS or an explicit override. */
export function assertTransportAllowed(config: Readonly<GatewayConfig>): void {
  const { security, http } = config;
  if (security.tls || isLoopbackHost(http.host) || security.allowPlainHttp) return;
  throw new TransportPolicyError(`refusing plain HTTP on ${http.host}: configure security.tls (or set security.allowPlainHttp when TLS ends in front of the gateway)`);
}

/** Whether the transport deserves a start-up warning, and why. */
export function transportWarning(config: Readonly<GatewayConfig>): string | undefined {
  if (config.security.tls) return undefined;
  if (!isLoopbackHost(config.http.host)) return 'plain HTTP on a non-loopback address (security.allowPlainHttp): credentials and meter data travel unencrypted';
  return config.security.peers.length === 0
    ? 'plain HTTP on loopback with no peers configured: any local process may call every interface (embedded default)'
    : 'plain HTTP on loopback: configure security.tls before exposing the gateway';
}

/**
 * The listener: HTTPS when TLS is configured, else HTTP. Slow clients are cut by the header and
 * request timeouts; the check interval is shortened so a dribbling client is dropped within
 * about a second of its deadline rather than the 30 s Node checks by default.
 */
export function createListener(config: Readonly<GatewayConfig>, handler: RequestListener): Server {
  const { http, security } = config;
  const options: ServerOptions = {
    requestTimeout: http.requestTimeoutSeconds * 1000,
    headersTimeout: http.headersTimeoutSeconds * 1000,
    keepAliveTimeout: http.keepAliveTimeoutSeconds * 1000,
    connectionsCheckingInterval: Math.min(1000, http.headersTimeoutSeconds * 1000),
  };
  if (!security.tls) return createHttpServer(options, handler);
  const tls = security.tls;
  return createHttpsServer({
    ...options,
    cert: readFileSync(tls.certFile),
    key: readFileSync(tls.keyFile),
    ...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}),
    requestCert: tls.requestClientCert || tls.requireClientCert,
    // Without requireClientCert an untrusted certificate still connects, and is answered 7.4 with a reason.
    rejectUnauthorized: tls.requireClientCert,
    minVersion: 'TLSv1.2',
  }, handler);
}

/** The client certificate of a TLS connection, if the client sent one. */
export function clientCertificate(socket: TLSSocket): ClientCertificate | undefined {
  const cert = socket.getPeerX509Certificate?.();
  if (!cert) return undefined;
  const rdns = cert.subject.split('\n').map((s) => s.trim()).filter(Boolean);
  const cn = rdns.filter((r) => r.startsWith('CN=')).map((r) => r.slice(3)).pop();
  const error = socket.authorizationError;
  return {
    authorized: socket.authorized,
    dn: rdns.join(', '),
    ...(cn ? { cn } : {}),
    ...(error ? { error: typeof error === 'string' ? error : error.message } : {}),
  };
}
