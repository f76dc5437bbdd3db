import type { DeviceEvent, StoredEvent } from '../domain/events/device-event.js';
import type { EventRole, EventTypeTable } from '../domain/events/event-types.js';
import type { Interruption, InterruptionTrack, Outage } from '../domain/outages/interruption.js';
import { applyEnd, applyStart, type EdgeEvent } from '../domain/outages/interruption-rules.js';
import { outageEvent } from '../domain/outages/outage-notification.js';
import { groupOf, judgeOutage } from '../domain/outages/outage-rules.js';
import type { InterruptionStore } from '../ports/interruption-store.port.js';
import type { MeterRegistry } from '../ports/meter-registry.port.js';

export interface OutageSettings {
  thresholdMs: number;
  windowMs: number;
}

/** How far back an event may pair with a meter's earlier interruptions (late duplicates, out-of-order pairs). */
const PAIRING_HORIZON_MS = 7 * 24 * 3600_000;

const TRACKS: Record<EventRole, { track: InterruptionTrack; edge: 'start' | 'end' }> = {
  'power-off': { track: 'power', edge: 'start' },
  'power-restored': { track: 'power', edge: 'end' },
  'supply-disconnected': { track: 'relay', edge: 'start' },
  'supply-connected': { track: 'relay', edge: 'end' },
};

/**
 * Turns power-off / power-restored (and relay) events into interruptions per meter and grouped
 * outages, and says which outage notifications are due. Event times drive durations; the
 * gateway clock (`now`) only decides when an off still without restore has lasted long enough.
 * Each pass holds the store's `exclusive` lock: passes never interleave, in this process or across
 * gateway instances sharing the store.
 */
export class OutageDetector {
  constructor(private readonly deps: { store: InterruptionStore; meters: MeterRegistry; table: EventTypeTable; settings: OutageSettings }) {}

  /** Applies newly stored events (duplicates were already filtered by the event store). */
  apply(events: StoredEvent[], now: number): Promise<DeviceEvent[]> {
    // Most events (alarms) play no part in outages: they need not wait for the lock.
    const edges = events.filter((e) => this.deps.table.info(e.eventType)?.role);
    return edges.length === 0 ? Promise.resolve([]) : this.deps.store.exclusive(() => this.applyAll(edges, now));
  }

  /** The periodic check: outages whose open interruptions passed the threshold on the gateway clock. */
  check(now: number): Promise<DeviceEvent[]> {
    return this.deps.store.exclusive(() => this.checkAll(now));
  }

  private async applyAll(events: StoredEvent[], now: number): Promise<DeviceEvent[]> {
    const touched = new Set<number>();
    // Event time order, so an off and its restore arriving in one batch pair whatever their order.
    const ordered = [...events].sort((a, b) => a.createdDateTime - b.createdDateTime);
    for (const e of ordered) {
      const role = this.deps.table.info(e.eventType)?.role;
      if (!role) continue;
      const outageId = await this.applyEdge(e, TRACKS[role].track, TRACKS[role].edge);
      if (outageId !== undefined) touched.add(outageId);
    }
    const out: DeviceEvent[] = [];
    for (const id of touched) {
      const outage = await this.deps.store.outage(id);
      if (outage && (outage.state === 'pending' || outage.state === 'notified')) out.push(...await this.judge(outage, now));
    }
    return out;
  }

  private async checkAll(now: number): Promise<DeviceEvent[]> {
    const out: DeviceEvent[] = [];
    for (const outage of await this.deps.store.activeOutages()) out.push(...await this.judge(outage, now));
    return out;
  }

  private async applyEdge(e: StoredEvent, track: InterruptionTrack, edge: 'start' | 'end'): Promise<number | undefined> {
    const { store, meters } = this.deps;
    const meter = await meters.get(e.device);
    if (!meter) return undefined; // concentrator-level power events are stored and published, not paired
    const reported = Number(e.details.find((d) => d.name === 'outageDurationSeconds')?.value);
    const edgeEvent: EdgeEvent = {
      meter: meter.mRID, track, time: e.createdDateTime, eventId: e.id, ...(e.reason ? { cause: e.reason } : {}),
      ...(edge === 'end' && Number.isFinite(reported) && reported >= 0 ? { reportedDurationMs: reported * 1000 } : {}),
    };
    const known = await store.recentForMeter(meter.mRID, track, e.createdDateTime - PAIRING_HORIZON_MS);
    const change = edge === 'start' ? applyStart(known, edgeEvent) : applyEnd(known, edgeEvent);
    if (change.action === 'ignore') return undefined;
    const i: Interruption = { ...change.interruption, ...(meter.usagePointMRID ? { usagePoint: meter.usagePointMRID } : {}) };
    if (i.id === undefined) {
      if (track === 'relay') {
        i.kind = 'customer-requested';
        i.cause ??= 'supply disconnected by remote switch';
      } else if (await this.relayOpenAt(meter.mRID, i.start ?? i.end!)) {
        // No supply by the customer's (or the utility's commercial) request: not a grid interruption.
        i.kind = 'customer-requested';
        i.cause ??= 'power off while the remote switch was open';
      }
    }
    if (i.kind === 'supply' && i.start !== undefined && i.outageId === undefined) {
      const group = groupOf(meter);
      let outage = await store.joinableOutage(group.groupKind, group.groupId, i.start, this.deps.settings.windowMs);
      outage ??= { ...group, start: i.start, state: 'pending' };
      if (i.start < outage.start) outage.start = i.start;
      i.outageId = await store.saveOutage(outage);
    }
    await store.save(i);
    return i.outageId;
  }

  private async relayOpenAt(meter: string, time: number): Promise<boolean> {
    const relay = await this.deps.store.recentForMeter(meter, 'relay', time);
    return relay.some((r) => r.start !== undefined && r.start <= time && (r.end === undefined || r.end >= time));
  }

  private async judge(outage: Outage, now: number): Promise<DeviceEvent[]> {
    const { store, settings } = this.deps;
    const all = await store.members(outage.id!);
    const verdict = judgeOutage(outage, all, now, settings.thresholdMs);
    for (const { outageId: _left, ...m } of verdict.detach) await store.save(m);
    const out: DeviceEvent[] = [];
    const lastEnd = (list: Interruption[]) => Math.max(...list.map((m) => m.end ?? m.start ?? outage.start));
    if (verdict.notify) {
      outage.state = 'notified';
      outage.notifiedAt = now;
      out.push(outageEvent('started', outage, verdict.members, settings.thresholdMs));
    }
    if (verdict.restore) {
      outage.state = 'restored';
      outage.end = lastEnd(verdict.members);
      outage.restoredAt = now;
      out.push(outageEvent('restored', outage, verdict.members, settings.thresholdMs));
    }
    if (verdict.momentary) {
      outage.state = 'momentary';
      outage.end = lastEnd(all);
    }
    if (verdict.notify || verdict.restore || verdict.momentary || verdict.detach.length > 0) await store.saveOutage(outage);
    return out;
  }
}
