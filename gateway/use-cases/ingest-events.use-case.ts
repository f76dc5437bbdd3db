import type { DeviceEvent, StoredEvent } from '../domain/events/device-event.js';
import { eventId } from '../domain/events/event-key.js';
import type { EventTypeTable } from '../domain/events/event-types.js';
import { normaliseEvent } from '../domain/events/normalise-event.js';
import type { Logger } from '../logging/logger.js';
import type { Clock } from '../ports/clock.port.js';
import type { EventStore } from '../ports/event-store.port.js';
import type { MeterRegistry } from '../ports/meter-registry.port.js';
import type { NetworkStore } from '../ports/network-store.port.js';
import type { OutageDetector } from './detect-outages.use-case.js';

export type IngestStatus = 'stored' | 'duplicate' | 'unknown-device';

/** What became of one incoming event (a status word may have become several stored events). */
export interface IngestOutcome {
  index: number;
  status: IngestStatus;
  /** Stored with a code the mapping table does not know. */
  flagged: boolean;
  eventTypes: string[];
}

export interface IngestDeps {
  table: EventTypeTable;
  events: EventStore;
  meters: MeterRegistry;
  network: NetworkStore;
  detector: OutageDetector;
  clock: Clock;
  log: Logger;
  /** Hands stored but unpublished events to the publisher; returns how many it handled. */
  publishPending: () => Promise<number>;
}

/**
 * created EndDeviceEvents, from a CIM message or pushed in-process by the head-end: resolve the
 * device, map the code, store idempotently, feed the outage detector, publish. One call at a
 * time (a promise chain), so the detector sees events in a consistent order and nothing is
 * published twice by two concurrent passes.
 */
export class EventIngest {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: IngestDeps) {}

  /** The use case the HES listener (HesListener.onEvents) and the noun handler call. */
  ingest(events: DeviceEvent[], source: string): Promise<IngestOutcome[]> {
    return this.serial(() => this.run(events, source));
  }

  /** Periodic pass: outages whose threshold passed on the gateway clock, then anything unpublished. */
  tick(): Promise<number> {
    return this.serial(async () => {
      const notifications = await this.deps.detector.check(this.deps.clock.now().getTime());
      await this.storeNotifications(notifications);
      return (await this.deps.publishPending()) + notifications.length;
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async run(events: DeviceEvent[], source: string): Promise<IngestOutcome[]> {
    const { table, clock } = this.deps;
    const now = clock.now().getTime();
    const devices = await this.resolveDevices(events);
    const outcomes: IngestOutcome[] = [];
    const candidates: { index: number; event: StoredEvent }[] = [];
    events.forEach((raw, index) => {
      const device = devices.get(raw.device || `up:${raw.usagePoint ?? ''}`);
      if (!device) {
        outcomes.push({ index, status: 'unknown-device', flagged: false, eventTypes: [] });
        return;
      }
      const normalised = normaliseEvent({ ...raw, device }, table);
      for (const n of normalised) candidates.push({ index, event: { ...n.event, id: eventId(n.event), source, known: n.known, receivedAt: now } });
      outcomes.push({ index, status: 'duplicate', flagged: normalised.some((n) => !n.known), eventTypes: normalised.map((n) => n.event.eventType) });
    });
    const fresh = await this.deps.events.add(candidates.map((c) => c.event));
    const freshIds = new Set(fresh.map((e) => e.id));
    for (const c of candidates) if (freshIds.has(c.event.id)) outcomes[c.index]!.status = 'stored';
    const notifications = await this.deps.detector.apply(fresh, now);
    await this.storeNotifications(notifications);
    await this.deps.publishPending();
    return outcomes;
  }

  private async storeNotifications(notifications: DeviceEvent[]): Promise<void> {
    if (notifications.length === 0) return;
    const now = this.deps.clock.now().getTime();
    await this.deps.events.add(notifications.map((n) => ({ ...n, id: eventId(n), source: 'gateway', known: true, receivedAt: now })));
    this.deps.log.info({ notifications: notifications.map((n) => n.mRID) }, 'outage notifications');
  }

  /**
   * Maps each event's device reference (mRID or Names/name of a meter, a concentrator id, or
   * failing both a UsagePoint) to the mRID it is stored under; unknown ones are absent.
   */
  private async resolveDevices(events: DeviceEvent[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const refs = [...new Set(events.map((e) => e.device).filter(Boolean))];
    const byMrid = await this.deps.meters.resolve(refs.map((mRID) => ({ mRID })));
    const missing = refs.filter((r) => !byMrid.get(`mRID:${r}`));
    const byName = missing.length > 0 ? await this.deps.meters.resolve(missing.map((name) => ({ name }))) : new Map();
    const concentrators = missing.length > 0 ? new Set((await this.deps.network.concentrators()).map((c) => c.id)) : new Set<string>();
    for (const r of refs) {
      const hit = byMrid.get(`mRID:${r}`) ?? byName.get(`name:${r}`);
      if (hit) out.set(r, hit.mRID);
      else if (concentrators.has(r)) out.set(r, r);
    }
    for (const e of events) {
      if (e.device || !e.usagePoint) continue;
      const [meter] = await this.deps.meters.byUsagePoint(e.usagePoint);
      if (meter) out.set(`up:${e.usagePoint}`, meter.mRID);
    }
    return out;
  }
}
