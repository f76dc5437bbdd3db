import express, { type Response } from 'express';
import type { AuditLog } from '../../ports/audit-log.port.js';
import type { ClientRegistry } from '../../ports/client-registry.port.js';
import type { Clock } from '../../ports/clock.port.js';
import { verifySecret } from '../client-secret.js';
import type { TokenIssuer } from '../token-issuer.js';

const oauthError = (res: Response, status: number, error: string, description: string) =>
  res.status(status).set('Cache-Control', 'no-store').json({ error, error_description: description });

/** POST /i8/oauth/token: client credentials (RFC 6749 §4.4) in the body or as HTTP Basic; GET the JWKS. */
export function tokenRoutes(deps: { issuer: TokenIssuer; clients: ClientRegistry; audit: AuditLog; clock: Clock }): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '8kb' });
  const json = express.json({ limit: '8kb' });

  router.get('/i8/.well-known/jwks.json', (_req, res) => res.json(deps.issuer.jwks()));

  router.post('/i8/oauth/token', form, json, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    let clientId = typeof body.client_id === 'string' ? body.client_id : undefined;
    let secret = typeof body.client_secret === 'string' ? body.client_secret : undefined;
    const basic = /^Basic\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) [clientId, secret] = [decodeURIComponent(decoded.slice(0, colon)), decodeURIComponent(decoded.slice(colon + 1))];
    }
    if (body.grant_type !== 'client_credentials') return oauthError(res, 400, 'unsupported_grant_type', 'only grant_type=client_credentials');
    if (!deps.issuer.embedded) return oauthError(res, 400, 'invalid_request', 'tokens are issued by the external issuer configured in i8.jwksUrl');
    if (!clientId || !secret) return oauthError(res, 401, 'invalid_client', 'client_id and client_secret are required');
    const client = await deps.clients.get(clientId);
    // One answer for unknown client and wrong secret, so client ids cannot be probed.
    if (!client || client.disabled || !(await verifySecret(secret, client.secretHash))) {
      await deps.audit.append({ at: deps.clock.now(), kind: 'auth.failed', interface: 'i8', peer: clientId, detail: 'token request: bad client credentials', ...(req.socket.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}) });
      return oauthError(res, 401, 'invalid_client', 'unknown client or wrong secret');
    }
    const asked = typeof body.scope === 'string' ? body.scope.split(' ').filter(Boolean) : [...client.scopes];
    const refused = asked.filter((s) => !(client.scopes as string[]).includes(s));
    if (refused.length > 0) return oauthError(res, 400, 'invalid_scope', `not granted to ${client.id}: ${refused.join(' ')}`);
    const { token, expiresIn } = await deps.issuer.issue(client.id, asked, deps.clock.now());
    res.set('Cache-Control', 'no-store').json({ access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: asked.join(' ') });
  });
  return router;
}
