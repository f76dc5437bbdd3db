import { combine, replyError, type Reply } from '../../cim/reply.js';
import type { DeviceRef } from '../../domain/meters/meter.js';
import type { ScheduleError, ScheduleSpec } from '../../use-cases/manage-read-schedules.use-case.js';
import { nounNs } from '../../xml/namespaces.js';
import { attr, child, children, text, textAt, type XNode } from '../../xml/xnode.js';

export const MRS_NS = nounNs('MeterReadSchedules');

const deviceRef = (n: XNode): DeviceRef => {
  const mRID = text(n, 'mRID');
  const name = textAt(n, 'Names', 'name');
  return mRID !== undefined ? { mRID } : { ...(name !== undefined ? { name } : {}) };
};

/** The MeterReadSchedule items of a payload (validated against the schema already). */
export function readSchedules(payload: XNode | undefined): ScheduleSpec[] {
  return children(child(payload, 'MeterReadSchedules', MRS_NS), 'MeterReadSchedule').map((s) => {
    const ts = child(s, 'TimeSchedule');
    const interval = child(ts, 'scheduleInterval');
    const pattern = text(ts, 'recurrencePattern');
    const period = text(ts, 'recurrencePeriod');
    const mRID = text(s, 'mRID');
    const end = text(interval, 'end');
    return {
      ...(mRID !== undefined ? { mRID } : {}),
      readingTypes: children(s, 'ReadingType').map((r) => attr(r, 'ref') ?? ''),
      ...(pattern !== undefined ? { pattern } : {}), ...(period !== undefined ? { periodSeconds: Number(period) } : {}),
      start: text(interval, 'start') ?? '', ...(end !== undefined ? { end } : {}),
      devices: children(s, 'EndDevices').map(deviceRef),
      groups: children(s, 'EndDeviceGroups').map((g) => text(g, 'mRID') ?? textAt(g, 'Names', 'name') ?? ''),
    };
  });
}

/**
 * Per-item errors with the xpath of the schedule or of its EndDevices / EndDeviceGroups /
 * ReadingType (`[n]` only where siblings share a name); the schedules' ids as Reply/ID.
 */
export function scheduleReply(kind: string, total: number, ids: string[], errors: ScheduleError[], xml: ScheduleSpec[]): Reply {
  const base = `/${kind}/Payload/MeterReadSchedules/MeterReadSchedule`;
  const count = (e: ScheduleError) => {
    const s = xml[e.schedule];
    return e.part?.name === 'EndDevices' ? s?.devices.length : e.part?.name === 'EndDeviceGroups' ? s?.groups.length : s?.readingTypes.length;
  };
  const mapped = errors.map((e) => replyError(e.code, {
    details: e.details,
    xpath: `${base}${total > 1 ? `[${e.schedule + 1}]` : ''}${e.part ? `/${e.part.name}${(count(e) ?? 0) > 1 ? `[${e.part.index + 1}]` : ''}` : ''}`,
  }));
  const reply = combine(ids.length, mapped);
  return { ...reply, ...(ids.length > 0 ? { ids: ids.map((value) => ({ value, objectType: 'MeterReadSchedule' })) } : {}) };
}
