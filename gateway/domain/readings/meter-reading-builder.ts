import type { DeviceRef } from '../meters/meter.js';
import type { ParsedMeterReading, ReadingBlock, ReadingNote } from './meter-reading.js';
import { parseTimestamp } from './timestamp.js';

/** Where an element sits, as far as the mapping cares. */
const enum At { Other, MeterReading, IntervalBlocks, Readings, IntervalReadings, Qualities, Meter, Names, Field }
/** Text-valued children the mapping reads (the first of each name counts, as `child()` does). */
const enum F { TimeStamp, Value, Reported, Source, MRID, Name, None }
const READING_FIELDS: Record<string, F> = { timeStamp: F.TimeStamp, value: F.Value, reportedDateTime: F.Reported, source: F.Source };

const trimmed = (s: string | undefined): string | undefined => {
  const t = s?.trim();
  return t === undefined || t === '' ? undefined : t;
};
const indexed = (name: string, i: number, n: number) => (n > 1 ? `${name}[${i + 1}]` : name);

/**
 * One MeterReading element → meter and columnar blocks, from element events (open / text /
 * close, local names). The streamed path feeds it saxes events directly, the buffered path walks
 * its element tree into it (`parseMeterReading`): one mapping for both, so their answers agree by
 * construction, and no tree or object per reading is built while a large message streams in.
 * It reads what the schema allows; an invalid fragment is refused by validation anyway.
 */
export class MeterReadingBuilder {
  private readonly at: At[] = [];
  private readonly intervals: ReadingBlock[] = [];
  private readonly registers: ReadingBlock[] = [];
  private block: ReadingBlock | undefined;
  private typeSeen = false;
  // The reading being read: which fields were met (first wins) and their text.
  private seen = 0;
  private fields: (string | undefined)[] = [undefined, undefined, undefined, undefined];
  private qualities: string[] = [];
  private qualitySeen = false;
  // The field whose text is being collected.
  private field = F.None;
  private fieldText: string | undefined;
  private fieldHasChildren = false;
  private meterSeen = false;
  private namesSeen = false;
  private mRID: string | undefined;
  private name: string | undefined;
  private meterFields = 0;

  open(local: string, attrs: Readonly<Record<string, string>> | undefined): void {
    const parent = this.at.length === 0 ? undefined : this.at[this.at.length - 1];
    let at = At.Other;
    switch (parent) {
      case undefined: at = At.MeterReading; break;
      case At.MeterReading:
        if (local === 'IntervalBlocks') { at = At.IntervalBlocks; this.startBlock('interval'); }
        else if (local === 'Readings') { at = At.Readings; this.startBlock('register'); this.startReading(); }
        else if (local === 'Meter' && !this.meterSeen) { at = At.Meter; this.meterSeen = true; }
        break;
      case At.IntervalBlocks:
        if (local === 'IntervalReadings') { at = At.IntervalReadings; this.startReading(); }
        else if (local === 'ReadingType') this.readingType(attrs);
        break;
      case At.Readings:
      case At.IntervalReadings:
        if (local === 'ReadingQualities') { at = At.Qualities; this.qualitySeen = false; }
        else if (parent === At.Readings && local === 'ReadingType') this.readingType(attrs);
        else {
          const f = READING_FIELDS[local];
          if (f !== undefined && !(this.seen & (1 << f))) { this.seen |= 1 << f; at = this.startField(f); }
        }
        break;
      case At.Qualities:
        if (local === 'ReadingQualityType' && !this.qualitySeen) {
          this.qualitySeen = true;
          const ref = attrs?.ref ?? '';
          if (ref !== '') this.qualities.push(ref);
        }
        break;
      case At.Meter:
        if (local === 'mRID' && !(this.meterFields & 1)) { this.meterFields |= 1; at = this.startField(F.MRID); }
        else if (local === 'Names' && !this.namesSeen) { this.namesSeen = true; at = At.Names; }
        break;
      case At.Names:
        if (local === 'name' && !(this.meterFields & 2)) { this.meterFields |= 2; at = this.startField(F.Name); }
        break;
      case At.Field:
        this.fieldHasChildren = true; // a tree's text is dropped where the element has children
        break;
    }
    this.at.push(at);
  }

  text(t: string): void {
    if (this.at[this.at.length - 1] === At.Field) this.fieldText = this.fieldText === undefined ? t : this.fieldText + t;
  }

  close(): void {
    const at = this.at.pop();
    if (at === At.Field) {
      const t = this.fieldHasChildren ? undefined : trimmed(this.fieldText);
      if (this.field === F.MRID) this.mRID = t;
      else if (this.field === F.Name) this.name = t;
      else this.fields[this.field] = t;
      this.field = F.None;
    } else if (at === At.IntervalReadings || at === At.Readings) {
      this.endReading();
    }
  }

  /** The MeterReading once its element closed; `index` is its position in the message (1-based). */
  result(index: number): ParsedMeterReading {
    const name = (list: ReadingBlock[], element: string) => list.forEach((b, i) => { b.where = indexed(element, i, list.length); });
    name(this.intervals, 'IntervalBlocks');
    name(this.registers, 'Readings');
    const parsed: ParsedMeterReading = { index, blocks: this.registers.length === 0 ? this.intervals : [...this.intervals, ...this.registers] };
    const meter: DeviceRef | undefined = this.mRID !== undefined ? { mRID: this.mRID } : this.name !== undefined ? { name: this.name } : undefined;
    if (meter) parsed.meter = meter;
    return parsed;
  }

  private startBlock(kind: ReadingBlock['kind']): void {
    this.block = { readingType: '', where: '', kind, timestamps: [], values: [], hasValue: [] };
    (kind === 'interval' ? this.intervals : this.registers).push(this.block);
    this.typeSeen = false;
  }

  private readingType(attrs: Readonly<Record<string, string>> | undefined): void {
    if (this.typeSeen || !this.block) return;
    this.typeSeen = true;
    this.block.readingType = attrs?.ref ?? '';
  }

  private startReading(): void {
    this.seen = 0;
    this.fields[0] = this.fields[1] = this.fields[2] = this.fields[3] = undefined;
    if (this.qualities.length > 0) this.qualities = [];
  }

  private startField(f: F): At {
    this.field = f;
    this.fieldText = undefined;
    this.fieldHasChildren = false;
    return At.Field;
  }

  private endReading(): void {
    const b = this.block!;
    const f = this.fields;
    const ts = f[F.TimeStamp];
    const value = f[F.Value];
    const reported = f[F.Reported];
    const source = f[F.Source];
    b.timestamps.push(ts === undefined ? NaN : parseTimestamp(ts));
    b.values.push(value === undefined ? NaN : Number(value));
    b.hasValue.push(value === undefined ? 0 : 1);
    if (this.qualities.length > 0 || reported !== undefined || source !== undefined) {
      const note: ReadingNote = { qualities: this.qualities };
      if (reported !== undefined) note.reportedDateTime = parseTimestamp(reported);
      if (source !== undefined) note.source = source;
      (b.notes ??= new Map()).set(b.timestamps.length - 1, note);
      this.qualities = [];
    }
  }
}
