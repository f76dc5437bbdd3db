import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolRejection } from '../../gateway/cim/errors.js';
import type { ParsedMeterReading } from '../../gateway/domain/readings/meter-reading.js';
import { PayloadScanner, type FragmentInfo, type ScanLimits } from '../../gateway/ingest/payload-scanner.js';
import { parseMeterReading } from '../../gateway/nouns/MeterReadings/meter-readings.mapper.js';
import { parseUntrusted, toXNode } from '../../gateway/xml/xml-parser.js';
import { KWH, MR_NS } from './readings-helpers.js';

const LIMITS: ScanLimits = { maxDepth: 64, maxFragmentElements: 100_000, maxFragmentBytes: 1 << 20, maxTailBytes: 1 << 16 };
const OPEN = `<p:MeterReadings xmlns:p="${MR_NS}" xmlns="${MR_NS}">`;
const CLOSE = '</p:MeterReadings>';
const REST = '\n  </m:Payload>\n</m:EventMessage>\n';

interface Scanned { fragments: { info: FragmentInfo; text: string }[]; trailing: string; rest: string; counts: Record<string, number> }

/** Scans `content` + the end tag + REST, handed over in pieces cut at `cuts` (byte offsets). */
function scan(content: string, cuts: number[] = [], limits: ScanLimits = LIMITS): Scanned {
  const bytes = Buffer.from(content + CLOSE + REST);
  const fragments: Scanned['fragments'] = [];
  const scanner = new PayloadScanner({ depth: 3, qname: 'p:MeterReadings', line: 5, column: 7 }, limits, (info, b, from, to) => {
    fragments.push({ info, text: b.toString('utf8', from, to) });
  });
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    // The scanner must not keep the caller's chunk: it is overwritten right after.
    const chunk = Buffer.from(bytes.subarray(at, cut));
    scanner.push(chunk);
    chunk.fill(0x3c);
    at = cut;
  }
  scanner.end();
  const counts: Record<string, number> = {};
  for (const f of fragments) counts[f.info.name] = scanner.count(f.info.name);
  return { fragments, trailing: scanner.trailing?.toString('utf8') ?? '', rest: scanner.rest().toString('utf8'), counts };
}

/** What the buffered path maps from the same content: libxml2's tree replayed into the builder. */
function buffered(content: string): ParsedMeterReading[] {
  const doc = parseUntrusted(`${OPEN}${content}${CLOSE}`);
  try {
    const root = toXNode(doc.root, { maxDepth: 64, maxElements: 1e6, maxAttributesPerElement: 32 });
    return (root.children ?? []).filter((c) => c.name === 'MeterReading').map((c, i) => parseMeterReading(c, i + 1));
  } finally {
    doc.dispose();
  }
}

const parsedOf = (s: Scanned) => s.fragments.flatMap((f) => (f.info.parsed ? [f.info.parsed] : []));

const rejection = (fn: () => unknown): ProtocolRejection => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolRejection) return err;
    throw err;
  }
  assert.fail('expected a rejection');
};

const reading = (ts: string, value: string, extra = '') => `<IntervalReadings><timeStamp>${ts}</timeStamp><value>${value}</value>${extra}</IntervalReadings>`;

