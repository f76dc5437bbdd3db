import { elementOf, MeterReadingBuilder } from '../../domain/readings/meter-reading-builder.js';
import type { ParsedMeterReading } from '../../domain/readings/meter-reading.js';
import type { Reading } from '../../domain/readings/reading.js';
import type { ReadingTypeInfo } from '../../domain/readings/reading-types.js';
import { nounNs } from '../../xml/namespaces.js';
import { el, opt, type XNode } from '../../xml/xnode.js';

export const MR_NS = nounNs('MeterReadings');

function walk(node: XNode, into: MeterReadingBuilder): void {
  into.open(elementOf(node.name), node.attrs?.ref);
  if (node.children) for (const c of node.children) walk(c, into);
  else if (node.text !== undefined) into.text(node.text);
  into.close();
}

/**
 * A schema-valid MeterReading element → its meter and blocks of readings. The tree is replayed as
 * element events into the same builder the streamed path feeds from the parser.
 */
export function parseMeterReading(node: XNode, index: number): ParsedMeterReading {
  const builder = new MeterReadingBuilder();
  walk(node, builder);
  return builder.result(index);
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
