import { CimError } from '../cim/errors.js';
import { replyError, type ReplyError } from '../cim/reply.js';
import { refKey, type DeviceRef } from '../domain/meters/meter.js';
import type { Reading } from '../domain/readings/reading.js';
import type { ReadingTypeTable } from '../domain/readings/reading-types.js';
import type { Clock } from '../ports/clock.port.js';
import type { HesPort } from '../ports/hes.port.js';
import type { MeterRegistry } from '../ports/meter-registry.port.js';
import type { ReadingQuery, ReadingStore } from '../ports/reading-store.port.js';

export interface Located<T> { value: T; xpath: string }

/** What a GetMeterReadings request selects, already read from the message. */
export interface ReadingsSelection {
  endDevices: Located<DeviceRef>[];
  endDeviceGroups: Located<string>[];
  usagePoints: Located<DeviceRef>[];
  readingTypes: Located<string>[];
  start?: Date;
  end?: Date;
  /** Request/Option source=HES: read the meters now instead of answering from the store. */
  fromHes: boolean;
  /** Where to answer 1.6 for a request that selects no meter. */
  requestXpath: string;
}

export interface GetReadingsLimits {
  pageSize: number;
  maxResultReadings: number;
  maxMeters: number;
  onDemandWhenEmpty: boolean;
  onDemandWindowHours: number;
}

export interface GetReadingsDeps {
  store: ReadingStore;
  meters: MeterRegistry;
  readingTypes: ReadingTypeTable;
  hes?: HesPort;
  clock: Clock;
  limits: GetReadingsLimits;
}

export interface ReadingsAnswer {
  total: number;
  pages: number;
  /** 2.x for selectors that name nothing valid, 5.7 for data that does not exist. */
  errors: ReplyError[];
  /** Every selector was invalid: nothing to answer. */
  failed: boolean;
  page(n: number): Promise<Reading[]>;
}

const ITEMISED = 50;

function itemise(errors: ReplyError[], build: () => ReplyError, count: { n: number }): void {
  if (count.n++ < ITEMISED) errors.push(build());
}

