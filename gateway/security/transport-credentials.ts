import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import type { Credentials } from './peer-identity.js';
import { clientCertificate } from './tls-listener.js';

/** What the connection and the HTTP headers present; SOAP adds the WS-Security header later. */
export function transportCredentials(req: IncomingMessage): Credentials {
  const creds: Credentials = {};
  if (req.socket.remoteAddress) creds.remoteAddress = req.socket.remoteAddress;
  if (req.socket instanceof TLSSocket) {
    const cert = clientCertificate(req.socket);
    if (cert) creds.certificate = cert;
  }
  const authorization = req.headers.authorization?.trim();
  if (authorization) {
    const m = /^(\S+)(?:\s+(.*))?$/.exec(authorization)!;
    if (m[1]!.toLowerCase() === 'bearer') creds.bearer = (m[2] ?? '').trim();
    else creds.otherScheme = m[1]!;
  }
  return creds;
}
