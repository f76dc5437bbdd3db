import type { DeviceRef } from '../meters/meter.js';
import type { ParsedMeterReading, ReadingBlock, ReadingNote } from './meter-reading.js';
import { parseTimestamp } from './timestamp.js';

/** The elements the mapping looks at, by local name; every other element is `Other`. */
export const enum El {
  Other, MeterReading, IntervalBlocks, Readings, Meter, IntervalReadings, ReadingType, ReadingQualities,
  ReadingQualityType, TimeStamp, Value, ReportedDateTime, Source, MRID, Names, Name,
}

export const ELEMENT_NAMES: Readonly<Record<string, El>> = Object.freeze({
  MeterReading: El.MeterReading, IntervalBlocks: El.IntervalBlocks, Readings: El.Readings, Meter: El.Meter,
  IntervalReadings: El.IntervalReadings, ReadingType: El.ReadingType, ReadingQualities: El.ReadingQualities,
  ReadingQualityType: El.ReadingQualityType, timeStamp: El.TimeStamp, value: El.Value, reportedDateTime: El.ReportedDateTime,
  source: El.Source, mRID: El.MRID, Names: El.Names, name: El.Name,
});

const NAMED = new Map(Object.entries(ELEMENT_NAMES));
export const elementOf = (local: string): El => NAMED.get(local) ?? El.Other;

/** The text-valued element being collected (the first of each name counts, as `child()` does). */
export const enum Field { None, TimeStamp, Value, Reported, Source, MRID, Name }

/** Where an element sits, as far as the mapping cares. */
const enum At { Other, MeterReading, IntervalBlocks, Readings, IntervalReadings, Qualities, Meter, Names, Field }

const FIELD_BIT: Record<number, number> = { [Field.TimeStamp]: 1, [Field.Value]: 2, [Field.Reported]: 4, [Field.Source]: 8 };

/** The first n entries of a scratch column as an array of exactly that size (no growing). */
function column(scratch: Float64Array | Uint8Array, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = scratch[i]!;
  return out;
}

const trimmed = (s: string | undefined): string | undefined => {
  const t = s?.trim();
  return t === undefined || t === '' ? undefined : t;
};
const indexed = (name: string, i: number, n: number) => (n > 1 ? `${name}[${i + 1}]` : name);

/**
 * One MeterReading element → meter and columnar blocks, from element events (open / text /
 * close). The streamed path's scanner feeds it straight from the bytes, the buffered path walks
 * its element tree into it (`parseMeterReading`): one mapping for both, so their answers agree by
 * construction, and no tree or object per reading is built while a large message streams in.
 * It reads what the schema allows; an invalid fragment is refused by validation anyway.
 */
export class MeterReadingBuilder {
  private readonly at: At[] = [];
  private intervals: ReadingBlock[] = [];
  private registers: ReadingBlock[] = [];
  private block: ReadingBlock | undefined;
  // The open block's readings, in scratch columns reused from block to block (and from one
  // MeterReading to the next when the builder is reset): each block gets exact-size copies.
  private ts = new Float64Array(128);
  private vs = new Float64Array(128);
  private hv = new Uint8Array(128);
  private n = 0;
  private typeSeen = false;
  // The reading being read: which fields were met (first wins) and their values.
  private seen = 0;
  private timestamp = NaN;
  private value = NaN;
  private hasValue = 0;
  private reported: number | undefined;
  private source: string | undefined;
  private qualities: string[] = [];
  private qualitySeen = false;
  // The field whose text is being collected: its text, or its value when the caller parsed it.
  private field = Field.None;
  private fieldText: string | undefined;
  private fieldParsed = false;
  private fieldNumber = NaN;
  private fieldHasChildren = false;
  private meterSeen = false;
  private namesSeen = false;
  private mRID: string | undefined;
  private name: string | undefined;
  private meterFields = 0;

  /** Ready for the next MeterReading (keeps the scratch columns). */
  reset(): void {
    this.at.length = 0;
    this.intervals = [];
    this.registers = [];
    this.block = undefined;
    this.n = 0;
    this.meterSeen = this.namesSeen = false;
    this.mRID = this.name = undefined;
    this.meterFields = 0;
    this.field = Field.None;
  }

  /** Opens an element; answers which field's text is now wanted (Field.None: no text needed). */
  open(el: El, ref: string | undefined): Field {
    const parent = this.at.length === 0 ? undefined : this.at[this.at.length - 1];
    let at = At.Other;
    let field = Field.None;
    switch (parent) {
      case undefined: at = At.MeterReading; break;
      case At.MeterReading:
        if (el === El.IntervalBlocks) { at = At.IntervalBlocks; this.startBlock('interval'); }
        else if (el === El.Readings) { at = At.Readings; this.startBlock('register'); this.startReading(); }
        else if (el === El.Meter && !this.meterSeen) { at = At.Meter; this.meterSeen = true; }
        break;
      case At.IntervalBlocks:
        if (el === El.IntervalReadings) { at = At.IntervalReadings; this.startReading(); }
        else if (el === El.ReadingType) this.readingType(ref);
        break;
      case At.Readings:
      case At.IntervalReadings:
        if (el === El.ReadingQualities) { at = At.Qualities; this.qualitySeen = false; }
        else if (parent === At.Readings && el === El.ReadingType) this.readingType(ref);
        else {
          const f = el === El.TimeStamp ? Field.TimeStamp : el === El.Value ? Field.Value : el === El.ReportedDateTime ? Field.Reported : el === El.Source ? Field.Source : Field.None;
          if (f !== Field.None && !(this.seen & FIELD_BIT[f]!)) { this.seen |= FIELD_BIT[f]!; field = f; }
        }
        break;
      case At.Qualities:
        if (el === El.ReadingQualityType && !this.qualitySeen) {
          this.qualitySeen = true;
          if (ref !== undefined && ref !== '') this.qualities.push(ref);
        }
        break;
      case At.Meter:
        if (el === El.MRID && !(this.meterFields & 1)) { this.meterFields |= 1; field = Field.MRID; }
        else if (el === El.Names && !this.namesSeen) { this.namesSeen = true; at = At.Names; }
        break;
      case At.Names:
        if (el === El.Name && !(this.meterFields & 2)) { this.meterFields |= 2; field = Field.Name; }
        break;
      case At.Field:
        this.fieldHasChildren = true; // a tree's text is dropped where the element has children
        break;
    }
    if (field !== Field.None) {
      at = At.Field;
      this.field = field;
      this.fieldText = undefined;
      this.fieldParsed = false;
      this.fieldHasChildren = false;
    }
    this.at.push(at);
    return field;
  }

