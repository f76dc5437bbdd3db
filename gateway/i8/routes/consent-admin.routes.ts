import { randomUUID } from 'node:crypto';
import express from 'express';
import { z } from 'zod';
import type { Clock } from '../../ports/clock.port.js';
import type { Consent, ConsentStore } from '../../ports/consent-store.port.js';
import type { ClientRegistry } from '../../ports/client-registry.port.js';
import { I8Error } from '../i8-error.js';
import type { components } from '../generated/i8-types.js';

const consentInput = z.object({
  clientId: z.string().min(1),
  usagePoint: z.string().min(1),
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }).optional(),
  reference: z.string().min(1).optional(),
}).strict();

const toJson = (c: Consent): components['schemas']['Consent'] => ({
  id: c.id, clientId: c.clientId, usagePoint: c.usagePoint, start: c.start.toISOString(), grantedAt: c.grantedAt.toISOString(),
  ...(c.end ? { end: c.end.toISOString() } : {}), ...(c.reference ? { reference: c.reference } : {}), ...(c.revokedAt ? { revokedAt: c.revokedAt.toISOString() } : {}),
});

/** /admin/i8/consents: grant, list, revoke. Mounted behind the admin gate (loopback or an admin peer). */
export function consentAdminRoutes(deps: { consents: ConsentStore; clients: ClientRegistry; clock: Clock }): express.Router {
  const router = express.Router();
  router.get('/admin/i8/consents', async (req, res) => {
    const q = req.query;
    const list = await deps.consents.list({ ...(typeof q.clientId === 'string' ? { clientId: q.clientId } : {}), ...(typeof q.usagePoint === 'string' ? { usagePoint: q.usagePoint } : {}) });
    res.json({ items: list.map(toJson) });
  });
  router.post('/admin/i8/consents', express.json({ limit: '16kb' }), async (req, res) => {
    const parsed = consentInput.safeParse(req.body);
    if (!parsed.success) throw new I8Error(400, 'Invalid consent', parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
    const c = parsed.data;
    const client = await deps.clients.get(c.clientId);
    if (!client) throw new I8Error(422, 'Unknown client', `no I8 client ${c.clientId}`);
    if (client.dataScope.kind !== 'third-party') throw new I8Error(422, 'Consent not applicable', `${c.clientId} is a ${client.dataScope.kind} client; consents apply to third parties`);
    if (c.end && Date.parse(c.end) <= Date.parse(c.start)) throw new I8Error(400, 'Invalid consent', 'end must be after start');
    const granted = await deps.consents.grant({
      id: randomUUID(), clientId: c.clientId, usagePoint: c.usagePoint, start: new Date(c.start), grantedAt: deps.clock.now(),
      ...(c.end ? { end: new Date(c.end) } : {}), ...(c.reference ? { reference: c.reference } : {}),
    });
    res.status(201).location(`/admin/i8/consents/${granted.id}`).json(toJson(granted));
  });
  router.post('/admin/i8/consents/:id/revoke', async (req, res) => {
    const revoked = await deps.consents.revoke(req.params.id, deps.clock.now());
    if (!revoked) throw new I8Error(404, 'Unknown consent', `no consent ${req.params.id}`);
    res.json(toJson(revoked));
  });
  return router;
}
