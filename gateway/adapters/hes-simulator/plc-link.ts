import { gaussian } from './prng.js';

/**
 * One concentrator's power-line-carrier link, in the terms of the Transener guide (sections 5.1
 * and 5.2): link attenuation = line attenuation aL (length × dB/km) + fault attenuation aad +
 * coupling losses at both ends (pacop A + pacop B) + added losses pag (bypass / derivation).
 * S/N = received level − noise level. Data needs S/N ≥ 15 dB in the worst case.
 */
export interface PlcLinkParams {
  transmitLevelDbm: number;
  pathLengthKm: number;
  attenuationDbPerKm: number;
  /** Per end of the link (the guide's pacop A and pacop B). */
  couplingLossDb: number;
  /** Bypass / derivation losses (pag); IEC 60663 allows 2.6 dB for a line-trap derivation. */
  bypassLossDb: number;
  /** Additional attenuation of a phase-to-ground fault (aad); 0 on a healthy line. */
  faultAttenuationDb: number;
  /** Gaussian (corona-like) noise level at the receiver, in the signal's bandwidth. */
  noiseLevelDbm: number;
  /** Standard deviation of the noise from message to message: what makes a link near the threshold flaky. */
  noiseSigmaDb: number;
  baseLatencyMs: number;
}

export const defaultPlcLink: Readonly<PlcLinkParams> = Object.freeze({
  transmitLevelDbm: 20, pathLengthKm: 1.5, attenuationDbPerKm: 8, couplingLossDb: 3, bypassLossDb: 2.6,
  faultAttenuationDb: 0, noiseLevelDbm: -20, noiseSigmaDb: 1.5, baseLatencyMs: 400,
});

export const DATA_THRESHOLD_DB = 15;

export function linkAttenuationDb(p: PlcLinkParams, extraDb = 0): number {
  return p.pathLengthKm * p.attenuationDbPerKm + p.faultAttenuationDb + 2 * p.couplingLossDb + p.bypassLossDb + extraDb;
}

/** S/N of the link on average (no noise fluctuation). */
export function snrDb(p: PlcLinkParams, extraDb = 0): number {
  return p.transmitLevelDbm - linkAttenuationDb(p, extraDb) - p.noiseLevelDbm;
}

/** The guide's section 5.3: S/N of links in cascade (worse than the worst hop). */
export function cascadeSnrDb(hops: number[]): number {
  return 10 * Math.log10(1 / hops.reduce((sum, s) => sum + 10 ** (-s / 10), 0));
}

export interface Transmission {
  delivered: boolean;
  /** S/N this message saw. */
  snrDb: number;
  latencyMs: number;
}

/**
 * One message over the link: the noise of this instant is drawn around its level; below the
 * data threshold the message is lost. Latency grows as the margin shrinks (more link-layer
 * repetitions and slower modulation near the threshold).
 */
export function transmit(p: PlcLinkParams, random: () => number, thresholdDb = DATA_THRESHOLD_DB, extraDb = 0): Transmission {
  const s = snrDb(p, extraDb) - p.noiseSigmaDb * gaussian(random);
  const margin = s - thresholdDb;
  if (margin < 0) return { delivered: false, snrDb: s, latencyMs: p.baseLatencyMs * 4 };
  return { delivered: true, snrDb: s, latencyMs: Math.round(p.baseLatencyMs * (1 + 3 / Math.max(margin, 0.25))) };
}

/** A point-to-point meter's cellular link: a plain loss probability and jittered latency. */
export interface CellularLinkParams {
  lossProbability: number;
  baseLatencyMs: number;
  jitterMs: number;
}

export const defaultCellularLink: Readonly<CellularLinkParams> = Object.freeze({ lossProbability: 0.01, baseLatencyMs: 700, jitterMs: 300 });

export function transmitCellular(p: CellularLinkParams, random: () => number): Omit<Transmission, 'snrDb'> {
  const delivered = random() >= p.lossProbability;
  return { delivered, latencyMs: Math.round(p.baseLatencyMs + p.jitterMs * random()) };
}
