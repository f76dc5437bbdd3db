import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../../logging/logger.js';
import { endpointProblem } from '../../domain/subscriptions/endpoint.js';
import type { InterruptionStore } from '../../ports/interruption-store.port.js';
import type { DeliveryProtocol } from '../../ports/outbox.port.js';
import type { ManageSubscriptions } from '../../use-cases/manage-subscriptions.use-case.js';
import { interruptionReport } from '../../use-cases/outage-report.use-case.js';
import type { HttpAnswer } from '../inbound-xml.js';
import { problem } from '../rest/problem.js';

/** A new subscription; `deliverable` are the protocols this gateway can deliver (AMQP only with a broker). */
export const newSubscriptionSchema = (deliverable: readonly DeliveryProtocol[]) => z.object({
  endpoint: z.string().min(1),
  noun: z.literal('EndDeviceEvents'),
  protocol: z.enum(['SOAP', 'REST', 'AMQP']),
  eventTypes: z.array(z.string().regex(/^\d+\.\d+\.\d+\.\d+$/, 'a 4-part EndDeviceEventType code')).min(1).optional(),
  deviceGroup: z.string().min(1).optional(),
}).strict().superRefine((s, ctx) => {
  if (!deliverable.includes(s.protocol)) {
    ctx.addIssue({ code: 'custom', path: ['protocol'], message: `this gateway does not deliver ${s.protocol}${s.protocol === 'AMQP' ? ' (no broker: amqpUrl / AMQP_URL is not set)' : ''}` });
    return;
  }
  const problem = endpointProblem(s.protocol, s.endpoint);
  if (problem) ctx.addIssue({ code: 'custom', path: ['endpoint'], message: problem });
});

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const send = (res: Response, a: HttpAnswer) => res.status(a.status).type(a.contentType).send(a.body);

export interface AdminDeps {
  subscriptions: ManageSubscriptions;
  interruptions: InterruptionStore;
  thresholdMs: number;
  loopbackOnly: boolean;
  /** Protocols a new subscription may use (default SOAP and REST). */
  protocols?: readonly DeliveryProtocol[];
  log: Logger;
}

/** /admin: subscriptions and the interruption report. Loopback only until the security issue adds auth. */
export function adminRouter(deps: AdminDeps): express.Router {
  const router = express.Router();
  const subscriptionSchema = newSubscriptionSchema(deps.protocols ?? ['SOAP', 'REST']);
  router.use('/admin', (req, res, next) => {
    if (deps.loopbackOnly && !LOOPBACK.has(req.socket.remoteAddress ?? '')) {
      return send(res, problem(403, 'Forbidden', 'the admin API answers on the loopback interface only'));
    }
    next();
  });
  const json = express.json({ limit: '64kb', type: () => true });

  router.post('/admin/subscriptions', json, async (req, res) => {
    const parsed = subscriptionSchema.safeParse(req.body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      return send(res, problem(400, 'Invalid subscription', issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; '), { issues }));
    }
    const { eventTypes, deviceGroup, ...rest } = parsed.data;
    const created = await deps.subscriptions.add({ ...rest, ...(eventTypes ? { eventTypes } : {}), ...(deviceGroup ? { deviceGroup } : {}) });
    deps.log.info({ subscription: created.id, endpoint: created.endpoint }, 'subscription added');
    res.status(201).location(`/admin/subscriptions/${created.id}`).json(created);
  });
  router.get('/admin/subscriptions', async (_req, res) => {
    res.json(await deps.subscriptions.list());
  });
  router.get('/admin/subscriptions/:id', async (req, res) => {
    const found = await deps.subscriptions.get(req.params.id);
    if (!found) return send(res, problem(404, 'Unknown subscription', `no subscription ${req.params.id}`));
    res.json(found);
  });
  router.delete('/admin/subscriptions/:id', async (req, res) => {
    if (!(await deps.subscriptions.remove(req.params.id))) return send(res, problem(404, 'Unknown subscription', `no subscription ${req.params.id}`));
    res.status(204).end();
  });
  router.get('/admin/interruptions', async (req, res) => {
    const from = Date.parse(String(req.query.from ?? ''));
    const to = Date.parse(String(req.query.to ?? ''));
    if (Number.isNaN(from) || Number.isNaN(to) || from > to) return send(res, problem(400, 'Invalid period', 'from and to are required ISO 8601 date-times, from <= to'));
    const meter = typeof req.query.meter === 'string' ? req.query.meter : undefined;
    res.json(await interruptionReport(deps.interruptions, from, to, deps.thresholdMs, meter));
  });
  // A JSON body that does not parse is the client's problem, answered like any other bad input.
  router.use('/admin', (err: Error & { status?: number }, _req: Request, res: Response, next: NextFunction) => {
    if (err.status && err.status < 500) return send(res, problem(400, 'Invalid JSON', err.message));
    next(err);
  });
  return router;
}
