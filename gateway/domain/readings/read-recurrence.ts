import { Cron } from 'croner';
import type { Recurrence } from '../../ports/read-schedule-store.port.js';

const ISO_DURATION = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** PT15M, P1D, PT1H30M → seconds; undefined when it is not a day/time duration (months and years have no fixed length). */
export function isoDurationSeconds(s: string): number | undefined {
  const m = ISO_DURATION.exec(s.trim());
  if (!m || s.trim() === 'P' || s.trim().endsWith('T')) return undefined;
  const [d, h, min, sec] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number];
  return d * 86_400 + h * 3600 + min * 60 + sec;
}

/**
 * A TimeSchedule's recurrence: recurrencePattern is a cron expression (5 or 6 fields) or an ISO
 * 8601 duration; without a pattern, recurrencePeriod in seconds. A reason string when unusable.
 */
export function parseRecurrence(pattern: string | undefined, periodSeconds: number | undefined, timeZone: string): Recurrence | string {
  const p = pattern?.trim();
  if (p) {
    if (p.startsWith('P')) {
      const seconds = isoDurationSeconds(p);
      return seconds && seconds >= 60 ? { periodSeconds: seconds } : `recurrencePattern ${p}: a duration of at least one minute (PT15M, PT1H, P1D)`;
    }
    try {
      new Cron(p, { timezone: timeZone, paused: true });
      return { cron: p };
    } catch (err) {
      return `recurrencePattern ${p} is neither a cron expression nor an ISO 8601 duration (${(err as Error).message})`;
    }
  }
  if (periodSeconds !== undefined) return periodSeconds >= 60 ? { periodSeconds } : `recurrencePeriod ${periodSeconds}: at least 60 seconds`;
  return 'TimeSchedule needs a recurrencePattern or a recurrencePeriod';
}

/**
 * The first run strictly after `after` and not before the window start; undefined when it would fall
 * after the window end. A period counts from the window start (start + k·period, k ≥ 1: a read is
 * due once a period of data exists). Runs missed while the gateway was down are not replayed: the
 * head-end's collection catches up the intervals since each meter's last collection.
 */
export function nextRunAfter(r: Recurrence, window: { start: number; end?: number }, after: number, timeZone: string): number | undefined {
  let next: number | undefined;
  if ('cron' in r) {
    const from = Math.max(after, window.start - 1);
    next = new Cron(r.cron, { timezone: timeZone, paused: true }).nextRun(new Date(from))?.getTime();
  } else {
    const ms = r.periodSeconds * 1000;
    const k = Math.max(1, Math.floor((after - window.start) / ms) + 1);
    next = window.start + k * ms;
  }
  return next !== undefined && (window.end === undefined || next <= window.end) ? next : undefined;
}
