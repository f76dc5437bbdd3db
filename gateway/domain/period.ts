/**
 * A closed time range [start, end] in epoch milliseconds (end absent: no end), e.g. the period a
 * customer's consent covers: a third party may read the data stamped inside it, not before or after.
 */
export interface Period {
  start: number;
  end?: number;
}

const holds = (p: Period, t: number): boolean => t >= p.start && (p.end === undefined || t <= p.end);

export const inPeriods = (periods: readonly Period[], t: number): boolean => {
  for (const p of periods) if (holds(p, t)) return true;
  return false;
};

/**
 * Whether one period holds all these times (an interruption's start and end must not straddle a
 * gap); an undefined time (an open end, an unknown start) is no constraint; no times: true.
 */
export function withinOnePeriod(periods: readonly Period[], times: readonly (number | undefined)[]): boolean {
  const known = times.filter((t): t is number => t !== undefined);
  return known.length === 0 || periods.some((p) => known.every((t) => holds(p, t)));
}

/** The smallest range holding every period (to narrow a query before the exact per-point check). */
export function hull(periods: readonly Period[]): { start: number; end: number } {
  let start = Infinity, end = -Infinity;
  for (const p of periods) {
    start = Math.min(start, p.start);
    end = Math.max(end, p.end ?? Infinity);
  }
  return { start, end };
}

/** Periods → non-overlapping, sorted (two consents for one usage point make one range where they overlap or touch). */
export function mergePeriods(periods: readonly Period[]): Period[] {
  const sorted = [...periods].sort((a, b) => a.start - b.start);
  const out: Period[] = [];
  for (const p of sorted) {
    const last = out.at(-1);
    if (last && (last.end === undefined || p.start <= last.end + 1)) {
      if (last.end !== undefined && (p.end === undefined || p.end > last.end)) {
        if (p.end === undefined) delete last.end;
        else last.end = p.end;
      }
    } else out.push({ ...p });
  }
  return out;
}