/** Meters, reading types and window of a request → counted, pageable readings from the store (or the head-end). */
export async function getReadings(deps: GetReadingsDeps, sel: ReadingsSelection, onDemandMeta: { source: string; messageId: string }): Promise<ReadingsAnswer> {
  const errors: ReplyError[] = [];
  const meters = new Set<string>();
  let selectors = 0;

  const resolved = await deps.meters.resolve(sel.endDevices.map((d) => d.value));
  for (const d of sel.endDevices) {
    selectors++;
    const info = resolved.get(refKey(d.value));
    if (info) meters.add(info.mRID);
    else errors.push(replyError('2.4', { details: `meter ${d.value.mRID ?? `name ${d.value.name}`} is not provisioned`, xpath: d.xpath }));
  }
  for (const g of sel.endDeviceGroups) {
    selectors++;
    const members = await deps.meters.group(g.value);
    if (members.length === 0) errors.push(replyError('2.4', { details: `EndDeviceGroup ${g.value} has no meters`, xpath: g.xpath }));
    for (const m of members) meters.add(m.mRID);
  }
  for (const u of sel.usagePoints) {
    selectors++;
    const members = u.value.mRID !== undefined ? await deps.meters.byUsagePoint(u.value.mRID) : [];
    if (members.length === 0) {
      errors.push(replyError('2.12', { details: u.value.mRID !== undefined ? `UsagePoint ${u.value.mRID} is unknown or has no meter` : 'UsagePoints are selected by mRID', xpath: u.xpath }));
    }
    for (const m of members) meters.add(m.mRID);
  }
  if (selectors === 0) {
    throw new CimError(replyError('1.6', { details: 'GetMeterReadings must name at least one EndDevice, EndDeviceGroup or UsagePoint', xpath: sel.requestXpath }));
  }
  if (meters.size > deps.limits.maxMeters) {
    throw new CimError(replyError('3.1', { details: `the request selects ${meters.size} meters; at most ${deps.limits.maxMeters} per request`, xpath: sel.requestXpath }));
  }
  const types: string[] = [];
  for (const t of sel.readingTypes) {
    const verdict = deps.readingTypes.classify(t.value);
    if (verdict.ok) types.push(t.value);
    else errors.push(replyError(verdict.code, { details: verdict.reason, xpath: t.xpath }));
  }
  if (sel.start && sel.end && sel.start.getTime() >= sel.end.getTime()) {
    throw new CimError(replyError('1.6', { details: 'the end of the time window must be after its start', xpath: sel.requestXpath }));
  }
  const typesFailed = sel.readingTypes.length > 0 && types.length === 0;
  if (meters.size === 0 || typesFailed) return { total: 0, pages: 0, errors, failed: true, page: async () => [] };

  const base: Omit<ReadingQuery, 'meters'> = { ...(types.length > 0 ? { readingTypes: types } : {}), ...(sel.start ? { start: sel.start } : {}), ...(sel.end ? { end: sel.end } : {}) };
  const ordered = [...meters].sort();
  const counts = new Map<string, number>();
  for (const m of ordered) counts.set(m, await deps.store.count({ meters: [m], ...base }));

  const wantHes = ordered.filter((m) => sel.fromHes || (deps.limits.onDemandWhenEmpty && counts.get(m) === 0));
  if (wantHes.length > 0) await readFromHes(deps, wantHes, types, sel, onDemandMeta, errors, counts, base);

  const missing = { n: 0 };
  for (const m of ordered) {
    if (counts.get(m) === 0) itemise(errors, () => replyError('5.7', { level: 'WARNING', details: `no readings for meter ${m} in the requested window and reading types` }), missing);
  }
  if (missing.n > ITEMISED) errors.push(replyError('5.7', { level: 'WARNING', details: `and ${missing.n - ITEMISED} more meters without readings` }));

  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total > deps.limits.maxResultReadings) {
    throw new CimError(replyError('3.1', { details: `the request matches ${total} readings; at most ${deps.limits.maxResultReadings} per request: narrow the window or the meters`, xpath: sel.requestXpath }));
  }
  const pageSize = deps.limits.pageSize;
  const query: ReadingQuery = { meters: ordered, ...base };
  return {
    total, errors, failed: false,
    pages: Math.ceil(total / pageSize),
    page: (n) => deps.store.read(query, { offset: (n - 1) * pageSize, limit: pageSize }),
  };
}

/** On-demand reads go to the head-end and are stored like any other reading (so a repeat is answered from the store). */
async function readFromHes(deps: GetReadingsDeps, meters: string[], types: string[], sel: ReadingsSelection, meta: { source: string; messageId: string },
  errors: ReplyError[], counts: Map<string, number>, base: Omit<ReadingQuery, 'meters'>): Promise<void> {
  if (!deps.hes) {
    errors.push(replyError('5.7', { level: 'WARNING', details: 'no head-end is connected for on-demand reads; answered from the store' }));
    return;
  }
  const end = sel.end ?? deps.clock.now();
  const start = sel.start ?? new Date(end.getTime() - deps.limits.onDemandWindowHours * 3_600_000);
  const ingestId = await deps.store.beginIngest({ source: meta.source, messageId: meta.messageId, receivedAt: deps.clock.now() });
  try {
    for (const m of meters) {
      try {
        const read = await deps.hes.readOnDemand(m, types, start, end);
        const usable = read.filter((r) => r.meter === m && deps.readingTypes.classify(r.readingType).ok);
        await deps.store.stage(ingestId, usable);
      } catch (err) {
        errors.push(replyError('5.7', { level: 'WARNING', details: `on-demand read of meter ${m} failed: ${(err as Error).message}` }));
      }
    }
    await deps.store.commitIngest(ingestId);
  } catch (err) {
    await deps.store.discardIngest(ingestId);
    throw err;
  }
  for (const m of meters) counts.set(m, await deps.store.count({ meters: [m], ...base }));
}
