import express, { type Response } from 'express';
import { z } from 'zod';
import type { ConcentratorCollections } from '../../use-cases/concentrator-collections.use-case.js';
import type { HttpAnswer } from '../inbound-xml.js';
import { problem } from '../rest/problem.js';

const send = (res: Response, a: HttpAnswer) => res.status(a.status).type(a.contentType).send(a.body);
const collectSchema = z.object({ kind: z.enum(['load-profile', 'events']).default('load-profile') }).strict();

/**
 * /admin/concentrators: each concentrator with its collection schedule and last run, and
 * on-demand collection. Mounted among the extra routers, behind the /admin gate (app.ts).
 */
export function concentratorsRouter(collections: ConcentratorCollections): express.Router {
  const router = express.Router();
  router.get('/admin/concentrators', async (_req, res) => {
    res.json(await collections.list());
  });
  // The body is optional ({"kind": "events"}); the run is answered whatever its outcome: it was recorded.
  router.post('/admin/concentrators/:id/collect', express.json({ limit: '4kb', type: () => true }), async (req, res) => {
    const parsed = collectSchema.safeParse(req.body ?? {});
    if (!parsed.success) return send(res, problem(400, 'Invalid collection request', parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')));
    const id = String(req.params.id);
    if (!(await collections.exists(id))) return send(res, problem(404, 'Unknown concentrator', `no concentrator ${id}`));
    res.json(await collections.collect(id, parsed.data.kind, 'on-demand'));
  });
  return router;
}
