import express from 'express';
import { stringify } from 'csv-stringify/sync';
import type { Interruption } from '../../domain/outages/interruption.js';
import { callerOf, requireScope } from '../i8-auth.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { inScope, scopedMeters } from '../data-scope.js';
import { recordRead, type I8Deps } from '../i8-deps.js';
import { CONTENT_TYPE, negotiate } from '../formats/negotiate.js';
import { EVENT_COLUMNS, eventItem, eventRecord, eventsXml, INTERRUPTION_COLUMNS, interruptionItem, interruptionRecord } from '../formats/event-rows.js';
import { limitParam, listParam, oneParam, windowParams } from '../request-params.js';

/** GET /i8/events and /i8/interruptions. */
export function eventRoutes(deps: I8Deps): express.Router {
  const router = express.Router();
  const { pageSize } = deps.config.i8;

  router.get('/i8/events', requireScope('events:read'), async (req, res) => {
    const format = negotiate(req, ['json', 'csv', 'xml']);
    const limit = limitParam(req, pageSize.default, pageSize.max);
    const named = { meters: listParam(req, 'meter'), usagePoints: listParam(req, 'usagePoint') };
    const eventTypes = listParam(req, 'eventType');
    const window = windowParams(req);
    const scope = await scopedMeters(callerOf(res).visibility, named, deps);
    // Cursor = (event time, events at that time already sent). The store orders by (time, arrival),
    // so an event arriving later with the same time sorts after those sent: the count stays right.
    const pos = decodeCursor('events', oneParam(req, 'cursor'), ['number', 'number']);
    const [at, seen] = pos ? [pos[0] as number, pos[1] as number] : [undefined, 0];
    const from = at ?? window.from;
    const fetched = scope.unrestricted || scope.meters.length > 0
      ? await deps.events.query({
        ...(scope.unrestricted ? {} : { devices: scope.meters }), ...(eventTypes.length ? { eventTypes } : {}), ...(scope.periods ? { periods: scope.periods } : {}),
        ...(from !== undefined ? { from } : {}), ...(window.to !== undefined ? { to: window.to } : {}), limit: seen + limit + 1,
      })
      : [];
    const rows = fetched.slice(seen);
    const page = rows.slice(0, limit);
    let nextCursor: string | undefined;
    if (rows.length > limit) {
      const lastAt = page.at(-1)!.createdDateTime;
      const sameAt = page.filter((e) => e.createdDateTime === lastAt).length + (lastAt === at ? seen : 0);
      nextCursor = encodeCursor('events', [lastAt, sameAt]);
    }
    await recordRead(deps, res, 'i8/events', { ...named, eventTypes, ...window, cursor: pos !== undefined, format }, page.length);
    if (nextCursor) res.set('I8-Next-Cursor', nextCursor);
    res.type(CONTENT_TYPE[format]);
    const up = (device: string) => scope.usagePointOf.get(device);
    if (format === 'csv') return res.send(stringify(page.map((e) => eventRecord(e, up(e.device))), { header: true, columns: [...EVENT_COLUMNS] }));
    if (format === 'xml') return res.send(eventsXml(page));
    res.send(JSON.stringify({ items: page.map((e) => eventItem(e, up(e.device))), ...(nextCursor ? { nextCursor } : {}) }));
  });

  router.get('/i8/interruptions', requireScope('interruptions:read'), async (req, res) => {
    const format = negotiate(req, ['json', 'csv']);
    const limit = limitParam(req, pageSize.default, pageSize.max);
    const named = { meters: listParam(req, 'meter'), usagePoints: listParam(req, 'usagePoint') };
    const { from, to } = windowParams(req, true) as { from: number; to: number };
    const scope = await scopedMeters(callerOf(res).visibility, named, deps);
    const visible = new Set(scope.meters);
    const pos = decodeCursor('interruptions', oneParam(req, 'cursor'), ['number', 'number']);
    const key = (i: Interruption & { id: number }): [number, number] => [i.start ?? i.end ?? 0, i.id];
    const all = (await deps.interruptions.interruptions({ from, to, ...(named.meters.length === 1 ? { meter: named.meters[0]! } : {}) }))
      .filter((i): i is Interruption & { id: number } => i.id !== undefined && (scope.unrestricted || (visible.has(i.meter) && inScope(scope, i.meter, i.start, i.end))))
      .sort((a, b) => key(a)[0] - key(b)[0] || a.id - b.id)
      .filter((i) => !pos || key(i)[0] > (pos[0] as number) || (key(i)[0] === pos[0] && i.id > (pos[1] as number)));
    const page = all.slice(0, limit);
    const nextCursor = all.length > limit ? encodeCursor('interruptions', key(page.at(-1)!)) : undefined;
    await recordRead(deps, res, 'i8/interruptions', { ...named, from: new Date(from).toISOString(), to: new Date(to).toISOString(), cursor: pos !== undefined, format }, page.length);
    if (nextCursor) res.set('I8-Next-Cursor', nextCursor);
    res.type(CONTENT_TYPE[format]);
    if (format === 'csv') return res.send(stringify(page.map(interruptionRecord), { header: true, columns: [...INTERRUPTION_COLUMNS] }));
    res.send(JSON.stringify({ items: page.map(interruptionItem), ...(nextCursor ? { nextCursor } : {}) }));
  });
  return router;
}
