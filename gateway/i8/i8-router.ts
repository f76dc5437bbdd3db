import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { problem } from '../ingress/rest/problem.js';
import { directGets } from './direct-routes.js';
import { i8Auth, type AuthDeps } from './i8-auth.js';
import type { I8Deps } from './i8-deps.js';
import { I8Error, sendProblem } from './i8-error.js';
import { catalogRoutes } from './routes/catalog.routes.js';
import { consentAdminRoutes } from './routes/consent-admin.routes.js';
import { docsRoutes } from './routes/docs.routes.js';
import { eventRoutes } from './routes/events.routes.js';
import { readingsRoutes } from './routes/readings.routes.js';
import { reportRoutes } from './routes/reports.routes.js';
import { tokenRoutes } from './routes/token.routes.js';

/** Extra routers a composition adds behind authentication (reports, deliveries, I7). */
export type I8Extension = express.Router;

export interface I8Http {
  /** Everything under /i8, /i7 and /admin/i8. */
  router: express.Router;
  /**
   * The read resources' exact GET/HEAD paths, for the app to mount before its other routes
   * (direct-routes.ts): same auth, scopes, audit and errors as through `router`.
   */
  direct: RequestHandler;
  /** The paths `direct` answers. */
  directPaths: readonly string[];
}

/**
 * Everything under /i8 (and /i7, /admin/i8): public contract and token endpoints first, then
 * the write refusal, then authentication, then the read-only resources.
 */
export function i8Router(deps: I8Deps & { auth: AuthDeps }, extensions: I8Extension[] = []): I8Http {
  const router = express.Router();
  router.use(docsRoutes());
  router.use(tokenRoutes({ issuer: deps.auth.issuer, clients: deps.clients, audit: deps.audit, clock: deps.clock }));
  router.use(consentAdminRoutes({ consents: deps.consents, clients: deps.clients, clock: deps.clock }));

  // Read-only: only the caller's own delivery jobs take writes; anything else is 405 before auth.
  const writable = /^\/i8\/delivery-jobs(\/[^/]+)?$/;
  const auth = i8Auth(deps.auth);
  for (const prefix of ['/i8', '/i7']) {
    router.use(prefix, (req, _res, next) => {
      const ok = req.method === 'GET' || req.method === 'HEAD' || (writable.test(req.originalUrl.split('?')[0]!) && ['POST', 'DELETE'].includes(req.method));
      if (ok) return next();
      next(new I8Error(405, 'Method not allowed', `${prefix.slice(1).toUpperCase()} is read-only: ${req.method} is refused`, {}, { Allow: 'GET, HEAD' }));
    });
    router.use(prefix, auth);
  }
  const features = [catalogRoutes(deps), readingsRoutes(deps), eventRoutes(deps), reportRoutes(deps), ...extensions];
  for (const f of features) router.use(f);
  router.use(['/i8', '/i7'], (_req, _res, next) => next(new I8Error(404, 'Not found', 'no such I8 resource; see /i8/openapi.yaml')));
  const onError = errorHandler(deps);
  router.use(onError);
  const direct = directGets(features, auth, onError);
  return { router, direct: direct.handler, directPaths: direct.paths };
}

/** problem+json for every I8 / I7 error; a refused access (403) is audited first. */
function errorHandler(deps: I8Deps): ErrorRequestHandler {
  return async (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!req.originalUrl.startsWith('/i8') && !req.originalUrl.startsWith('/i7') && !req.originalUrl.startsWith('/admin/i8')) return next(err);
    if (res.headersSent) {
      // A streamed export failed mid-way: the client sees a truncated body, never a silent success.
      deps.log.error({ err }, 'I8 stream failed');
      return res.destroy(err instanceof Error ? err : undefined);
    }
    if (err instanceof I8Error) {
      if (err.status === 403 && res.locals.i8) {
        await deps.audit.append({ at: deps.clock.now(), kind: 'access.refused', interface: 'i8', peer: (res.locals.i8 as { client: { id: string } }).client.id, code: '403', detail: `${req.method} ${req.originalUrl}: ${err.message}` })
          .catch((e: unknown) => deps.log.error({ err: e }, 'audit append failed'));
      }
      return sendProblem(res, err);
    }
    const status = (err as { status?: number }).status;
    if (status && status >= 400 && status < 500) {
      const a = problem(status, 'Bad request', (err as Error).message);
      return res.status(a.status).type(a.contentType).send(a.body);
    }
    deps.log.error({ err }, 'I8 request failed');
    const a = problem(500, 'Internal error', 'the request was not processed');
    res.status(a.status).type(a.contentType).send(a.body);
  };
}
