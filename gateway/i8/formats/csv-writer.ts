import type { ReadingColumns } from '../../domain/readings/reading-columns.js';
import type { Reading } from '../../domain/readings/reading.js';
import { ByteWriter, IsoTimeWriter } from './byte-writer.js';

/*
 * CSV written as bytes: the very text csv-stringify writes with the options the API has always
 * used (`header: true`, `columns`, otherwise defaults: `,` between fields, `\n` after every record,
 * the header included, a field quoted with `"` only when it holds `,`, `"`, CR or LF, its quotes
 * doubled; numbers as String(v); undefined, null and '' as nothing). tests/i8/csv-writer.test.ts
 * keeps csv-stringify as the oracle on random and hostile values.
 *
 * Why: exports were bound by csv-stringify's per-row work (an array per row, a cast and four
 * separator searches per field, a string per row, a Transform stream per chunk): ~0.25 M rows/s.
 */

const COMMA = 0x2c, LF = 0x0a;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field's text: quoted and its quotes doubled when it holds a separator or a quote. */
export function csvText(s: string): string {
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export type CsvValue = string | number | null | undefined;

/** One record and its `\n`. */
export function writeCsvRecord(w: ByteWriter, fields: readonly CsvValue[]): void {
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) w.byte(COMMA);
    const f = fields[i];
    if (typeof f === 'number') w.number(f, false);
    else if (f) w.utf8(csvText(f));
  }
  w.byte(LF);
}

/** The header line of these columns. */
export function csvHeader(columns: readonly string[]): Buffer {
  const w = new ByteWriter(256);
  writeCsvRecord(w, columns);
  return w.result();
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const PLAIN = { interval: utf8(',,interval\n'), register: utf8(',,register\n') };
const KIND = { interval: utf8(',interval\n'), register: utf8(',register\n') };

/**
 * Reading records (READING_COLUMNS: meter, usagePoint, readingType, timestamp, value, qualities,
 * kind) as bytes. What readings of one meter and type share — "meter,usagePoint,readingType," —
 * is escaped and encoded once; dates and times of day are formatted once (IsoTimeWriter); values
 * are written digit by digit; no array or string per reading. One instance per answer: it keeps
 * those encodings.
 */
export class ReadingCsvRows {
  private readonly heads = new Map<string, Buffer>();
  private readonly times = new IsoTimeWriter(',');
  private lastMeter = '';
  private lastType = '';
  private lastHead: Buffer | undefined;

  constructor(private readonly usagePointOf: (meter: string) => string | undefined) {}

  private head(meter: string, readingType: string): Buffer {
    if (this.lastHead && meter === this.lastMeter && readingType === this.lastType) return this.lastHead;
    const key = `${meter}\u0000${readingType}`;
    let head = this.heads.get(key);
    if (!head) {
      this.heads.set(key, head = utf8(`${csvText(meter)},${csvText(this.usagePointOf(meter) ?? '')},${csvText(readingType)},`));
    }
    this.lastMeter = meter;
    this.lastType = readingType;
    return this.lastHead = head;
  }

  /** Timestamp, value, qualities and kind of one reading (after its head). */
  private rest(w: ByteWriter, t: number, value: number | undefined, qualities: readonly string[], register: boolean): void {
    this.times.write(w, t);
    if (value !== undefined) w.number(value, false);
    const kind = register ? 'register' : 'interval';
    if (qualities.length === 0) return w.bytes(PLAIN[kind]);
    w.byte(COMMA);
    w.utf8(csvText(qualities.join(' ')));
    w.bytes(KIND[kind]);
  }

  /** One reading as a record. */
  reading(w: ByteWriter, r: Reading): void {
    w.bytes(this.head(r.meter, r.readingType));
    this.rest(w, r.timestamp, r.value, r.qualities, r.kind === 'register');
  }

  /** Every reading of a column set, in order. */
  columns(w: ByteWriter, c: ReadingColumns): void {
    const head = this.head(c.meter, c.readingType);
    const { timestamps, values, hasValue, register, notes } = c;
    for (let i = 0; i < c.length; i++) {
      w.bytes(head);
      this.rest(w, timestamps[i]!, hasValue[i] ? values[i]! : undefined, notes?.get(i)?.qualities ?? NONE, register[i] === 1);
    }
  }
}

const NONE: readonly string[] = [];
