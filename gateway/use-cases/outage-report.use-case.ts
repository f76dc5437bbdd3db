import { classify, durationMs, type InterruptionClass } from '../domain/outages/interruption.js';
import type { InterruptionStore } from '../ports/interruption-store.port.js';

export interface ReportRow {
  meter: string;
  usagePoint?: string;
  kind: 'supply' | 'customer-requested';
  class: InterruptionClass;
  start?: string;
  end?: string;
  durationSeconds?: number;
  cause?: string;
  outageId?: number;
}

/**
 * Interruptions over a period for the regulator: each one with its class, and the counts the
 * quality-of-supply indices are computed from. Customer-requested interruptions are listed but
 * never counted as supply interruptions.
 */
export async function interruptionReport(store: InterruptionStore, from: number, to: number, thresholdMs: number, meter?: string) {
  const rows: ReportRow[] = (await store.interruptions({ from, to, ...(meter ? { meter } : {}) })).map((i) => {
    const d = durationMs(i);
    return {
      meter: i.meter, kind: i.kind, class: classify(i, thresholdMs),
      ...(i.usagePoint ? { usagePoint: i.usagePoint } : {}), ...(i.start !== undefined ? { start: new Date(i.start).toISOString() } : {}),
      ...(i.end !== undefined ? { end: new Date(i.end).toISOString() } : {}), ...(d !== undefined ? { durationSeconds: d / 1000 } : {}),
      ...(i.cause ? { cause: i.cause } : {}), ...(i.outageId !== undefined ? { outageId: i.outageId } : {}),
    };
  });
  const supply = rows.filter((r) => r.kind === 'supply');
  const count = (c: InterruptionClass) => supply.filter((r) => r.class === c).length;
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    thresholdSeconds: thresholdMs / 1000,
    totals: {
      sustained: count('sustained'), momentary: count('momentary'), open: count('open'), unknownStart: count('unknown-start'),
      customerRequested: rows.length - supply.length,
      sustainedSeconds: supply.filter((r) => r.class === 'sustained').reduce((s, r) => s + (r.durationSeconds ?? 0), 0),
      metersAffected: new Set(supply.filter((r) => r.class !== 'momentary').map((r) => r.meter)).size,
    },
    interruptions: rows,
    outages: (await store.outages(from, to)).map((o) => ({ ...o, start: new Date(o.start).toISOString(), ...(o.end !== undefined ? { end: new Date(o.end).toISOString() } : {}) })),
  };
}
