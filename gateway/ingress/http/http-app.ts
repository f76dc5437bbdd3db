import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { GatewayConfig } from '../../config/config.js';
import { ProtocolRejection } from '../../cim/errors.js';
import type { Logger } from '../../logging/logger.js';
import type { MessageStore } from '../../ports/message-store.port.js';
import type { Outbox } from '../../ports/outbox.port.js';
import type { HandlerRegistry } from '../../registry/handler-registry.js';
import { maySpeakFor } from '../../security/access-policy.js';
import type { Authenticator } from '../../security/authenticator.js';
import { isLocalPeer } from '../../security/peer-identity.js';
import { transportCredentials } from '../../security/transport-credentials.js';
import type { SchemaSet } from '../../xml/schema-set.js';
import { MSG_NS, typedNs } from '../../xml/namespaces.js';
import type { HttpAnswer } from '../inbound-xml.js';
import { problem, rejectionProblem } from '../rest/problem.js';
import type { RestIngress } from '../rest/rest-ingress.js';
import { faultEnvelope, soapContentType } from '../../soap/soap-envelope.js';
import type { SoapIngress } from '../soap/soap-ingress.js';
import { SchemaPublisher } from '../soap/schema-publisher.js';
import { genericWsdl, typedWsdl } from '../soap/wsdl.js';

export interface HttpDeps {
  config: Readonly<GatewayConfig>;
  soap: SoapIngress;
  rest: RestIngress;
  registry: HandlerRegistry;
  schemas: SchemaSet;
  store: MessageStore;
  outbox: Outbox;
  /** Each dependency the gateway cannot work without (database, broker): true when it answers. */
  ready: () => Promise<Record<string, boolean>>;
  log: Logger;
  authenticator: Authenticator;
  /** Guards everything under /admin (security/admin-access.ts). */
  adminGate: RequestHandler;
  /**
   * Handlers mounted before every other route: the hot I8 read paths, which otherwise walk the
   * whole stack first (each one calls `next` for what it does not answer).
   */
  directRoutes?: RequestHandler[];
  /** Further routers (admin, I8, …) mounted by the composition root. */
  extraRouters?: express.Router[];
  /** Takes large XML bodies before the body parser would buffer them (gateway/ingest/). */
  streaming?: {
    wants(req: Request): boolean;
    handle(req: Request, binding: 'rest' | 'soap'): Promise<HttpAnswer>;
  };
}

const send = (res: Response, a: HttpAnswer) => {
  // RFC 9110: a 401 names the scheme the client should use.
  if (a.status === 401) res.set('WWW-Authenticate', 'Bearer realm="cim-gateway"');
  return res.status(a.status).type(a.contentType).send(a.body);
};

function baseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

