import type { StoredEvent } from '../domain/events/device-event.js';
import type { EventTypeTable } from '../domain/events/event-types.js';
import type { DeviceRef } from '../domain/meters/meter.js';
import type { EventStore } from '../ports/event-store.port.js';
import type { MeterRegistry } from '../ports/meter-registry.port.js';
import type { NetworkStore } from '../ports/network-store.port.js';

export interface Located<T> {
  ref: T;
  /** Where the criterion sits in the request, for per-item errors. */
  xpath: string;
}

export interface EventCriteria {
  devices: Located<DeviceRef>[];
  groups: Located<DeviceRef>[];
  usagePoints: Located<DeviceRef>[];
  eventTypes: string[];
  /** Time windows (OR-ed); an absent bound is open. */
  windows: { start?: number; end?: number }[];
}

export interface EventSearch {
  events: StoredEvent[];
  /** Criteria naming nothing known. */
  unknown: { kind: 'device' | 'group' | 'usagePoint'; ref: DeviceRef; xpath: string }[];
  truncated: boolean;
  /** Devices, groups or usage points were named and none of them exists. */
  nothingKnown: boolean;
}

const label = (r: DeviceRef) => r.mRID ?? r.name ?? '';

/**
 * get EndDeviceEvents: devices, groups (concentrator / transformer) and usage points resolve to
 * devices; event types may be given as CIM or vendor codes. Answers from the store (what the
 * head-end pushed or was extracted earlier), oldest first, at most `limit` events.
 */
export async function findEvents(c: EventCriteria, deps: { events: EventStore; meters: MeterRegistry; network: NetworkStore; table: EventTypeTable; limit: number }): Promise<EventSearch> {
  const unknown: EventSearch['unknown'] = [];
  const devices = new Set<string>();
  const concentrators = new Set((await deps.network.concentrators()).map((x) => x.id));
  const resolved = await deps.meters.resolve(c.devices.map((d) => d.ref));
  for (const d of c.devices) {
    const meter = resolved.get(d.ref.mRID !== undefined ? `mRID:${d.ref.mRID}` : `name:${d.ref.name ?? ''}`);
    if (meter) devices.add(meter.mRID);
    else if (concentrators.has(label(d.ref))) devices.add(label(d.ref));
    else unknown.push({ kind: 'device', ref: d.ref, xpath: d.xpath });
  }
  for (const g of c.groups) {
    const members = await deps.meters.group(label(g.ref));
    if (members.length === 0) unknown.push({ kind: 'group', ref: g.ref, xpath: g.xpath });
    // A group's own events (concentrator alarms, grouped outage notifications) belong to it too.
    else [label(g.ref), ...members.map((m) => m.mRID)].forEach((d) => devices.add(d));
  }
  for (const u of c.usagePoints) {
    const members = await deps.meters.byUsagePoint(label(u.ref));
    if (members.length === 0) unknown.push({ kind: 'usagePoint', ref: u.ref, xpath: u.xpath });
    else members.forEach((m) => devices.add(m.mRID));
  }
  const named = c.devices.length + c.groups.length + c.usagePoints.length;
  if (named > 0 && devices.size === 0) return { events: [], unknown, truncated: false, nothingKnown: true };

  const eventTypes = [...new Set(c.eventTypes.map((t) => deps.table.resolve(t).code))];
  const windows = c.windows.length > 0 ? c.windows : [{}];
  const byId = new Map<string, StoredEvent>();
  for (const w of windows) {
    const found = await deps.events.query({
      ...(devices.size > 0 ? { devices: [...devices] } : {}), ...(eventTypes.length ? { eventTypes } : {}),
      ...(w.start !== undefined ? { from: w.start } : {}), ...(w.end !== undefined ? { to: w.end } : {}), limit: deps.limit + 1,
    });
    for (const e of found) byId.set(e.id, e);
  }
  const all = [...byId.values()].sort((a, b) => a.createdDateTime - b.createdDateTime);
  return { events: all.slice(0, deps.limit), unknown, truncated: all.length > deps.limit, nothingKnown: false };
}