/** Well-formed content a sender may legitimately write, using what a naive cutter gets wrong. */
const HOSTILE = [
  // The usual form.
  `\n  <MeterReading><IntervalBlocks>${reading('2026-11-19T03:15:00Z', '0.212')}${reading('2026-11-19T03:30:00.250-03:00', '-0')}<ReadingType ref="${KWH}"/></IntervalBlocks><Meter><mRID>M-1</mRID></Meter></MeterReading>`,
  // Other prefixes, a namespace declared on the fragment, attributes (quotes, '>' and '/>' inside values).
  `\r\n<q:MeterReading xmlns:q="${MR_NS}" q:note='a>b' other="x'/>y"><q:IntervalBlocks flag = "1" ><q:IntervalReadings><q:timeStamp>2026-11-19T03:45:00Z</q:timeStamp><q:value>+1.5</q:value>`
    + `<q:ReadingQualities><q:ReadingQualityType\tref="2.4&#46;1"\n/></q:ReadingQualities></q:IntervalReadings><q:ReadingType ref='${KWH}'/></q:IntervalBlocks>`
    + `<q:Meter><q:Names><q:name>SN &amp; 7</q:name></q:Names></q:Meter></q:MeterReading>`,
  // CDATA and comments in and between values, a processing instruction, entities and character references.
  `<!-- between: </p:MeterReadings> <MeterReading> --><?pi <not markup> ?>`
    + `<MeterReading><IntervalBlocks><IntervalReadings><timeStamp><![CDATA[2026-11-19T04:00:00Z]]></timeStamp><value>1<!-- </value> -->2</value></IntervalReadings>`
    + `<IntervalReadings><source><![CDATA[</MeterReading> ]]>&lt;x&gt;</source><timeStamp>2026-11-19T04:15:00Z</timeStamp><value><?skip?>.5</value></IntervalReadings>`
    + `<IntervalReadings><reportedDateTime> 2026-11-19T05:00:00Z </reportedDateTime><timeStamp>\n  2026-11-19T04:30:00Z\n</timeStamp><value>\t5.\r\n</value></IntervalReadings>`
    + `<ReadingType ref="${KWH}"></ReadingType></IntervalBlocks><Meter><mRID>A&amp;B&lt;&#x41;&#66;&quot;</mRID></Meter></MeterReading>`,
  // Numbers and times the fast paths must hand to Number / Date.parse, empty and self-closing fields, first-wins repeats.
  `<MeterReading><IntervalBlocks>${['1e3', 'INF', 'NaN', '0x10', '12345678901234567', '0.1234567890123456', '.', '', '  ', '007', '1.5.5', '-.5'].map((v, i) => reading(`2026-11-19T06:${String(i).padStart(2, '0')}:00Z`, v)).join('')}`
    + `${reading('2026-11-29T00:00:00Z', '1')}${reading('2026-11-19T24:00:00Z', '2')}${reading('2026-11-19T07:00:00.1234Z', '3')}${reading('2026-02-30T00:00:00Z', '4')}`
    + `<IntervalReadings><timeStamp>2026-11-19T08:00:00Z</timeStamp><timeStamp>2026-11-19T09:00:00Z</timeStamp><value/><value>9</value></IntervalReadings>`
    + `<IntervalReadings><timeStamp>2026-11-19T08:15:00Z</timeStamp><value>1<b>2</b></value></IntervalReadings>`
    + `<ReadingType ref="${KWH}"/></IntervalBlocks><IntervalBlocks/><Meter/><Readings><timeStamp>2026-11-19T10:00:00Z</timeStamp><value>42</value><ReadingType ref="0.0.0.1.1.1.12.0.0.0.0.0.0.0.0.3.72.0"/></Readings></MeterReading>`,
  // Multi-byte characters in names and text; unknown elements anywhere.
  `<MeterReading><ext:Größe xmlns:ext="urn:x">€</ext:Größe><IntervalBlocks><IntervalReadings><timeStamp>2026-11-19T11:00:00Z</timeStamp><value>3.25</value><ext:Größe xmlns:ext="urn:x"/></IntervalReadings>`
    + `<ReadingType ref="${KWH}"/></IntervalBlocks><Meter><mRID>Zähler-€-𝄞</mRID></Meter></MeterReading>`,
  // Definitions after the readings: their content is only cut, not read.
  `\n<ReadingType><mRID>${KWH}</mRID><Names><name><![CDATA[</ReadingType>]]></name></Names></ReadingType>`,
  `<p:ReadingType xmlns:p="${MR_NS}"><p:mRID>x</p:mRID></p:ReadingType>`,
].join('');
const TRAILING = '\n  <!-- done --><?end ?>\n';

