import type { DeviceEvent } from '../../domain/events/device-event.js';
import type { Reading } from '../../domain/readings/reading.js';
import { hashString, mulberry32 } from './prng.js';
import { INTERVAL_KWH } from './sim-commands.js';
import { advance, intervalsBetween, INTERVAL_MS, type SimMeterState } from './sim-meter.js';

/** Status-word bits a meter may raise (see mappings/end-device-event-types.json). */
const STATUS_BITS = [5, 6, 7, 9];

export interface Gathered {
  readings: Reading[];
  events: DeviceEvent[];
}

/**
 * What one meter hands over at a collection: its completed 15-minute intervals since the last
 * collection of readings (which moves `collectedTo`, so nothing is sent twice and a missed
 * collection is caught up by the next), and a status word drawn from seed ⊕ meter ⊕ interval.
 */
export function gather(m: SimMeterState, o: { seed: number; now: number; readings: boolean; events: boolean; statusWordProbability: number }, into: Gathered): void {
  advance(m, o.seed, o.now);
  if (o.readings) {
    for (const i of intervalsBetween(m, m.collectedTo, o.now)) {
      into.readings.push({ meter: m.mRID, readingType: INTERVAL_KWH, timestamp: i.end, value: Math.round(i.wh) / 1000, qualities: ['1.0.0'], kind: 'interval', source: 'HES-SIM' });
    }
    m.collectedTo = Math.floor(o.now / INTERVAL_MS) * INTERVAL_MS;
  }
  if (!o.events) return;
  const r = mulberry32(o.seed ^ hashString(m.mRID) ^ Math.floor(o.now / INTERVAL_MS));
  if (r() < o.statusWordProbability) {
    const bit = STATUS_BITS[Math.floor(r() * STATUS_BITS.length)]!;
    into.events.push({ mRID: `${m.mRID}/sw/${o.now}`, device: m.mRID, eventType: 'STATUS', createdDateTime: o.now, details: [{ name: 'statusWord', value: `0x${(1 << bit).toString(16)}` }] });
  }
}
