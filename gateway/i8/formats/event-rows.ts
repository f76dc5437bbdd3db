import type { StoredEvent } from '../../domain/events/device-event.js';
import type { Interruption } from '../../domain/outages/interruption.js';
import { endDeviceEventsNode } from '../../nouns/EndDeviceEvents/end-device-events.mapper.js';
import { writeXml } from '../../xml/xml-writer.js';
import type { components } from '../generated/i8-types.js';

export type EventItem = components['schemas']['Event'];
export type InterruptionItem = components['schemas']['Interruption'];

export function eventItem(e: StoredEvent, usagePoint: string | undefined): EventItem {
  const up = e.usagePoint ?? usagePoint;
  return {
    id: e.id, device: e.device, eventType: e.eventType, createdDateTime: new Date(e.createdDateTime).toISOString(), details: e.details,
    ...(e.mRID ? { mRID: e.mRID } : {}), ...(up ? { usagePoint: up } : {}), ...(e.reason ? { reason: e.reason } : {}), ...(e.severity ? { severity: e.severity } : {}),
  };
}

export const EVENT_COLUMNS = ['id', 'device', 'usagePoint', 'eventType', 'createdDateTime', 'reason', 'severity', 'details'] as const;
export function eventRecord(e: StoredEvent, usagePoint: string | undefined): string[] {
  return [e.id, e.device, e.usagePoint ?? usagePoint ?? '', e.eventType, new Date(e.createdDateTime).toISOString(), e.reason ?? '', e.severity ?? '',
    e.details.map((d) => `${d.name}=${d.value}`).join(';')];
}

export const eventsXml = (events: StoredEvent[]): string => writeXml(endDeviceEventsNode(events), { declaration: true });

export function interruptionItem(i: Interruption & { id: number }): InterruptionItem {
  return {
    id: i.id, meter: i.meter, kind: i.kind, ...(i.usagePoint ? { usagePoint: i.usagePoint } : {}),
    ...(i.start !== undefined ? { start: new Date(i.start).toISOString() } : {}), ...(i.end !== undefined ? { end: new Date(i.end).toISOString() } : {}),
    ...(i.start !== undefined && i.end !== undefined ? { durationSeconds: (i.end - i.start) / 1000 } : {}), ...(i.cause ? { cause: i.cause } : {}),
  };
}

export const INTERRUPTION_COLUMNS = ['id', 'meter', 'usagePoint', 'kind', 'start', 'end', 'durationSeconds', 'cause'] as const;
export function interruptionRecord(i: Interruption & { id: number }): (string | number)[] {
  const j = interruptionItem(i);
  return [j.id, j.meter, j.usagePoint ?? '', j.kind, j.start ?? '', j.end ?? '', j.durationSeconds ?? '', j.cause ?? ''];
}
