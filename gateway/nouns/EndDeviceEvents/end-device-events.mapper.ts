import type { DeviceEvent, StoredEvent } from '../../domain/events/device-event.js';
import type { DeviceRef } from '../../domain/meters/meter.js';
import type { EventCriteria, Located } from '../../use-cases/get-events.use-case.js';
import { MSG_NS, nounNs } from '../../xml/namespaces.js';
import { attr, child, children, el, opt, text, textAt, type XNode } from '../../xml/xnode.js';

export const EDE_NS = nounNs('EndDeviceEvents');
export const GET_EDE_NS = nounNs('GetEndDeviceEvents');

/** xs:dateTime without an offset is read as UTC (the schema allows it; JavaScript would guess local time). */
export function parseDateTime(v: string): number {
  return Date.parse(/(Z|[+-]\d\d:\d\d)$/.test(v) ? v : `${v}Z`);
}

const ref = (node: XNode | undefined): DeviceRef | undefined => {
  const mRID = text(node, 'mRID');
  if (mRID !== undefined) return { mRID };
  const name = textAt(child(node, 'Names'), 'name');
  return name !== undefined ? { name } : undefined;
};

export interface ReadEvent {
  event: DeviceEvent;
  xpath: string;
}

/** EndDeviceEvents → DeviceEvents (device = Assets mRID or name; empty when only a UsagePoint names it). */
export function readEndDeviceEvents(node: XNode, kind: string): ReadEvent[] {
  const list = children(node, 'EndDeviceEvent');
  return list.map((e, i) => {
    const asset = ref(child(e, 'Assets'));
    const usagePoint = ref(child(e, 'UsagePoint'));
    const event: DeviceEvent = {
      device: asset?.mRID ?? asset?.name ?? '',
      eventType: attr(child(e, 'EndDeviceEventType'), 'ref') ?? '',
      createdDateTime: parseDateTime(text(e, 'createdDateTime')!),
      details: children(e, 'EndDeviceEventDetails').map((d) => ({ name: text(d, 'name') ?? '', value: text(d, 'value') ?? '' })),
    };
    const optional = { mRID: text(e, 'mRID'), reason: text(e, 'reason'), severity: text(e, 'severity'), issuerID: text(e, 'issuerID'),
      issuerTrackingID: text(e, 'issuerTrackingID'), userID: text(e, 'userID'), usagePoint: usagePoint?.mRID ?? usagePoint?.name };
    for (const [k, v] of Object.entries(optional)) if (v !== undefined) (event as unknown as Record<string, string>)[k] = v;
    return { event, xpath: `/${kind}/Payload/EndDeviceEvents/EndDeviceEvent${list.length > 1 ? `[${i + 1}]` : ''}` };
  });
}

/** Stored events → an EndDeviceEvents element, in the schema's order. Unknown codes carry a flag detail. */
export function endDeviceEventsNode(events: StoredEvent[]): XNode {
  const ns = EDE_NS;
  return el(ns, 'EndDeviceEvents', events.map((e) => el(ns, 'EndDeviceEvent', [
    el(ns, 'createdDateTime', new Date(e.createdDateTime).toISOString()),
    opt(ns, 'issuerID', e.issuerID),
    opt(ns, 'issuerTrackingID', e.issuerTrackingID),
    opt(ns, 'mRID', e.mRID),
    opt(ns, 'reason', e.reason),
    opt(ns, 'severity', e.severity),
    opt(ns, 'userID', e.userID),
    el(ns, 'Assets', [el(ns, 'mRID', e.device)]),
    ...[...e.details, ...(e.known ? [] : [{ name: 'gatewayFlag', value: 'unknown-event-type' }])]
      .map((d) => el(ns, 'EndDeviceEventDetails', [el(ns, 'name', d.name), el(ns, 'value', d.value)])),
    el(ns, 'EndDeviceEventType', undefined, { ref: e.eventType }),
    e.usagePoint ? el(ns, 'UsagePoint', [el(ns, 'mRID', e.usagePoint)]) : undefined,
  ])));
}

/** Request (StartTime/EndTime) + GetEndDeviceEvents → search criteria, each item with its xpath. */
export function readCriteria(request: XNode | undefined, kind: string): EventCriteria {
  const get = child(request, 'GetEndDeviceEvents', GET_EDE_NS);
  const base = `/${kind}/Request/GetEndDeviceEvents`;
  const located = (name: string): Located<DeviceRef>[] => {
    const list = children(get, name);
    return list.flatMap((n, i) => {
      const r = ref(n);
      return r ? [{ ref: r, xpath: `${base}/${name}${list.length > 1 ? `[${i + 1}]` : ''}` }] : [];
    });
  };
  const windows = children(get, 'TimeSchedule').map((t) => {
    const start = textAt(t, 'scheduleInterval', 'start');
    const end = textAt(t, 'scheduleInterval', 'end');
    return { ...(start ? { start: parseDateTime(start) } : {}), ...(end ? { end: parseDateTime(end) } : {}) };
  });
  const start = text(child(request, 'StartTime', MSG_NS));
  const end = text(child(request, 'EndTime', MSG_NS));
  if (windows.length === 0 && (start || end)) windows.push({ ...(start ? { start: parseDateTime(start) } : {}), ...(end ? { end: parseDateTime(end) } : {}) });
  return {
    devices: located('EndDevice'),
    groups: located('EndDeviceGroup'),
    usagePoints: located('UsagePoint'),
    eventTypes: children(get, 'EndDeviceEventType').flatMap((t) => attr(t, 'ref') ?? []),
    windows,
  };
}
