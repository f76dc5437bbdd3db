import { randomUUID } from 'node:crypto';
import express from 'express';
import { Cron } from 'croner';
import { z } from 'zod';
import type { DeliveryJob, DeliveryJobStore, DeliveryRun } from '../../ports/delivery-job.port.js';
import { callerOf } from '../i8-auth.js';
import { I8Error } from '../i8-error.js';
import type { I8Deps } from '../i8-deps.js';
import { nextRun } from '../deliveries/delivery-runner.js';
import type { components } from '../generated/i8-types.js';

const SCOPE_OF = { readings: 'readings:read', events: 'events:read', interruptions: 'interruptions:read' } as const;

const jobInput = z.object({
  name: z.string().min(1).max(200).optional(),
  cron: z.string().min(1),
  timeZone: z.string().min(1).optional(),
  query: z.object({
    resource: z.enum(['readings', 'events', 'interruptions']),
    meter: z.array(z.string().min(1)).optional(), usagePoint: z.array(z.string().min(1)).optional(),
    readingType: z.array(z.string().min(1)).optional(), eventType: z.array(z.string().min(1)).optional(),
    lookbackMinutes: z.number().int().positive().optional(), format: z.enum(['json', 'csv', 'xml']).optional(),
  }).strict(),
  target: z.discriminatedUnion('kind', [z.object({ kind: z.literal('webhook'), url: z.url({ protocol: /^https?$/ }) }).strict(), z.object({ kind: z.literal('file') }).strict()]),
}).strict();

const jobJson = (j: DeliveryJob): components['schemas']['DeliveryJob'] => ({
  id: j.id, clientId: j.clientId, cron: j.cron, timeZone: j.timeZone, query: { ...j.query, format: j.query.format ?? 'csv' }, target: j.target, createdAt: j.createdAt.toISOString(),
  ...(j.name ? { name: j.name } : {}), ...(j.nextRunAt ? { nextRunAt: j.nextRunAt.toISOString() } : {}),
});
const runJson = (r: DeliveryRun): components['schemas']['DeliveryRun'] => ({
  id: r.id, jobId: r.jobId, scheduledFor: r.scheduledFor.toISOString(), state: r.state, attempts: r.attempts, rows: r.rows,
  ...(r.lastError ? { lastError: r.lastError } : {}), ...(r.deliveredAt ? { deliveredAt: r.deliveredAt.toISOString() } : {}), ...(r.location ? { location: r.location } : {}),
});

/** /i8/delivery-jobs: a client manages its own scheduled deliveries; others' jobs are invisible (404). */
export function deliveryRoutes(deps: I8Deps & { jobs: DeliveryJobStore }): express.Router {
  const router = express.Router();
  const own = async (clientId: string, id: string) => {
    const job = await deps.jobs.get(id);
    if (!job || job.clientId !== clientId) throw new I8Error(404, 'Unknown delivery job', `no delivery job ${id}`);
    return job;
  };
  router.get('/i8/delivery-jobs', async (_req, res) => {
    res.json({ items: (await deps.jobs.byClient(callerOf(res).client.id)).map(jobJson) });
  });
  router.post('/i8/delivery-jobs', express.json({ limit: '16kb' }), async (req, res) => {
    const caller = callerOf(res);
    const parsed = jobInput.safeParse(req.body);
    if (!parsed.success) throw new I8Error(400, 'Invalid delivery job', parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
    const input = parsed.data;
    const scope = SCOPE_OF[input.query.resource];
    if (!caller.scopes.has(scope)) throw new I8Error(403, 'Insufficient scope', `delivering ${input.query.resource} needs the scope ${scope}`);
    const timeZone = input.timeZone ?? deps.config.i8.timeZone;
    try {
      new Cron(input.cron, { timezone: timeZone, paused: true });
    } catch (err) {
      throw new I8Error(400, 'Invalid delivery job', `cron / timeZone: ${(err as Error).message}`);
    }
    const now = deps.clock.now();
    const job: DeliveryJob = { id: randomUUID(), clientId: caller.client.id, cron: input.cron, timeZone, query: input.query, target: input.target, createdAt: now, ...(input.name ? { name: input.name } : {}) };
    const first = nextRun(job, now);
    if (first) job.nextRunAt = first;
    await deps.jobs.create(job);
    res.status(201).location(`/i8/delivery-jobs/${job.id}`).json(jobJson(job));
  });
  router.get('/i8/delivery-jobs/:id', async (req, res) => {
    const job = await own(callerOf(res).client.id, req.params.id);
    res.json({ job: jobJson(job), runs: (await deps.jobs.runs(job.id, 100)).map(runJson) });
  });
  router.delete('/i8/delivery-jobs/:id', async (req, res) => {
    const job = await own(callerOf(res).client.id, req.params.id);
    await deps.jobs.remove(job.clientId, job.id);
    res.status(204).end();
  });
  return router;
}
