import type { ConcentratorRecord, MeterRecord, UsagePointRecord } from '../../ports/network-store.port.js';
import { isPointToPointTechnology, parseStatus, type ItemProblem, type MeterSpec, type UsagePointSpec } from './meter-config.js';

/** A meter as a create describes it (nothing inherited), or a problem with it. */
export function meterFromSpec(spec: MeterSpec, base: MeterRecord | undefined): MeterRecord | ItemProblem {
  const mRID = spec.mRID ?? base?.mRID;
  if (!mRID) return { code: '2.4', details: 'a Meter needs an mRID' };
  const pick = <K extends keyof MeterRecord>(k: K, v: MeterRecord[K] | undefined) => (v !== undefined ? v : base?.[k]);
  let status = base?.status ?? 'installed';
  if (spec.status !== undefined) {
    const parsed = parseStatus(spec.status);
    if (!parsed) return { code: '2.4', details: `Meter ${mRID}: status '${spec.status}' is not one of installed, in-service, removed` };
    status = parsed;
  }
  // The comm path is replaced as a whole when a ComModule is sent, kept otherwise.
  const comm = spec.comModuleSent || !base
    ? { technology: spec.communicationTechnology, concentratorId: spec.concentratorId, comModuleMRID: spec.comModuleMRID }
    : { technology: base.communicationTechnology, concentratorId: base.concentratorId, comModuleMRID: base.comModuleMRID };
  if (comm.concentratorId && isPointToPointTechnology(comm.technology)) {
    return { code: '2.4', details: `Meter ${mRID}: a ${comm.technology} module talks to the head-end directly, it cannot hang on concentrator ${comm.concentratorId}` };
  }
  const m: MeterRecord = {
    mRID, names: spec.names ?? base?.names ?? [], status,
    commPath: comm.concentratorId ? 'concentrator' : 'point-to-point',
  };
  const set = <K extends keyof MeterRecord>(k: K, v: MeterRecord[K] | undefined) => { if (v !== undefined) m[k] = v; };
  set('serialNumber', pick('serialNumber', spec.serialNumber));
  set('manufacturer', pick('manufacturer', spec.manufacturer));
  set('model', pick('model', spec.model));
  set('usagePointMRID', pick('usagePointMRID', spec.usagePointMRIDs[0]));
  set('concentratorId', comm.concentratorId);
  set('amrSystem', pick('amrSystem', spec.amrSystem));
  set('meterType', pick('meterType', spec.meterType));
  set('communicationTechnology', comm.technology);
  set('comModuleMRID', comm.comModuleMRID);
  set('statusAt', pick('statusAt', spec.statusAt));
  set('statusReason', pick('statusReason', spec.statusReason));
  return m;
}

export function usagePointFromSpec(spec: UsagePointSpec, base: UsagePointRecord | undefined): UsagePointRecord | ItemProblem {
  const mRID = spec.mRID ?? base?.mRID;
  if (!mRID) return { code: '2.12', details: 'a UsagePoint needs an mRID' };
  const u: UsagePointRecord = { mRID, names: spec.names ?? base?.names ?? [] };
  for (const k of ['serviceLocation', 'customerAccount', 'transformerId', 'feederId'] as const) {
    const v = spec[k] ?? base?.[k];
    if (v !== undefined) u[k] = v;
  }
  return u;
}

export interface Topology {
  concentrators: ReadonlyMap<string, ConcentratorRecord>;
  usagePoint(mRID: string): UsagePointRecord | undefined;
  /** The active (not removed) meter bound to a usage point, if any. */
  boundMeter(usagePointMRID: string): string | undefined;
}

/**
 * Where a meter hangs must make sense: its usage point exists (2.12), is not already served by
 * another active meter (2.13), its concentrator exists (2.4), and a PLC meter is on the same
 * transformer as its concentrator — a power-line carrier does not cross a transformer (2.13).
 */
export function placementProblem(m: MeterRecord, spec: MeterSpec, t: Topology): ItemProblem | undefined {
  if (spec.usagePointMRIDs.length > 1) {
    return { code: '2.13', details: `Meter ${m.mRID} names ${spec.usagePointMRIDs.length} usage points; a meter serves one usage point at a time` };
  }
  const up = m.usagePointMRID ? t.usagePoint(m.usagePointMRID) : undefined;
  if (m.usagePointMRID && !up) {
    return { code: '2.12', details: `Meter ${m.mRID}: usage point ${m.usagePointMRID} is neither in the message nor provisioned` };
  }
  const dc = m.concentratorId ? t.concentrators.get(m.concentratorId) : undefined;
  if (m.concentratorId && !dc) return { code: '2.4', details: `Meter ${m.mRID}: concentrator ${m.concentratorId} is not known` };
  if (m.status === 'removed' || !up) return undefined;
  const bound = t.boundMeter(up.mRID);
  if (bound && bound !== m.mRID) {
    return { code: '2.13', details: `usage point ${up.mRID} is served by meter ${bound}; remove that meter (or move it) before installing ${m.mRID}` };
  }
  const plc = m.commPath === 'concentrator' && (m.communicationTechnology ?? 'PLC').toUpperCase() === 'PLC';
  if (plc && dc?.transformerId && up.transformerId && dc.transformerId !== up.transformerId) {
    return { code: '2.13', details: `Meter ${m.mRID}: PLC concentrator ${dc.id} is on transformer ${dc.transformerId} but usage point ${up.mRID} hangs on ${up.transformerId}` };
  }
  return undefined;
}

export const isProblem = (x: object): x is ItemProblem => 'code' in x && 'details' in x && !('mRID' in x);
