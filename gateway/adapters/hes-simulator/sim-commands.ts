import type { DeviceEvent } from '../../domain/events/device-event.js';
import type { Reading } from '../../domain/readings/reading.js';
import type { HesCommand, HesOutcome } from '../../ports/hes.port.js';
import { advance, clockOffsetS, type SimMeterState } from './sim-meter.js';

export const REGISTER_KWH = '0.0.0.1.1.1.12.0.0.0.0.0.0.0.0.3.72.0';
export const INTERVAL_KWH = '0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0';

export interface Applied {
  outcome: HesOutcome;
  /** False when the meter was not touched (refused). */
  executed: boolean;
  /** What the meter reports because of it (the confirmation the gateway correlates). */
  events: DeviceEvent[];
}

const event = (m: SimMeterState, cmd: HesCommand, eventType: string, now: number, more: { name: string; value: string }[] = []): DeviceEvent => ({
  mRID: `${cmd.commandId}/${eventType}`, device: m.mRID, eventType, createdDateTime: now, details: [{ name: 'commandId', value: cmd.commandId }, ...more],
});

export function registerReading(m: SimMeterState, now: number): Reading {
  return { meter: m.mRID, readingType: REGISTER_KWH, timestamp: now, value: Math.round(m.energyWh) / 1000, qualities: ['1.0.0'], kind: 'register', source: 'HES-SIM' };
}

function loadLimitW(params: HesCommand['params']): number | undefined {
  const value = Number(params?.loadLimit);
  if (!Number.isFinite(value) || value <= 0) return undefined;
  const unit = String(params?.loadLimitUnit ?? 'W').toLowerCase();
  return unit === 'kw' ? value * 1000 : value;
}

/** Executes one command on a meter's state (consumption integrated first, so the register is exact). */
export function applyCommand(m: SimMeterState, cmd: HesCommand, seed: number, now: number): Applied {
  advance(m, seed, now);
  const ok = (detail: string, events: DeviceEvent[] = [], extra: Partial<Extract<HesOutcome, { status: 'succeeded' }>> = {}): Applied =>
    ({ outcome: { status: 'succeeded', detail, ...extra }, executed: true, events });
  switch (cmd.kind) {
    case 'connect':
      m.relay = 'connected';
      return ok('relay closed', [event(m, cmd, '3.31.0.42', now)]);
    case 'disconnect':
      m.relay = 'disconnected';
      return ok('relay opened', [event(m, cmd, '3.31.0.68', now)]);
    case 'arm':
      if (m.relay === 'connected') return ok('already connected; nothing to arm');
      m.relay = 'armed';
      return ok('relay armed for connection', [event(m, cmd, '3.31.0.5', now)]);
    case 'load-limit-set': {
      const limit = loadLimitW(cmd.params);
      if (limit === undefined) return { outcome: { status: 'failed', transient: false, reason: 'load limit value missing or not positive' }, executed: false, events: [] };
      m.loadLimitW = limit;
      return ok(`load limit set to ${limit} W`);
    }
    case 'load-limit-clear':
      delete m.loadLimitW;
      return ok('load limit cleared');
    case 'time-sync': {
      const offset = Math.round(clockOffsetS(m, now) * 1000) / 1000;
      m.clockOffsetAtSetS = 0;
      m.clockSetAt = now;
      return ok(`clock set; it was ${offset} s off`, [event(m, cmd, '3.36.116.24', now, [{ name: 'clockOffsetSeconds', value: String(offset) }])], { values: { clockOffsetSeconds: offset } });
    }
    case 'read':
      return ok('register read', [], { readings: [registerReading(m, now)] });
  }
}

/** Interval and register readings of a meter for an on-demand read. */
export function readingsFor(m: SimMeterState, readingTypes: string[], start: number, end: number, now: number): Reading[] {
  const want = (t: string) => readingTypes.length === 0 || readingTypes.includes(t);
  const out: Reading[] = [];
  if (want(INTERVAL_KWH)) {
    for (const [k, wh] of Object.entries(m.profile)) {
      const ts = Number(k);
      if (ts > start && ts <= end && ts <= now) out.push({ meter: m.mRID, readingType: INTERVAL_KWH, timestamp: ts, value: Math.round(wh) / 1000, qualities: ['1.0.0'], kind: 'interval', source: 'HES-SIM' });
    }
    out.sort((a, b) => a.timestamp - b.timestamp);
  }
  if (want(REGISTER_KWH)) out.push(registerReading(m, now));
  return out;
}
