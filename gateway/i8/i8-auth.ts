import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Clock } from '../ports/clock.port.js';
import type { AuditLog } from '../ports/audit-log.port.js';
import type { ClientRegistry, I8Client, I8Scope } from '../ports/client-registry.port.js';
import type { ConsentStore } from '../ports/consent-store.port.js';
import type { RateLimit, RateLimitBuckets } from '../ports/rate-limit.port.js';
import { visibilityOf, type Visibility } from './data-scope.js';
import { I8Error } from './i8-error.js';
import type { TokenIssuer } from './token-issuer.js';

/** The authenticated caller of one request (res.locals.i8). */
export interface I8Caller {
  client: I8Client;
  /** The token's scopes still granted to the client now (a scope withdrawn from a client stops at once). */
  scopes: ReadonlySet<string>;
  visibility: Visibility;
}

export const callerOf = (res: Response): I8Caller => res.locals.i8 as I8Caller;

export interface AuthDeps {
  issuer: TokenIssuer;
  clients: ClientRegistry;
  consents: ConsentStore;
  limiter: RateLimitBuckets;
  /** The client's allowance (configuration: per client, else the default). */
  limitFor: (clientId: string) => RateLimit;
  audit: AuditLog;
  clock: Clock;
}

const unauthorized = (detail: string, error = 'invalid_token') =>
  new I8Error(401, 'Authentication required', detail, {}, { 'WWW-Authenticate': `Bearer realm="i8", error="${error}"` });

/** Bearer token → registered, enabled client → rate limit → visibility from its data scope and consents. */
export function i8Auth(deps: AuthDeps): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const header = req.get('authorization') ?? '';
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) throw new I8Error(401, 'Authentication required', 'send an access token from POST /i8/oauth/token as `Authorization: Bearer …`', {}, { 'WWW-Authenticate': 'Bearer realm="i8"' });
      const now = deps.clock.now();
      let verified;
      try {
        verified = await deps.issuer.verify(m[1]!, now);
      } catch {
        await deps.audit.append({ at: now, kind: 'auth.failed', interface: 'i8', detail: `${req.method} ${req.baseUrl}${req.path}: token not accepted`, ...(req.socket.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}) });
        throw unauthorized('the access token is invalid or expired');
      }
      const client = await deps.clients.get(verified.clientId);
      if (!client || client.disabled) throw unauthorized(`client ${verified.clientId} is not (or no longer) registered`);
      const limit = await deps.limiter.take(client.id, deps.limitFor(client.id), now.getTime());
      if (!limit.ok) {
        throw new I8Error(429, 'Too many requests', `rate limit of client ${client.id} exceeded; retry in ${limit.retryAfterSeconds} s`,
          { retryAfterSeconds: limit.retryAfterSeconds }, { 'Retry-After': String(limit.retryAfterSeconds) });
      }
      const granted = new Set<string>(client.scopes);
      res.locals.i8 = {
        client, scopes: new Set(verified.scopes.filter((s) => granted.has(s))), visibility: await visibilityOf(client, deps.consents, now),
      } satisfies I8Caller;
      next();
    } catch (err) {
      next(err);
    }
  };
}

export function requireScope(scope: I8Scope): RequestHandler {
  return (_req, res, next) => {
    if (callerOf(res).scopes.has(scope)) return next();
    next(new I8Error(403, 'Insufficient scope', `this resource needs the scope ${scope}`, { scope },
      { 'WWW-Authenticate': `Bearer realm="i8", error="insufficient_scope", scope="${scope}"` }));
  };
}
