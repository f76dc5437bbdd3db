import express from 'express';
import type { MeterRecord } from '../../ports/network-store.port.js';
import { callerOf } from '../i8-auth.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { scopedMeters } from '../data-scope.js';
import { recordRead, type I8Deps } from '../i8-deps.js';
import { negotiate } from '../formats/negotiate.js';
import { limitParam, oneParam } from '../request-params.js';
import type { components } from '../generated/i8-types.js';

type Meter = components['schemas']['Meter'];
const meterJson = (m: Pick<MeterRecord, 'mRID' | 'names' | 'serialNumber' | 'status' | 'usagePointMRID'>): Meter => ({
  mRID: m.mRID, names: m.names, status: m.status, ...(m.serialNumber ? { serialNumber: m.serialNumber } : {}), ...(m.usagePointMRID ? { usagePoint: m.usagePointMRID } : {}),
});

/** GET /i8/meters and /i8/usage-points: what the caller may read about (any scope may list it). */
export function catalogRoutes(deps: I8Deps): express.Router {
  const router = express.Router();
  const { pageSize } = deps.config.i8;

  router.get('/i8/meters', async (req, res) => {
    negotiate(req, ['json']);
    const limit = limitParam(req, pageSize.default, pageSize.max);
    const after = decodeCursor('meters', oneParam(req, 'cursor'), ['string'])?.[0] as string | undefined;
    const v = callerOf(res).visibility;
    let rows: Meter[];
    if (v.all) rows = (await deps.network.listMeters(limit + 1, after)).map(meterJson);
    else {
      const scope = await scopedMeters(v, { meters: [], usagePoints: [] }, deps);
      const ids = scope.meters.filter((id) => after === undefined || id > after).slice(0, limit + 1);
      rows = [];
      for (const id of ids) {
        const m = await deps.meters.get(id);
        if (m) rows.push(meterJson({ ...m, ...(m.usagePointMRID ? { usagePointMRID: m.usagePointMRID } : {}) }));
      }
    }
    const items = rows.slice(0, limit);
    const nextCursor = rows.length > limit ? encodeCursor('meters', [items.at(-1)!.mRID]) : undefined;
    await recordRead(deps, res, 'i8/meters', { cursor: after !== undefined }, items.length);
    res.json({ items, ...(nextCursor ? { nextCursor } : {}) } satisfies components['schemas']['MeterPage']);
  });

  router.get('/i8/usage-points', async (req, res) => {
    negotiate(req, ['json']);
    const limit = limitParam(req, pageSize.default, pageSize.max);
    const after = decodeCursor('usage-points', oneParam(req, 'cursor'), ['string'])?.[0] as string | undefined;
    const v = callerOf(res).visibility;
    const scope = await scopedMeters(v, { meters: [], usagePoints: [] }, deps);
    const metersOf = new Map<string, string[]>();
    for (const [meter, up] of scope.usagePointOf) if (up !== undefined) metersOf.set(up, [...(metersOf.get(up) ?? []), meter]);
    // A consented usage point without a meter yet is still the caller's to see.
    if (!v.all) for (const up of v.usagePoints) if (!metersOf.has(up)) metersOf.set(up, []);
    const ids = [...metersOf.keys()].sort().filter((id) => after === undefined || id > after).slice(0, limit + 1);
    const page = ids.slice(0, limit);
    const records = new Map((await deps.network.usagePoints(page)).map((u) => [u.mRID, u]));
    const items = page.map((id) => ({ mRID: id, names: records.get(id)?.names ?? [], meters: metersOf.get(id) ?? [] }));
    const nextCursor = ids.length > limit ? encodeCursor('usage-points', [page.at(-1)!]) : undefined;
    await recordRead(deps, res, 'i8/usage-points', { cursor: after !== undefined }, items.length);
    res.json({ items, ...(nextCursor ? { nextCursor } : {}) } satisfies components['schemas']['UsagePointPage']);
  });
  return router;
}
