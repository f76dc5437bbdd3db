import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../../logging/logger.js';
import type { AuditLog } from '../../ports/audit-log.port.js';
import { DEAD_LETTERS_MAX } from '../../ports/command-bus.port.js';
import type { Clock } from '../../ports/clock.port.js';
import { adminPeer } from '../../security/admin-access.js';
import type { DeadCommands } from '../../use-cases/dead-commands.use-case.js';
import type { HttpAnswer } from '../inbound-xml.js';
import { problem } from '../rest/problem.js';

const send = (res: Response, a: HttpAnswer) => res.status(a.status).type(a.contentType).send(a.body);
const limit = z.number().int().min(1).max(DEAD_LETTERS_MAX).default(100);
const replaySchema = z.object({ limit, commandIds: z.array(z.string().min(1)).min(1).optional() }).strict();
const discardSchema = replaySchema.extend({
  verdicts: z.array(z.enum(['current', 'stale', 'final', 'unknown', 'unparseable'])).min(1).optional(),
}).strict().refine((s) => s.commandIds || s.verdicts, { message: 'name the messages to discard: commandIds and/or verdicts' });

/**
 * /admin/commands/dead (cluster profile, mount behind adminGate): the command bus's dead-lettered
 * messages with what the worker would do with each now; replay them or discard them. Replays and
 * discards are audited (`admin.action`), listing as `admin.read`.
 */
export function deadCommandsRouter(deps: { dead: DeadCommands; audit: AuditLog; clock: Clock; log: Logger }): express.Router {
  const router = express.Router();
  const json = express.json({ limit: '64kb', type: () => true });
  const audited = async (res: Response, req: Request, kind: 'admin.read' | 'admin.action', detail: string) =>
    deps.audit.append({ at: deps.clock.now(), kind, peer: adminPeer(res).id, interface: 'admin', detail: `${req.method} ${req.originalUrl}${detail}` });

  router.get('/admin/commands/dead', async (req, res, next) => {
    try {
      const n = req.query.limit === undefined ? 100 : Number(req.query.limit);
      if (!Number.isInteger(n) || n < 1 || n > DEAD_LETTERS_MAX) return send(res, problem(400, 'Bad query', `limit is an integer in 1..${DEAD_LETTERS_MAX}`));
      await audited(res, req, 'admin.read', '');
      res.json({ messages: await deps.dead.list(n) });
    } catch (err) {
      next(err);
    }
  });

  for (const [path, schema, act] of [
    ['/admin/commands/dead/replay', replaySchema, (s: z.infer<typeof discardSchema>) => deps.dead.replay(s)],
    ['/admin/commands/dead/discard', discardSchema, (s: z.infer<typeof discardSchema>) => deps.dead.discard(s)],
  ] as const) {
    router.post(path, json, async (req, res, next) => {
      try {
        const parsed = (schema as typeof discardSchema).safeParse(req.body ?? {});
        if (!parsed.success) return send(res, problem(400, 'Invalid selection', parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')));
        const done = await act(parsed.data);
        await audited(res, req, 'admin.action', `: replayed ${done.replay}, discarded ${done.discard}, kept ${done.keep}`);
        deps.log.warn({ replayed: done.replay, discarded: done.discard, kept: done.keep, by: adminPeer(res).id }, 'dead-lettered command messages settled by an operator');
        res.json({ replayed: done.replay, discarded: done.discard, kept: done.keep, messages: done.messages });
      } catch (err) {
        next(err);
      }
    });
  }
  router.use('/admin/commands', (err: Error & { status?: number }, _req: Request, res: Response, next: NextFunction) => {
    if (err.status && err.status < 500) return send(res, problem(400, 'Invalid JSON', err.message));
    next(err);
  });
  return router;
}
