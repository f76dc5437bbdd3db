import type { Interruption } from '../domain/outages/interruption.js';
import { withinOnePeriod, type Period } from '../domain/period.js';
import { periods, type PeriodKind } from '../domain/outages/report-periods.js';
import type { InterruptionStore } from '../ports/interruption-store.port.js';
import type { ReadingStore } from '../ports/reading-store.port.js';

export interface ReportSettings {
  timeZone: string;
  interruptionMinSeconds: number;
  excludeCustomerRequested: boolean;
  nominalVoltage: number;
  voltageBandPercent: number;
  voltageReadingTypes: string[];
}

export interface ReportScope {
  /** Meters in the caller's scope (undefined: all) and the usage point of each. */
  meters?: ReadonlySet<string>;
  /** Meter → the only periods its data may come from (a third party's consents); other meters: all of it. */
  periods?: ReadonlyMap<string, readonly Period[]>;
  usagePointOf: (meter: string) => string | undefined;
  customersServed: number;
}

const iso = (t: number) => new Date(t).toISOString();

/**
 * Supply interruptions per period: the inputs of SAIFI (count / customers served) and SAIDI
 * (customer-hours / customers served). An interruption qualifies when its whole duration exceeds
 * the threshold (an open one: up to the report's end); it is counted in the period where it
 * started and its duration is split over the periods it spans. Customer-requested disconnections
 * are excluded and reported apart.
 */
export async function interruptionReport(store: InterruptionStore, scope: ReportScope, q: { from: number; to: number; period: PeriodKind }, s: ReportSettings) {
  const inPeriods = (i: Interruption) => {
    const p = scope.periods?.get(i.meter);
    return !p || withinOnePeriod(p, [i.start, i.end]);
  };
  const all = (await store.interruptions({ from: q.from, to: q.to })).filter((i) => (!scope.meters || scope.meters.has(i.meter)) && inPeriods(i));
  const minMs = s.interruptionMinSeconds * 1000;
  const fullMs = (i: Interruption) => (i.start === undefined ? undefined : (i.end ?? q.to) - i.start);
  const customer = (i: Interruption) => i.usagePoint ?? scope.usagePointOf(i.meter) ?? i.meter;
  const rows = periods(q.from, q.to, q.period, s.timeZone).map(({ start, end }) => {
    const startedHere = (i: Interruption) => i.start !== undefined && i.start >= start && i.start < end;
    let count = 0, ms = 0, excludedCustomerRequested = 0, excludedShort = 0, stillOpen = 0;
    const affected = new Set<string>();
    for (const i of all) {
      if (s.excludeCustomerRequested && i.kind === 'customer-requested') { if (startedHere(i)) excludedCustomerRequested++; continue; }
      const d = fullMs(i);
      if (d === undefined) continue; // a restore whose power-off was never seen: no start, no duration to report
      if (d <= minMs) { if (startedHere(i)) excludedShort++; continue; }
      const overlap = Math.min(i.end ?? q.to, end) - Math.max(i.start!, start);
      if (overlap > 0) ms += overlap;
      if (startedHere(i)) {
        count++;
        affected.add(customer(i));
        if (i.end === undefined || i.end > end) stillOpen++;
      }
    }
    return {
      periodStart: iso(start), periodEnd: iso(end), count, durationSeconds: ms / 1000, customersAffected: affected.size,
      customerHoursInterrupted: ms / 3_600_000, excludedCustomerRequested, excludedShort, stillOpen,
    };
  });
  return { from: iso(q.from), to: iso(q.to), timeZone: s.timeZone, thresholdSeconds: s.interruptionMinSeconds, customersServed: scope.customersServed, periods: rows };
}

export interface VoltageRow {
  meter: string; periodStart: string; periodEnd: string;
  samples: number; below: number; above: number; outOfBand: number; shareOutOfBand: number;
}

/** Share of voltage samples outside nominal ± band, per meter and period; a sample on a limit is in band. */
export async function voltageQualityReport(readings: ReadingStore, meters: string[], q: { from: number; to: number; period: PeriodKind }, s: ReportSettings,
  dataPeriods?: ReadonlyMap<string, readonly Period[]>) {
  // (100 ∓ b) / 100 keeps the limits exact for the usual values (220 V ± 7.5 % → 203.5 and 236.5).
  const low = (s.nominalVoltage * (100 - s.voltageBandPercent)) / 100;
  const high = (s.nominalVoltage * (100 + s.voltageBandPercent)) / 100;
  const cuts = periods(q.from, q.to, q.period, s.timeZone);
  const rows: VoltageRow[] = [];
  for (const meter of meters) {
    const counts = cuts.map(() => ({ samples: 0, below: 0, above: 0 }));
    const query = { meters: [meter], readingTypes: s.voltageReadingTypes, start: new Date(q.from), end: new Date(q.to), ...(dataPeriods ? { periods: dataPeriods } : {}) };
    for (const r of await readings.read(query, { offset: 0, limit: Number.MAX_SAFE_INTEGER })) {
      if (r.value === undefined) continue;
      const k = cuts.findIndex((p) => r.timestamp >= p.start && r.timestamp < p.end);
      const c = counts[k === -1 ? cuts.length - 1 : k]!; // `to` itself is inclusive for readings: last period
      c.samples++;
      if (r.value < low) c.below++;
      else if (r.value > high) c.above++;
    }
    cuts.forEach((p, k) => {
      const c = counts[k]!;
      if (c.samples === 0) return;
      rows.push({ meter, periodStart: iso(p.start), periodEnd: iso(p.end), ...c, outOfBand: c.below + c.above, shareOutOfBand: (c.below + c.above) / c.samples });
    });
  }
  return { from: iso(q.from), to: iso(q.to), timeZone: s.timeZone, nominalVoltage: s.nominalVoltage, bandPercent: s.voltageBandPercent, lowLimit: low, highLimit: high, rows };
}