/** Express only adapts HTTP to the socket-free ingress cores. */
export function createHttpApp(deps: HttpDeps): express.Express {
  const { config, registry, schemas, log } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // Bodies are read as text whatever their type: media types are the ingress cores' business.
  const body = express.text({ type: () => true, limit: config.limits.maxBodyBytes, defaultCharset: 'utf-8' });
  for (const direct of deps.directRoutes ?? []) app.use(direct);

  app.get('/healthz', (_req, res) => res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const checks = await deps.ready().catch((): Record<string, boolean> => ({ dependencies: false }));
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });

  const publisher = new SchemaPublisher(schemas, config.schemas.folders);
  const schemaUrl = (ns: string) => publisher.urlFor(ns);
  app.get('/cim/soap', (req, res) => {
    if (!('wsdl' in req.query)) return send(res, problem(405, 'Method not allowed', 'POST SOAP messages here; GET ?wsdl for the WSDL'));
    res.type('text/xml').send(genericWsdl(baseUrl(req), schemaUrl(MSG_NS)!));
  });
  app.get('/cim/soap/:noun', (req, res) => {
    const noun = req.params.noun;
    const url = schemaUrl(typedNs(noun));
    if (!registry.nouns().includes(noun) || !url) return send(res, problem(404, 'Unknown noun', `no typed service for ${noun}; nouns: ${registry.nouns().join(', ')}`));
    if (!('wsdl' in req.query)) return send(res, problem(405, 'Method not allowed', 'POST SOAP messages here; GET ?wsdl for the WSDL'));
    res.type('text/xml').send(typedWsdl(noun, registry, schemas, baseUrl(req), url));
  });
  app.get('/cim/xsd/{*file}', (req, res) => {
    const rel = ([] as string[]).concat(req.params.file as unknown as string[]).join('/');
    const source = publisher.source(rel);
    if (source === undefined) return send(res, problem(404, 'Not found', `no schema ${rel}`));
    res.type('text/xml').send(source);
  });

  const streamed = (binding: 'rest' | 'soap') => async (req: Request, res: Response, next: NextFunction) => {
    if (!deps.streaming?.wants(req)) return next();
    try {
      send(res, await deps.streaming.handle(req, binding));
    } catch (err) {
      next(err);
    }
  };

  app.post(['/cim/soap', '/cim/soap/:noun'], streamed('soap'), body, async (req, res, next) => {
    try {
      send(res, await deps.soap.handle({ body: typeof req.body === 'string' ? req.body : '', contentType: req.get('content-type'), soapAction: req.get('soapaction'), credentials: transportCredentials(req) }));
    } catch (err) {
      next(err);
    }
  });
  app.post('/cim/messages', streamed('rest'), body, async (req, res, next) => {
    try {
      send(res, await deps.rest.handle({ body: typeof req.body === 'string' ? req.body : '', contentType: req.get('content-type'), accept: req.get('accept'), credentials: transportCredentials(req) }));
    } catch (err) {
      next(err);
    }
  });
  app.get('/cim/messages/:messageId', async (req, res, next) => {
    try {
      const auth = await deps.authenticator.authenticate(transportCredentials(req), 'i6-rest');
      if (!auth.ok) return send(res, problem(401, 'Authentication required', auth.reason, { code: auth.code }));
      if (!auth.peer.interfaces.has('i6-rest')) return send(res, problem(403, 'Forbidden', `${auth.peer.id} may not use i6-rest`, { code: '7.5' }));
      const source = typeof req.query.source === 'string' ? req.query.source : undefined;
      const found = await deps.store.status(req.params.messageId, source);
      // A peer sees only its own messages; another peer's is answered as unknown, not as forbidden.
      const status = found && (isLocalPeer(auth.peer) || maySpeakFor(auth.peer, found.source)) ? found : undefined;
      if (!status) return send(res, problem(404, 'Unknown message', `no message ${req.params.messageId}${source ? ` from ${source}` : ''}`));
      const deliveries = await deps.outbox.forRequest(status.messageId);
      res.json({
        ...status,
        replies: deliveries.map((d) => ({
          messageId: d.messageId, destination: d.destination, protocol: d.protocol, state: d.state, attempts: d.attempts,
          lastError: d.lastError, nextAttemptAt: d.state === 'pending' ? d.nextAttemptAt : undefined, deliveredAt: d.deliveredAt,
        })),
      });
    } catch (err) {
      next(err);
    }
  });
  app.use('/admin', deps.adminGate);
  for (const router of deps.extraRouters ?? []) app.use(router);

  app.use((_req, res) => send(res, problem(404, 'Not found', 'no such resource')));
  // Body-parser failures (oversize, bad charset) surface here, before any ingress core ran.
  app.use((err: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    const rejection = status === 500
      ? undefined
      : new ProtocolRejection(status, status === 413 ? 'Message too large' : 'Unreadable body', status === 413 ? `the body exceeds ${config.limits.maxBodyBytes} bytes` : err.message);
    if (!rejection) log.error({ err }, 'unhandled error');
    if (req.path.startsWith('/cim/soap')) {
      const v = (req.get('content-type') ?? '').includes('soap+xml') ? '1.2' : '1.1';
      return res.status(status).type(soapContentType(v)).send(faultEnvelope(v, Boolean(rejection), rejection ? `${rejection.title}: ${rejection.message}` : 'internal error', ''));
    }
    send(res, rejection ? rejectionProblem(rejection) : problem(500, 'Internal error', 'the request was not processed'));
  });
  return app;
}
