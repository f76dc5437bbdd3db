import { combine, replyError, type Reply } from '../../cim/reply.js';
import type { ItemError } from '../../use-cases/provision-meters.use-case.js';

/**
 * Per-item errors with the xpath of the item (`[n]` only where siblings share a name, as the
 * schema errors do). Result: OK when every item went through, FAILED when none did.
 */
export function itemReply(kind: string, errors: ItemError[], counts: { Meter: number; UsagePoint: number }, base = `/${kind}/Payload/MeterConfig`): Reply {
  const items = counts.Meter + counts.UsagePoint;
  const mapped = errors.map((e) => replyError(e.code, {
    details: e.details,
    xpath: `${base}/${e.kind}${counts[e.kind] > 1 ? `[${e.index + 1}]` : ''}`,
  }));
  if (items === 0) return combine(0, []);
  return combine(items - new Set(errors.map((e) => `${e.kind}:${e.index}`)).size, mapped);
}
