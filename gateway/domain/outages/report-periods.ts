import { Cron } from 'croner';

export type PeriodKind = 'day' | 'month' | 'all';

/**
 * [from, to) cut at local midnights (day) or first-of-month midnights (month) of the time zone.
 * croner resolves the zone's rules, including Chile's DST change at 24:00 (the day then starts at 01:00).
 */
export function periods(from: number, to: number, kind: PeriodKind, timeZone: string): { start: number; end: number }[] {
  const cuts = [from];
  if (kind !== 'all') {
    const cron = new Cron(kind === 'day' ? '0 0 0 * * *' : '0 0 0 1 * *', { timezone: timeZone, paused: true });
    for (let next = cron.nextRun(new Date(from)); next && next.getTime() < to; next = cron.nextRun(next)) cuts.push(next.getTime());
  }
  cuts.push(to);
  return cuts.slice(0, -1).map((start, i) => ({ start, end: cuts[i + 1]! }));
}
