import { randomUUID } from 'node:crypto';
import type { ReplyCode } from '../cim/reply-codes.js';
import { nextRunAfter, parseRecurrence } from '../domain/readings/read-recurrence.js';
import { refKey, type DeviceRef } from '../domain/meters/meter.js';
import type { Clock } from '../ports/clock.port.js';
import type { MeterRegistry } from '../ports/meter-registry.port.js';
import type { ReadSchedule, ReadScheduleStore } from '../ports/read-schedule-store.port.js';

/** A MeterReadSchedule as sent (the mapper's output). */
export interface ScheduleSpec {
  mRID?: string;
  readingTypes: string[];
  pattern?: string;
  periodSeconds?: number;
  start: string;
  end?: string;
  devices: DeviceRef[];
  groups: string[];
}

/** Where in a MeterReadSchedule an error is: the schedule itself, or one of its children. */
export interface ScheduleError {
  schedule: number;
  part?: { name: 'EndDevices' | 'EndDeviceGroups' | 'ReadingType'; index: number };
  code: ReplyCode;
  details: string;
}

export interface ScheduleDeps {
  store: ReadScheduleStore;
  meters: MeterRegistry;
  clock: Clock;
  timeZone: string;
}

const READING_TYPE = /^\d+(\.\d+){17}$/;
const sameContent = (a: ReadSchedule, b: ReadSchedule) =>
  JSON.stringify([a.readingTypes, a.recurrence, a.start, a.end, a.meters]) === JSON.stringify([b.readingTypes, b.recurrence, b.start, b.end, b.meters]);

/**
 * create MeterReadSchedules: each schedule is checked and stored on its own. Unknown meters and
 * empty groups are 2.4 each and the schedule keeps the rest; a schedule with no meter left, an
 * unusable TimeSchedule (5.2) or bad reading types (2.6) is not stored. A resend of a stored
 * schedule (same mRID, same content) is answered OK again; another content under that mRID is 2.15.
 */
export async function createReadSchedules(deps: ScheduleDeps, specs: ScheduleSpec[], source: string): Promise<{ created: string[]; errors: ScheduleError[] }> {
  const now = deps.clock.now().getTime();
  const errors: ScheduleError[] = [];
  const created: string[] = [];
  const fresh: ReadSchedule[] = [];
  const existing = await deps.store.get(specs.flatMap((s) => (s.mRID ? [s.mRID] : [])));
  for (const [i, spec] of specs.entries()) {
    const fail = (code: ReplyCode, details: string, part?: ScheduleError['part']) => errors.push({ schedule: i, code, details, ...(part ? { part } : {}) });
    const mRID = spec.mRID ?? randomUUID();
    const badTypes = spec.readingTypes.map((t, index) => ({ t, index })).filter(({ t }) => !READING_TYPE.test(t));
    badTypes.forEach(({ t, index }) => fail('2.6', `schedule ${mRID}: ReadingType ${t} is not an 18-field reading type code`, { name: 'ReadingType', index }));
    const recurrence = parseRecurrence(spec.pattern, spec.periodSeconds, deps.timeZone);
    const start = Date.parse(spec.start);
    const end = spec.end === undefined ? undefined : Date.parse(spec.end);
    if (typeof recurrence === 'string') fail('5.2', `schedule ${mRID}: ${recurrence}`);
    else if (end !== undefined && end <= start) fail('5.2', `schedule ${mRID}: scheduleInterval end is not after its start`);
    else if (end !== undefined && end <= now) fail('5.2', `schedule ${mRID}: scheduleInterval ended at ${spec.end}`);
    const meters = await resolveTargets(deps.meters, spec, mRID, fail);
    if (typeof recurrence === 'string' || badTypes.length > 0 || (end !== undefined && (end <= start || end <= now))) continue;
    if (meters.length === 0) {
      fail('2.4', `schedule ${mRID}: no provisioned meter to read`);
      continue;
    }
    const window = { start, ...(end !== undefined ? { end } : {}) };
    const nextRunAt = nextRunAfter(recurrence, window, Math.max(now, start - 1), deps.timeZone);
    const s: ReadSchedule = {
      mRID, readingTypes: spec.readingTypes, recurrence, ...window, meters, status: nextRunAt === undefined ? 'ended' : 'active',
      source, createdAt: now, ...(nextRunAt !== undefined ? { nextRunAt } : {}),
    };
    const stored = existing.get(mRID) ?? fresh.find((f) => f.mRID === mRID);
    if (stored && !sameContent(stored, s)) fail('2.15', `schedule ${mRID} already exists with another content; cancel it and create one with a new mRID`);
    else if (stored) created.push(mRID);
    else {
      fresh.push(s);
      created.push(mRID);
    }
  }
  await deps.store.add(fresh);
  return { created, errors };
}

/** Meters of a schedule's EndDevices and EndDeviceGroups, deduplicated; removed meters count as unknown. */
async function resolveTargets(registry: MeterRegistry, spec: ScheduleSpec, mRID: string, fail: (code: ReplyCode, details: string, part: ScheduleError['part']) => void): Promise<string[]> {
  const out = new Set<string>();
  const resolved = await registry.resolve(spec.devices);
  spec.devices.forEach((d, index) => {
    const m = resolved.get(refKey(d));
    if (m && m.status !== 'removed') out.add(m.mRID);
    else fail('2.4', `schedule ${mRID}: meter ${d.mRID ?? d.name ?? '(no mRID)'} is not provisioned`, { name: 'EndDevices', index });
  });
  for (const [index, g] of spec.groups.entries()) {
    const members = (await registry.group(g)).filter((m) => m.status !== 'removed');
    if (members.length === 0) fail('2.4', `schedule ${mRID}: group ${g} has no provisioned meters`, { name: 'EndDeviceGroups', index });
    members.forEach((m) => out.add(m.mRID));
  }
  return [...out].sort();
}

/** cancel MeterReadSchedules by mRID: unknown → 2.15; already canceled (or ended) → OK, nothing changes. */
export async function cancelReadSchedules(deps: Pick<ScheduleDeps, 'store' | 'clock'>, mRIDs: (string | undefined)[]): Promise<{ canceled: string[]; errors: ScheduleError[] }> {
  const at = deps.clock.now().getTime();
  const canceled: string[] = [];
  const errors: ScheduleError[] = [];
  for (const [i, mRID] of mRIDs.entries()) {
    const r = mRID ? await deps.store.cancel(mRID, at) : 'unknown';
    if (r === 'unknown') errors.push({ schedule: i, code: '2.15', details: mRID ? `no read schedule ${mRID}` : 'a MeterReadSchedule to cancel needs its mRID' });
    else canceled.push(mRID!);
  }
  return { canceled, errors };
}
