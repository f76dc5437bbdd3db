import type { DeviceRef } from '../../domain/meters/meter.js';
import type { ParsedMeterReading, ReadingBlock } from '../../domain/readings/meter-reading.js';
import type { Reading } from '../../domain/readings/reading.js';
import type { ReadingTypeInfo } from '../../domain/readings/reading-types.js';
import { nounNs } from '../../xml/namespaces.js';
import { attr, child, children, el, opt, text, type XNode } from '../../xml/xnode.js';

export const MR_NS = nounNs('MeterReadings');

const time = (s: string | undefined): number | undefined => (s === undefined ? undefined : Date.parse(s));

function identified(node: XNode | undefined): DeviceRef | undefined {
  const mRID = text(node, 'mRID');
  if (mRID !== undefined) return { mRID };
  const name = text(child(node, 'Names'), 'name');
  return name !== undefined ? { name } : undefined;
}

function reading(node: XNode, kind: Reading['kind']): Omit<Reading, 'meter' | 'readingType'> {
  const r: Omit<Reading, 'meter' | 'readingType'> = {
    timestamp: time(text(node, 'timeStamp'))!,
    qualities: children(node, 'ReadingQualities').map((q) => attr(child(q, 'ReadingQualityType'), 'ref') ?? '').filter((q) => q !== ''),
    kind,
  };
  const value = text(node, 'value');
  if (value !== undefined) r.value = Number(value);
  const reported = time(text(node, 'reportedDateTime'));
  if (reported !== undefined) r.reportedDateTime = reported;
  const source = text(node, 'source');
  if (source !== undefined) r.source = source;
  return r;
}

const indexed = (name: string, i: number, n: number) => (n > 1 ? `${name}[${i + 1}]` : name);

/** A schema-valid MeterReading element → its meter and blocks of readings. */
export function parseMeterReading(node: XNode, index: number): ParsedMeterReading {
  const blocks: ReadingBlock[] = [];
  const intervalBlocks = children(node, 'IntervalBlocks');
  intervalBlocks.forEach((b, i) => blocks.push({
    readingType: attr(child(b, 'ReadingType'), 'ref') ?? '',
    where: indexed('IntervalBlocks', i, intervalBlocks.length),
    readings: children(b, 'IntervalReadings').map((r) => reading(r, 'interval')),
  }));
  const registers = children(node, 'Readings');
  registers.forEach((r, i) => blocks.push({
    readingType: attr(child(r, 'ReadingType'), 'ref') ?? '',
    where: indexed('Readings', i, registers.length),
    readings: [reading(r, 'register')],
  }));
  const parsed: ParsedMeterReading = { index, blocks };
  const meter = identified(child(node, 'Meter'));
  if (meter) parsed.meter = meter;
  return parsed;
}

const iso = (ms: number) => new Date(ms).toISOString();

function readingChildren(r: Reading): XNode[] {
  return [
    opt(MR_NS, 'reportedDateTime', r.reportedDateTime !== undefined ? iso(r.reportedDateTime) : undefined),
    opt(MR_NS, 'source', r.source),
    el(MR_NS, 'timeStamp', iso(r.timestamp)),
    opt(MR_NS, 'value', r.value),
    ...r.qualities.map((q) => el(MR_NS, 'ReadingQualities', [el(MR_NS, 'ReadingQualityType', null, { ref: q })])),
  ].filter((n): n is XNode => Boolean(n));
}

/**
 * Readings (ordered by meter, reading type, time) → a MeterReadings element: one MeterReading
 * per meter, interval data in one IntervalBlocks per reading type, register values as Readings,
 * then the definitions of the reading types used, from the mapping table.
 */
export function meterReadingsNode(readings: readonly Reading[], types: (code: string) => ReadingTypeInfo | undefined): XNode {
  const byMeter = new Map<string, Reading[]>();
  for (const r of readings) {
    const list = byMeter.get(r.meter);
    if (list) list.push(r);
    else byMeter.set(r.meter, [r]);
  }
  const used = new Set<string>();
  const meterReadings = [...byMeter].map(([meter, list]) => {
    const blocks = new Map<string, Reading[]>();
    const registers: Reading[] = [];
    for (const r of list) {
      used.add(r.readingType);
      if (r.kind === 'register') registers.push(r);
      else {
        const block = blocks.get(r.readingType);
        if (block) block.push(r);
        else blocks.set(r.readingType, [r]);
      }
    }
    return el(MR_NS, 'MeterReading', [
      ...[...blocks].map(([type, rs]) => el(MR_NS, 'IntervalBlocks', [
        ...rs.map((r) => el(MR_NS, 'IntervalReadings', readingChildren(r))),
        el(MR_NS, 'ReadingType', null, { ref: type }),
      ])),
      el(MR_NS, 'Meter', [el(MR_NS, 'mRID', meter)]),
      ...registers.map((r) => el(MR_NS, 'Readings', [...readingChildren(r), el(MR_NS, 'ReadingType', null, { ref: r.readingType })])),
    ]);
  });
  const definitions = [...used].sort().map((code) => {
    const info = types(code);
    return el(MR_NS, 'ReadingType', [
      el(MR_NS, 'mRID', code),
      info && el(MR_NS, 'Names', [el(MR_NS, 'name', info.channel)]),
    ]);
  });
  return el(MR_NS, 'MeterReadings', [...meterReadings, ...definitions]);
}
