import type { DeviceRef } from '../domain/meters/meter.js';
import type { MeterRecord, NetworkStore, UsagePointRecord } from '../ports/network-store.port.js';
import { metersNamed, type ItemError } from './provision-meters.use-case.js';

export interface MeterConfigQuery {
  meters: DeviceRef[];
  usagePoints: string[];
  concentrators: string[];
  transformers: string[];
}

export interface MeterPage {
  meters: MeterRecord[];
  /** The usage points of this page's meters. */
  usagePoints: UsagePointRecord[];
  /** mRID to continue after, when more meters match. */
  nextAfter?: string;
  /** Named meters (2.4) and usage points (2.12) that do not exist; reported on the first page only. */
  errors: ItemError[];
}

/**
 * One page of the meters matching any criterion, in mRID order (keyset paging: stable while
 * meters are added, never skips or repeats one). Concentrators and transformers are groups: one
 * that has no meters is an empty answer, not an error.
 */
export async function queryTopology(network: NetworkStore, q: MeterConfigQuery, pageSize: number, after?: string): Promise<MeterPage> {
  const mRIDs = q.meters.flatMap((m) => (m.mRID !== undefined ? [m.mRID] : []));
  const names = q.meters.flatMap((m) => (m.mRID === undefined && m.name !== undefined ? [m.name] : []));
  const query = { mRIDs, names, usagePointMRIDs: q.usagePoints, concentratorIds: q.concentrators, transformerIds: q.transformers };
  const rows = await network.queryMeters(query, pageSize + 1, after);
  const meters = rows.slice(0, pageSize);
  const upIds = [...new Set(meters.map((m) => m.usagePointMRID).filter((id): id is string => id !== undefined))];
  const page: MeterPage = { meters, usagePoints: upIds.length > 0 ? await network.usagePoints(upIds) : [], errors: after ? [] : await unknowns(network, q, mRIDs, names) };
  if (rows.length > pageSize) page.nextAfter = meters[meters.length - 1]!.mRID;
  return page;
}

async function unknowns(network: NetworkStore, q: MeterConfigQuery, mRIDs: string[], names: string[]): Promise<ItemError[]> {
  const errors: ItemError[] = [];
  if (q.meters.length > 0) {
    const found = await metersNamed(network, { mRIDs, names });
    const known = new Set([...found.map((m) => `mRID:${m.mRID}`), ...found.flatMap((m) => m.names.map((n) => `name:${n}`))]);
    q.meters.forEach((ref, index) => {
      const key = ref.mRID !== undefined ? `mRID:${ref.mRID}` : `name:${ref.name ?? ''}`;
      if (!known.has(key)) errors.push({ code: '2.4', kind: 'Meter', index, details: `Meter ${ref.mRID ?? ref.name} is not provisioned` });
    });
  }
  if (q.usagePoints.length > 0) {
    const known = new Set((await network.usagePoints(q.usagePoints)).map((u) => u.mRID));
    q.usagePoints.forEach((id, index) => {
      if (!known.has(id)) errors.push({ code: '2.12', kind: 'UsagePoint', index, details: `usage point ${id} is not provisioned` });
    });
  }
  return errors;
}