describe('payload scanner', () => {
  it('maps every MeterReading exactly as the buffered path does, on hostile but well-formed content', () => {
    const s = scan(HOSTILE + TRAILING);
    assert.deepStrictEqual(parsedOf(s), buffered(HOSTILE + TRAILING));
    assert.equal(parsedOf(s).length, 5);
    assert.deepEqual(s.fragments.map((f) => [f.info.name, f.info.index]), [
      ['MeterReading', 1], ['MeterReading', 2], ['MeterReading', 3], ['MeterReading', 4], ['MeterReading', 5], ['ReadingType', 1], ['ReadingType', 2],
    ]);
    assert.deepEqual(s.counts, { MeterReading: 5, ReadingType: 2 });
  });

  it('cuts the content without losing or adding a byte: fragments, then what preceded the end tag, then the rest', () => {
    const s = scan(HOSTILE + TRAILING);
    assert.equal(s.fragments.map((f) => f.text).join('') + s.trailing, HOSTILE + TRAILING);
    assert.equal(s.trailing, TRAILING);
    assert.equal(s.rest, REST);
    // Each fragment's text ends with its element's end tag.
    assert.ok(s.fragments.every((f) => /<\/(?:\w+:)?(?:MeterReading|ReadingType)>$/.test(f.text)));
  });

  it('gives the same result wherever the input is split: at every byte, and byte by byte', () => {
    const whole = scan(HOSTILE + TRAILING);
    const length = Buffer.byteLength(HOSTILE + TRAILING + CLOSE + REST);
    for (let cut = 1; cut < length; cut++) {
      const s = scan(HOSTILE + TRAILING, [cut]);
      assert.deepStrictEqual(s, whole, `split at byte ${cut}`);
    }
    assert.deepStrictEqual(scan(HOSTILE + TRAILING, Array.from({ length: length - 1 }, (_, i) => i + 1)), whole);
  });

  it('places each fragment in the sender\'s text (lines, columns in characters)', () => {
    const content = '\n  <MeterReading/>  <MeterReading>\n<Meter/></MeterReading>\n\t<ReadingType/>€<!---->';
    const s = scan(content.replace('€', ''));
    assert.deepEqual(s.fragments.map(({ info }) => [info.line, info.column, info.elementLine, info.elementColumn]), [
      [5, 7, 6, 3], [6, 18, 6, 20], [7, 24, 8, 2],
    ]);
    // Multi-byte characters before an element count once each in its column.
    const wide = scan('<MeterReading><Meter><mRID>€𝄞</mRID></Meter></MeterReading><ReadingType/>');
    assert.equal(wide.fragments[1]!.info.elementColumn, 7 + '<MeterReading><Meter><mRID>'.length + 2 + '</mRID></Meter></MeterReading>'.length);
  });

  it('passes namespace declarations inside a fragment on (the batch normalises them)', () => {
    const s = scan(`<MeterReading/><MeterReading xmlns="${MR_NS}"/><MeterReading><Meter xmlns:x="urn:x"/></MeterReading>`);
    assert.deepEqual(s.fragments.map((f) => f.info.declaresNamespaces), [false, true, true]);
  });

  it('refuses what is not content of MeterReadings, with the position', () => {
    const cases: [string, number, string, RegExp][] = [
      ['<MeterReading/>\n  stray text<MeterReading/>', 400, 'Malformed payload', /text outside/],
      ['<MeterReading/><![CDATA[ ]]>', 400, 'Malformed payload', /text outside/],
      ['<MeterReading><!DOCTYPE x></MeterReading>', 400, 'Malformed XML', /declarations/],
      ['<MeterReading><Meter <mRID>x</mRID></Meter></MeterReading>', 400, 'Malformed XML', /unterminated/],
      ['<MeterReading a="1"b="2"/>', 400, 'Malformed XML', /whitespace/],
      ['<MeterReading a/>', 400, 'Malformed XML', /without a value/],
      ['<MeterReading a=1/>', 400, 'Malformed XML', /not quoted/],
      ['<MeterReading/></p:MeterReadingz>', 400, 'Malformed XML', /mismatch/],
      ['<MeterReading/></MeterReadings>', 400, 'Malformed XML', /mismatch/],
      ['<MeterReading></MeterReading  x>', 400, 'Malformed XML', /expected '>'/],
      ['< MeterReading/>', 400, 'Malformed XML', /invalid element name/],
    ];
    for (const [content, status, title, detail] of cases) {
      const err = rejection(() => scan(content));
      assert.deepEqual([err.status, err.title], [status, title], content);
      assert.match(err.message, detail, content);
      assert.equal(err.where.line, content.includes('\n') ? 6 : 5, content);
    }
    const stray = rejection(() => scan('<MeterReading/>\n  stray text<MeterReading/>'));
    assert.deepEqual(stray.where, { line: 6, column: 3 });
  });

  it('refuses a body that ends before MeterReadings closed, wherever it stops', () => {
    const text = '<MeterReading><Meter><mRID>x</mRID></Meter></MeterReading><!-- c -->';
    for (let n = 0; n <= text.length; n++) {
      const scanner = new PayloadScanner({ depth: 3, qname: 'p:MeterReadings', line: 1, column: 1 }, LIMITS, () => {});
      scanner.push(Buffer.from(text.slice(0, n)));
      const err = rejection(() => scanner.end());
      assert.deepEqual([err.status, err.title], [400, 'Malformed XML']);
    }
  });

  it('bounds depth, elements per fragment, bytes per fragment and bytes after MeterReadings', () => {
    const deep = rejection(() => scan('<MeterReading><a><b><c/></b></a></MeterReading>', [], { ...LIMITS, maxDepth: 5 }));
    assert.deepEqual([deep.status, deep.title], [400, 'XML too deep']);
    const many = rejection(() => scan(`<MeterReading>${'<a/>'.repeat(10)}</MeterReading>`, [], { ...LIMITS, maxFragmentElements: 10 }));
    assert.deepEqual([many.status, many.title], [413, 'Too many elements']);
    assert.doesNotThrow(() => scan(`<MeterReading>${'<a/>'.repeat(9)}</MeterReading>`, [], { ...LIMITS, maxFragmentElements: 10 }));
    const big = `<MeterReading><Meter><mRID>${'x'.repeat(5000)}</mRID></Meter></MeterReading>`;
    const cuts = Array.from({ length: 20 }, (_, i) => (i + 1) * 300);
    const large = rejection(() => scan(big, cuts, { ...LIMITS, maxFragmentBytes: 4096 }));
    assert.deepEqual([large.status, large.title], [413, 'Fragment too large']);
    assert.doesNotThrow(() => scan(big.repeat(3), cuts, { ...LIMITS, maxFragmentBytes: 6000 }));
    const comment = rejection(() => scan(`<!--${'-'.repeat(1)}${' '.repeat(5000)}-->`, cuts, { ...LIMITS, maxFragmentBytes: 4096 }));
    assert.equal(comment.status, 413);
    const tail = rejection(() => scan('', [], { ...LIMITS, maxTailBytes: 10 }));
    assert.deepEqual([tail.status, tail.title], [413, 'Message too large']);
  });

  it('stays linear on long tokens split into many chunks (no rescans from the token start)', () => {
    // A 512 KB comment, text and attribute value, each fed in 64-byte chunks: a rescan per chunk
    // would be ~2 GB of scanning; the test just has to finish.
    const long = 'y'.repeat(512 * 1024);
    const content = `<!--${long}--><MeterReading a="${long}"><Meter><mRID>${long}</mRID></Meter></MeterReading>`;
    const length = Buffer.byteLength(content + CLOSE + REST);
    const s = scan(content, Array.from({ length: Math.floor(length / 64) }, (_, i) => (i + 1) * 64), { ...LIMITS, maxFragmentBytes: 4 << 20 });
    assert.equal(parsedOf(s)[0]!.meter?.mRID, long);
  });
});