  /** The current element is a field whose text is wanted. */
  get inField(): boolean {
    return this.at[this.at.length - 1] === At.Field;
  }

  /** Text inside the current element (several calls concatenate); ignored outside a field. */
  text(t: string): void {
    if (this.at[this.at.length - 1] === At.Field) this.fieldText = this.fieldText === undefined ? t : this.fieldText + t;
  }

  /**
   * The whole text of the current TimeStamp / Value / Reported field, already parsed by the
   * caller from one plain run of characters (no whitespace, references or markup in it): what
   * close() would have computed from that text.
   */
  parsed(v: number): void {
    this.fieldParsed = true;
    this.fieldNumber = v;
  }

  close(): void {
    const at = this.at.pop();
    if (at === At.Field) {
      const f = this.field;
      const parsed = this.fieldParsed && !this.fieldHasChildren;
      const t = parsed || this.fieldHasChildren ? undefined : trimmed(this.fieldText);
      switch (f) {
        case Field.TimeStamp: this.timestamp = parsed ? this.fieldNumber : t === undefined ? NaN : parseTimestamp(t); break;
        case Field.Value:
          this.hasValue = parsed || t !== undefined ? 1 : 0;
          this.value = parsed ? this.fieldNumber : t === undefined ? NaN : Number(t);
          break;
        case Field.Reported: this.reported = parsed ? this.fieldNumber : t === undefined ? undefined : parseTimestamp(t); break;
        case Field.Source: this.source = t; break;
        case Field.MRID: this.mRID = t; break;
        case Field.Name: this.name = t; break;
      }
      this.field = Field.None;
    } else if (at === At.IntervalReadings) {
      this.endReading();
    } else if (at === At.Readings) {
      this.endReading();
      this.endBlock();
    } else if (at === At.IntervalBlocks) {
      this.endBlock();
    }
  }

  /** The MeterReading once its element closed; `index` is its position in the message (1-based). */
  result(index: number): ParsedMeterReading {
    this.endBlock();
    const name = (list: ReadingBlock[], element: string) => list.forEach((b, i) => { b.where = indexed(element, i, list.length); });
    name(this.intervals, 'IntervalBlocks');
    name(this.registers, 'Readings');
    const parsed: ParsedMeterReading = { index, blocks: this.registers.length === 0 ? this.intervals : [...this.intervals, ...this.registers] };
    const meter: DeviceRef | undefined = this.mRID !== undefined ? { mRID: this.mRID } : this.name !== undefined ? { name: this.name } : undefined;
    if (meter) parsed.meter = meter;
    return parsed;
  }

  private startBlock(kind: ReadingBlock['kind']): void {
    this.endBlock();
    this.block = { readingType: '', where: '', kind, timestamps: [], values: [], hasValue: [] };
    (kind === 'interval' ? this.intervals : this.registers).push(this.block);
    this.typeSeen = false;
    this.n = 0;
  }

  private endBlock(): void {
    const b = this.block;
    if (!b) return;
    b.timestamps = column(this.ts, this.n);
    b.values = column(this.vs, this.n);
    b.hasValue = column(this.hv, this.n);
    this.block = undefined;
    this.n = 0;
  }

  private readingType(ref: string | undefined): void {
    if (this.typeSeen || !this.block) return;
    this.typeSeen = true;
    this.block.readingType = ref ?? '';
  }

  private startReading(): void {
    this.seen = 0;
    this.timestamp = NaN;
    this.value = NaN;
    this.hasValue = 0;
    this.reported = undefined;
    this.source = undefined;
    if (this.qualities.length > 0) this.qualities = [];
  }

  private endReading(): void {
    const b = this.block;
    if (!b) return;
    const i = this.n;
    if (i === this.ts.length) this.grow();
    this.ts[i] = this.timestamp;
    this.vs[i] = this.value;
    this.hv[i] = this.hasValue;
    this.n = i + 1;
    if (this.qualities.length > 0 || this.reported !== undefined || this.source !== undefined) {
      const note: ReadingNote = { qualities: this.qualities };
      if (this.reported !== undefined) note.reportedDateTime = this.reported;
      if (this.source !== undefined) note.source = this.source;
      (b.notes ??= new Map()).set(i, note);
      this.qualities = [];
    }
  }

  private grow(): void {
    const size = this.ts.length * 2;
    const ts = new Float64Array(size);
    ts.set(this.ts);
    const vs = new Float64Array(size);
    vs.set(this.vs);
    const hv = new Uint8Array(size);
    hv.set(this.hv);
    this.ts = ts;
    this.vs = vs;
    this.hv = hv;
  }
}
