import type express from 'express';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { I8Error } from './i8-error.js';

/** What a router's stack shows of a route (router 2.x, Express 5): enough to list its plain GET paths. */
interface RouteLayer { route?: { path?: unknown; methods?: Record<string, boolean> } }

/** The literal paths (no parameter, no pattern) a router answers GET on. */
export function exactGetPaths(router: express.Router): string[] {
  return (router.stack as RouteLayer[])
    .map((l) => l.route)
    .filter((r) => r?.methods?.get === true && typeof r.path === 'string' && /^[\w./-]+$/.test(r.path))
    .map((r) => r!.path as string);
}

/**
 * The hot read resources reached without walking the gateway's route stack: a request for
 * `GET /i8/readings` used to be matched against every route and router mounted before it (CIM
 * SOAP/REST, admin, metrics, events, schedules, then the I8 docs, token and consent routers, the
 * write refusal and auth of /i7) — about a tenth of the CPU of a small answer. Here an exact
 * GET/HEAD path picks its feature router in one map lookup, and the request goes through the very
 * same authentication (token, client, rate limit, consents), the same router (scope checks, audit)
 * and the same error handler (problem+json, 403 audit) as on the full stack. Everything else —
 * other methods (refused 405 there), trailing slashes, other case — calls `next` and takes the
 * full stack, which still has every route.
 */
export function directGets(features: readonly express.Router[], auth: RequestHandler, onError: ErrorRequestHandler): { handler: RequestHandler; paths: readonly string[] } {
  const owner = new Map<string, express.Router>();
  for (const f of features) for (const p of exactGetPaths(f)) if (!owner.has(p)) owner.set(p, f);
  const handler: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const feature = req.method === 'GET' || req.method === 'HEAD' ? owner.get(req.path) : undefined;
    if (!feature) return next();
    const fail = (err: unknown) => {
      // The error handler is async (a 403 is audited first); what it throws goes to the app's handler.
      Promise.resolve(onError(err, req, res, next)).catch(next);
    };
    // A feature router that answers nothing for a path it declared (cannot happen for GET) ends as on the full stack.
    const unanswered = (e?: unknown) => fail(e ?? new I8Error(404, 'Not found', 'no such I8 resource; see /i8/openapi.yaml'));
    const afterAuth = (err?: unknown) => (err ? fail(err) : feature(req, res, unanswered));
    Promise.resolve(auth(req, res, afterAuth)).catch(fail);
  };
  return { handler, paths: [...owner.keys()] };
}
