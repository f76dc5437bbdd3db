import type { DeviceEvent } from '../events/device-event.js';
import type { Interruption, Outage } from './interruption.js';

/** Gateway-generated event types (listed with origin=gateway in mappings/end-device-event-types.json). */
export const OUTAGE_STARTED = '0.26.0.85';
export const OUTAGE_RESTORED = '0.26.0.216';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * An outage notification is itself an EndDeviceEvent, so subscribers receive it through the same
 * created EndDeviceEvents EventMessage as raw events: Assets = the group (transformer,
 * concentrator or lone meter), one `meter` / `usagePoint` detail per meter concerned.
 */
export function outageEvent(kind: 'started' | 'restored', outage: Outage, members: Interruption[], thresholdMs: number): DeviceEvent {
  const meters = [...new Set(members.map((m) => m.meter))].sort();
  const usagePoints = [...new Set(members.flatMap((m) => (m.usagePoint ? [m.usagePoint] : [])))].sort();
  const details = [
    { name: 'outageId', value: String(outage.id) },
    { name: 'groupKind', value: outage.groupKind },
    { name: 'groupId', value: outage.groupId },
    { name: 'thresholdSeconds', value: String(thresholdMs / 1000) },
    { name: 'start', value: iso(outage.start) },
    ...(kind === 'restored' && outage.end !== undefined
      ? [{ name: 'end', value: iso(outage.end) }, { name: 'durationSeconds', value: String(Math.round((outage.end - outage.start) / 1000)) }]
      : []),
    { name: 'meterCount', value: String(meters.length) },
    ...meters.map((m) => ({ name: 'meter', value: m })),
    ...usagePoints.map((u) => ({ name: 'usagePoint', value: u })),
  ];
  const causes = [...new Set(members.flatMap((m) => (m.cause ? [m.cause] : [])))];
  return {
    mRID: `outage-${outage.id}-${kind}`,
    device: outage.groupId,
    eventType: kind === 'started' ? OUTAGE_STARTED : OUTAGE_RESTORED,
    createdDateTime: kind === 'started' ? outage.start : outage.end!,
    reason: kind === 'started'
      ? `supply interruption longer than ${thresholdMs / 1000} s on ${outage.groupKind} ${outage.groupId}${causes.length ? ` (cause: ${causes.join('; ')})` : ''}`
      : `supply restored on ${outage.groupKind} ${outage.groupId}`,
    severity: kind === 'started' ? 'major' : 'info',
    details,
  };
}

/** The meters a notification is about (for subscription device-group filters). */
export function notifiedMeters(e: DeviceEvent): string[] {
  return e.details.filter((d) => d.name === 'meter').map((d) => d.value);
}
