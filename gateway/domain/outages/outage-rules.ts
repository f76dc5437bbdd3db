import { classify, type Interruption, type Outage } from './interruption.js';

export interface OutageVerdict {
  /** Members closed as momentary before the outage was notified: they leave it. */
  detach: Interruption[];
  /** The outage becomes notified now (first notification). */
  notify: boolean;
  /** Every member has supply again after a notification: the outage is over. */
  restore: boolean;
  /** Nothing sustained happened and no member is left: recorded as momentary, never notified. */
  momentary: boolean;
  /** Members still part of the outage after detaching. */
  members: Interruption[];
}

/**
 * Decides an outage from its members and the gateway clock. A member is sustained when it was
 * closed after more than the threshold, or is still open and the threshold has passed since its
 * off (on the gateway clock: an off with no restore yet is reported without waiting for one).
 */
export function judgeOutage(outage: Outage, members: Interruption[], now: number, thresholdMs: number): OutageVerdict {
  const verdict: OutageVerdict = { detach: [], notify: false, restore: false, momentary: false, members };
  if (outage.state === 'pending') {
    verdict.detach = members.filter((m) => classify(m, thresholdMs) === 'momentary');
    verdict.members = members.filter((m) => !verdict.detach.includes(m));
    const sustained = verdict.members.some((m) => {
      const c = classify(m, thresholdMs);
      return c === 'sustained' || (c === 'open' && now - m.start! > thresholdMs);
    });
    if (sustained) verdict.notify = true;
    else if (verdict.members.length === 0) verdict.momentary = true;
  }
  if ((outage.state === 'notified' || verdict.notify) && verdict.members.length > 0 && verdict.members.every((m) => m.end !== undefined)) {
    verdict.restore = true;
  }
  return verdict;
}

/** The group an interruption is reported in: its transformer, else its concentrator, else itself. */
export function groupOf(meter: { mRID: string; transformerId?: string; concentratorId?: string }): Pick<Outage, 'groupKind' | 'groupId'> {
  if (meter.transformerId) return { groupKind: 'transformer', groupId: meter.transformerId };
  if (meter.concentratorId) return { groupKind: 'concentrator', groupId: meter.concentratorId };
  return { groupKind: 'meter', groupId: meter.mRID };
}
