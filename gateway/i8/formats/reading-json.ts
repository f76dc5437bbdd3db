import { readingCount, type ReadingColumns } from '../../domain/readings/reading-columns.js';
import { DAY_MS } from '../../domain/readings/day-block.js';
import { ByteWriter, IsoTimeWriter } from './byte-writer.js';

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const OPEN = utf8('{"items":['), QUALITIES = utf8(',"qualities":');
const INTERVAL = utf8(',"kind":"interval"}'), REGISTER = utf8(',"kind":"register"}');
/** The usual end of an item: no qualities. */
const PLAIN_INTERVAL = utf8(',"qualities":[],"kind":"interval"}'), PLAIN_REGISTER = utf8(',"qualities":[],"kind":"register"}');

/**
 * A ReadingPage (openapi/i8.yaml) as UTF-8 JSON, written straight from the columns: no item object
 * per reading, no generic serialiser walk, no string per reading. What is common to a column set
 * (meter, usage point, reading type) is escaped and encoded once per set. The same document as
 * `JSON.stringify({ items: readings.map(readingItem), nextCursor })`, up to property order; a
 * value JSON cannot hold (NaN, ±Infinity) is null there too.
 */
export function readingPageJson(columns: readonly ReadingColumns[], usagePointOf: (meter: string) => string | undefined, nextCursor?: string): Buffer {
  const w = new ByteWriter(readingCount(columns) * 160 + 64);
  // The time's closing quote, and for a reading with a value what follows it, in one copy.
  const times = new IsoTimeWriter('"'), valued = new IsoTimeWriter('","value":');
  w.bytes(OPEN);
  let first = true;
  for (const c of columns) {
    const up = usagePointOf(c.meter);
    const head = `{"meter":${JSON.stringify(c.meter)}${up !== undefined ? `,"usagePoint":${JSON.stringify(up)}` : ''},"readingType":${JSON.stringify(c.readingType)},"timestamp":"`;
    // Item head and date, encoded once per day: "{…,"timestamp":"2026-10-01T", with the separator.
    let day = NaN, start = utf8(''), next = utf8('');
    const { timestamps, values, hasValue, register, notes } = c;
    for (let i = 0; i < c.length; i++) {
      const t = timestamps[i]!;
      const d = Math.floor(t / DAY_MS);
      if (d !== day) {
        day = d;
        const date = times.datePart(t);
        start = utf8(head + date);
        next = utf8(`,${head}${date}`);
      }
      w.bytes(first ? start : next);
      first = false;
      if (hasValue[i]) {
        w.bytes(valued.timePart(t));
        w.number(values[i]!);
      } else w.bytes(times.timePart(t));
      const note = notes?.get(i);
      if (note) {
        w.bytes(QUALITIES);
        w.utf8(JSON.stringify(note.qualities));
        w.bytes(register[i] ? REGISTER : INTERVAL);
      } else w.bytes(register[i] ? PLAIN_REGISTER : PLAIN_INTERVAL);
    }
  }
  w.utf8(`]${nextCursor !== undefined ? `,"nextCursor":${JSON.stringify(nextCursor)}` : ''}}`);
  return w.result();
}
