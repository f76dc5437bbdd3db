import express, { type NextFunction, type Request, type Response } from 'express';
import type { Clock } from '../ports/clock.port.js';
import type { AuditKind, AuditLog } from '../ports/audit-log.port.js';
import { problem } from '../ingress/rest/problem.js';
import type { HttpAnswer } from '../ingress/inbound-xml.js';
import { mayUseInterface } from './access-policy.js';
import type { Authenticator } from './authenticator.js';
import { isLoopbackAddress } from './network-address.js';
import { LOCAL_PEER, type Peer } from './peer-identity.js';
import { transportCredentials } from './transport-credentials.js';

export interface AdminAccessDeps {
  authenticator: Authenticator;
  audit: AuditLog;
  clock: Clock;
  /** security.admin.loopback: a caller on this host needs no credentials. */
  loopback: boolean;
}

const send = (res: Response, a: HttpAnswer) => res.status(a.status).type(a.contentType).send(a.body);

/** The administrator who passed adminGate (res.locals.peer). */
export const adminPeer = (res: Response): Peer => res.locals.peer as Peer;

/**
 * Guards everything under /admin (the subscriptions API, the audit log, whatever comes):
 * 401 problem+json without valid credentials, 403 for a peer not granted the admin interface.
 */
export function adminGate(deps: AdminAccessDeps) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const creds = transportCredentials(req);
      const noCredentials = !creds.certificate && creds.bearer === undefined && !creds.otherScheme;
      if (deps.loopback && noCredentials && isLoopbackAddress(creds.remoteAddress)) {
        res.locals.peer = LOCAL_PEER;
        return next();
      }
      const auth = await deps.authenticator.authenticate(creds, 'admin');
      const base = { at: deps.clock.now(), interface: 'admin', ...(creds.remoteAddress ? { remoteAddress: creds.remoteAddress } : {}), detail: `${req.method} ${req.path}` };
      if (!auth.ok) {
        await deps.audit.append({ ...base, kind: 'admin.refused' as AuditKind, code: auth.code, detail: `${base.detail}: ${auth.detail}`, ...(auth.claimed ? { peer: auth.claimed } : {}) });
        res.set('WWW-Authenticate', 'Bearer realm="cim-gateway-admin"');
        return send(res, problem(401, 'Authentication required', auth.reason, { code: auth.code }));
      }
      if (!mayUseInterface(auth.peer, 'admin')) {
        await deps.audit.append({ ...base, kind: 'admin.refused', peer: auth.peer.id, code: '7.5' });
        return send(res, problem(403, 'Forbidden', `${auth.peer.id} may not use the admin interface`, { code: '7.5' }));
      }
      res.locals.peer = auth.peer;
      next();
    } catch (err) {
      next(err);
    }
  };
}

const KINDS = new Set<AuditKind>(['auth.failed', 'source.mismatch', 'access.refused', 'disconnect.admitted', 'disconnect.refused', 'admin.refused', 'admin.read', 'admin.action', 'data.read']);

function dateParam(v: unknown): Date | undefined | 'bad' {
  if (v === undefined) return undefined;
  const d = typeof v === 'string' ? new Date(v) : undefined;
  return d && Number.isFinite(d.getTime()) ? d : 'bad';
}

/** GET /admin/audit?since=&until=&kind=&peer=&afterId=&limit= — mount behind adminGate. */
export function auditRouter(audit: AuditLog, clock: Clock): express.Router {
  const router = express.Router();
  router.get('/admin/audit', async (req, res, next) => {
    try {
      const q = req.query;
      const since = dateParam(q.since);
      const until = dateParam(q.until);
      const kind = typeof q.kind === 'string' ? q.kind : undefined;
      const afterId = q.afterId === undefined ? undefined : Number(q.afterId);
      const limit = q.limit === undefined ? undefined : Number(q.limit);
      if (since === 'bad' || until === 'bad' || (kind && !KINDS.has(kind as AuditKind))
        || (afterId !== undefined && !Number.isInteger(afterId)) || (limit !== undefined && !(Number.isInteger(limit) && limit > 0))) {
        return send(res, problem(400, 'Bad query', `since/until are date-times, kind one of ${[...KINDS].join(', ')}, afterId and limit integers`));
      }
      const peer = adminPeer(res);
      // Reading the audit log is itself an access to personal data traces: recorded too.
      await audit.append({ at: clock.now(), kind: 'admin.read', peer: peer.id, interface: 'admin', detail: req.originalUrl });
      const entries = await audit.query({
        ...(since ? { since } : {}), ...(until ? { until } : {}), ...(kind ? { kind: kind as AuditKind } : {}),
        ...(typeof q.peer === 'string' ? { peer: q.peer } : {}), ...(afterId !== undefined ? { afterId } : {}), ...(limit ? { limit } : {}),
      });
      res.json({ entries: entries.map((e) => ({ ...e, at: e.at.toISOString() })), nextAfterId: entries.at(-1)?.id });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
