import { hashString, mulberry32 } from './prng.js';

export const INTERVAL_MS = 15 * 60_000;
const PROFILE_KEEP_MS = 7 * 24 * 3_600_000;

export type RelayState = 'connected' | 'disconnected' | 'armed';

/** A simulated meter's state, kept as plain JSON so the simulator can snapshot it. */
export interface SimMeterState {
  mRID: string;
  concentratorId?: string;
  commPath: 'concentrator' | 'point-to-point';
  relay: RelayState;
  /** Supply at the meter (an outage cuts it); energy only flows when powered and connected. */
  powered: boolean;
  loadLimitW?: number;
  /** Average demand of this customer, from the seed. */
  baseLoadW: number;
  /** Clock drift in parts per million, from the seed; the offset grows from clockSetAt. */
  driftPpm: number;
  clockOffsetAtSetS: number;
  clockSetAt: number;
  /** Forward active energy register. */
  energyWh: number;
  /** Integrated up to here. */
  advancedTo: number;
  /** Energy per 15-minute interval (keyed by interval end), kept a week for profiles and reads. */
  profile: Record<string, number>;
  /** Interval ends already pushed through the listener. */
  collectedTo: number;
}

export function newMeter(m: { mRID: string; concentratorId?: string; commPath: SimMeterState['commPath'] }, seed: number, now: number): SimMeterState {
  const random = mulberry32(seed ^ hashString(m.mRID));
  const start = Math.floor(now / INTERVAL_MS) * INTERVAL_MS;
  return {
    mRID: m.mRID, commPath: m.commPath, ...(m.concentratorId ? { concentratorId: m.concentratorId } : {}),
    relay: 'connected', powered: true, baseLoadW: Math.round(300 + 2200 * random()), driftPpm: Math.round((random() * 2 - 1) * 40 * 10) / 10,
    clockOffsetAtSetS: 0, clockSetAt: now, energyWh: Math.round(random() * 5_000_000), advancedTo: now, profile: {}, collectedTo: start,
  };
}

/** Demand in one interval: deterministic per (seed, meter, interval), capped by the load limit. */
function demandW(m: SimMeterState, seed: number, intervalEnd: number): number {
  const r = mulberry32(seed ^ hashString(m.mRID) ^ Math.floor(intervalEnd / INTERVAL_MS))();
  const w = m.baseLoadW * (0.4 + 1.2 * r);
  return m.loadLimitW !== undefined ? Math.min(w, m.loadLimitW) : w;
}

/**
 * Integrates consumption up to `to` with the state as it is now: call it before every state
 * change, so a disconnected or unpowered stretch adds nothing to the register or the profile.
 */
export function advance(m: SimMeterState, seed: number, to: number): void {
  const flowing = m.relay === 'connected' && m.powered;
  let t = m.advancedTo;
  while (t < to) {
    const end = Math.floor(t / INTERVAL_MS) * INTERVAL_MS + INTERVAL_MS;
    const stop = Math.min(end, to);
    const wh = flowing ? (demandW(m, seed, end) * (stop - t)) / 3_600_000 : 0;
    m.energyWh += wh;
    m.profile[end] = (m.profile[end] ?? 0) + wh;
    t = stop;
  }
  m.advancedTo = Math.max(m.advancedTo, to);
  for (const k of Object.keys(m.profile)) if (Number(k) < to - PROFILE_KEEP_MS) delete m.profile[k];
}

export function clockOffsetS(m: SimMeterState, now: number): number {
  return m.clockOffsetAtSetS + ((now - m.clockSetAt) / 1000) * (m.driftPpm / 1e6);
}

/** Complete intervals in (from, to], with their energy (0 for intervals the meter did not exist in). */
export function intervalsBetween(m: SimMeterState, from: number, to: number): { end: number; wh: number }[] {
  const out: { end: number; wh: number }[] = [];
  for (let end = Math.floor(from / INTERVAL_MS) * INTERVAL_MS + INTERVAL_MS; end <= to; end += INTERVAL_MS) {
    const wh = m.profile[end];
    if (wh !== undefined) out.push({ end, wh });
  }
  return out;
}
