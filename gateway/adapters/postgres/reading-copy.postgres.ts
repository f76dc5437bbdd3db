import { DAY_MS } from '../../domain/readings/day-block.js';
import type { ReadingNote } from '../../domain/readings/meter-reading.js';
import type { Reading } from '../../domain/readings/reading.js';
import type { ReadingSeries } from '../../ports/reading-store.port.js';

/** A note as stored in a day row's `notes` (jsonb, keyed by the point's 0-based index): short keys, repeated per note. */
export interface StoredNote { q: readonly string[]; r?: number; s?: string }

/** Earliest and latest instant the store takes: years 1–9999 (PostgreSQL's date and the partition names). */
export const MIN_TIMESTAMP = Date.parse('0001-01-01T00:00:00.000Z');
export const MAX_TIMESTAMP = Date.parse('9999-12-31T23:59:59.999Z');

export const dayDate = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** A day row as a read selects it (reading_days, or the change journal joined to its names). */
export interface DayRow { meter: string; reading_type: string; day: number; offs: number[]; vals: (number | null)[]; registers: boolean[] | null; notes: Record<string, StoredNote> | null }

/** Shared by every answered reading without qualities (nearly all). */
const NO_QUALITIES: readonly string[] = Object.freeze([]);

/** Point `i` of a day row, at `ts`, as a Reading: the inverse of what the staging COPY wrote. */
export function toReading(row: DayRow, i: number, ts: number): Reading {
  const r: Reading = { meter: row.meter, readingType: row.reading_type, timestamp: ts, qualities: NO_QUALITIES, kind: row.registers?.[i] ? 'register' : 'interval' };
  const v = row.vals[i];
  if (v !== null && v !== undefined) r.value = v;
  const note = row.notes?.[String(i)];
  if (note) {
    r.qualities = note.q;
    if (note.r !== undefined) r.reportedDateTime = note.r;
    if (note.s !== undefined) r.source = note.s;
  }
  return r;
}

/** Column order of the staging COPY. */
export const STAGING_COLUMNS = '(ingest_id, meter, reading_type, day, clean, offs, vals, registers, notes)';

const OID = { bool: 16, int4: 23, float8: 701 } as const;
/** PostgreSQL's date epoch (2000-01-01) in days since 1970-01-01. */
const PG_EPOCH_DAY = 10_957;

interface Group {
  meter: string; type: string; day: number;
  offsets: number[]; registers: boolean[]; values: number[]; has: boolean[];
  anyRegister: boolean; notes?: [number, StoredNote][];
}

const storedNote = (n: ReadingNote): StoredNote | undefined => {
  if (n.qualities.length === 0 && n.reportedDateTime === undefined && n.source === undefined) return undefined;
  const s: StoredNote = { q: n.qualities };
  if (n.reportedDateTime !== undefined) s.r = n.reportedDateTime;
  if (n.source !== undefined) s.s = n.source;
  return s;
};

function checkText(what: string, s: string): void {
  if (s.includes('\u0000')) throw new RangeError(`${what} contains a NUL character: ${JSON.stringify(s)}`);
}

/**
 * COPY … (FORMAT binary) rows written straight into one growing buffer: numbers go as their 4 or
 * 8 bytes, with no text formatting here and no text parsing in the database (formatting a million
 * values as text took ~0.6 s of the request thread).
 */
class BinaryRows {
  private buf = Buffer.allocUnsafe(1 << 16);
  private at = 0;

  constructor() {
    this.bytes(Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'));
    this.int32(0);
    this.int32(0);
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  int16(v: number): void { this.room(2); this.buf.writeInt16BE(v, this.at); this.at += 2; }
  int32(v: number): void { this.room(4); this.buf.writeInt32BE(v, this.at); this.at += 4; }
  bytes(b: Buffer): void { this.room(b.length); b.copy(this.buf, this.at); this.at += b.length; }
  null(): void { this.int32(-1); }
  field(b: Buffer): void { this.int32(b.length); this.bytes(b); }
  text(s: string): void { this.field(Buffer.from(s, 'utf8')); }
  /** jsonb's binary form: a version byte, then the JSON text. */
  jsonb(v: unknown): void { this.field(Buffer.concat([Buffer.of(1), Buffer.from(JSON.stringify(v), 'utf8')])); }

  /** One-dimensional array: ndim, has-null flag, element type, length, lower bound, then each element as (length, bytes). */
  array(oid: number, n: number, elementBytes: number, nulls: boolean, write: (k: number, at: number) => boolean): void {
    const size = 20 + n * (4 + elementBytes);
    this.room(4 + size);
    const b = this.buf;
    let at = this.at;
    const start = at;
    b.writeInt32BE(size, at); at += 4;
    b.writeInt32BE(1, at); b.writeInt32BE(nulls ? 1 : 0, at + 4); b.writeInt32BE(oid, at + 8); b.writeInt32BE(n, at + 12); b.writeInt32BE(1, at + 16); at += 20;
    for (let k = 0; k < n; k++) {
      if (write(k, at + 4)) { b.writeInt32BE(elementBytes, at); at += 4 + elementBytes; } else { b.writeInt32BE(-1, at); at += 4; }
    }
    b.writeInt32BE(at - start - 4, start);
    this.at = at;
  }

  get buffer(): Buffer { return this.buf; }
  get length(): number { return this.at; }

  end(): Buffer { this.int16(-1); return this.buf.subarray(0, this.at); }
}

/** A day of one block whose timestamps strictly increase: readings [from, to) of the block. */
interface Run { meter: string; type: string; block: ReadingSeries['block']; day: number; from: number; to: number; key: string }

/**
 * Series → staging rows in COPY binary format, one row per meter × reading type × UTC day,
 * points in time order (a group not already in order is sorted stably, so a later repeat of a
 * timestamp in the same message stays the newer version). `clean` marks a row whose timestamps
 * strictly increase: if the store has no row for its day yet, commit inserts it as it is.
 *
 * The usual load profile (each day of a series in one block, timestamps increasing) is written
 * straight from the block's columns; only days that several blocks contribute to, or whose block
 * is out of order, are gathered point by point into groups first (a million readings: four array
 * pushes each, and their garbage, on the request thread).
 */
export function stagingCopy(ingestId: string, series: readonly ReadingSeries[]): { data: Buffer; rows: number; days: Set<number> } {
  const runs: Run[] = [];
  /** Keys (meter, type, day) met more than once, or in a block out of order: those days are grouped. */
  const seen = new Set<string>();
  const grouped = new Set<string>();
  /** Per series: its runs [first, end) in `runs`, or [-1, -1] for a block out of order. */
  const runsOf: [number, number][] = [];
  for (const { meter, readingType, block } of series) {
    checkText('meter', meter);
    checkText('reading type', readingType);
    const ts = block.timestamps;
    let ordered = true;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i]!;
      if (!Number.isInteger(t) || t < MIN_TIMESTAMP || t > MAX_TIMESTAMP) {
        throw new RangeError(`reading of meter ${meter}, reading type ${readingType} has a timestamp the store cannot keep (${t}): years 1 to 9999, whole milliseconds`);
      }
      if (i > 0 && t <= ts[i - 1]!) ordered = false;
    }
    if (!ordered) {
      runsOf.push([-1, -1]);
      let day = NaN;
      for (const t of ts) {
        const d = Math.floor(t / DAY_MS);
        if (d !== day) grouped.add(`${meter}\u0000${readingType}\u0000${day = d}`);
      }
      continue;
    }
    const first = runs.length;
    for (let from = 0; from < ts.length;) {
      const day = Math.floor(ts[from]! / DAY_MS);
      const end = (day + 1) * DAY_MS;
      let to = from + 1;
      while (to < ts.length && ts[to]! < end) to++;
      const key = `${meter}\u0000${readingType}\u0000${day}`;
      if (seen.has(key)) grouped.add(key);
      seen.add(key);
      runs.push({ meter, type: readingType, block, day, from, to, key });
      from = to;
    }
    runsOf.push([first, runs.length]);
  }
  const groups = new Map<string, Group>();
  const direct: Run[] = [];
  const gather = (meter: string, type: string, block: ReadingSeries['block'], from: number, to: number) => {
    const register = block.kind === 'register';
    let g: Group | undefined;
    for (let i = from; i < to; i++) {
      const ts = block.timestamps[i]!;
      const day = Math.floor(ts / DAY_MS);
      if (g?.day !== day) {
        const key = `${meter}\u0000${type}\u0000${day}`;
        g = groups.get(key);
        if (!g) groups.set(key, g = { meter, type, day, offsets: [], registers: [], values: [], has: [], anyRegister: false });
      }
      const note = block.notes?.get(i);
      const stored = note ? storedNote(note) : undefined;
      if (stored) (g.notes ??= []).push([g.offsets.length, stored]);
      g.offsets.push(ts - day * DAY_MS);
      g.registers.push(register);
      g.anyRegister ||= register;
      g.values.push(block.values[i]!);
      g.has.push(block.hasValue[i] === 1);
    }
  };
  // In message order, so the versions of a grouped key keep their order in its group.
  for (let k = 0; k < series.length; k++) {
    const { meter, readingType, block } = series[k]!;
    const [first, end] = runsOf[k]!;
    if (first < 0) { gather(meter, readingType, block, 0, block.timestamps.length); continue; }
    for (let r = first; r < end; r++) {
      const run = runs[r]!;
      if (grouped.has(run.key)) gather(meter, readingType, block, run.from, run.to);
      else direct.push(run);
    }
  }
  const out = new BinaryRows();
  const id = Buffer.from(ingestId.replace(/-/g, ''), 'hex');
  const days = new Set<number>();
  let meterText = '', meterBytes = Buffer.alloc(0), typeText = '', typeBytes = Buffer.alloc(0);
  for (const run of direct) {
    if (run.meter !== meterText) meterBytes = Buffer.from(meterText = run.meter, 'utf8');
    if (run.type !== typeText) typeBytes = Buffer.from(typeText = run.type, 'utf8');
    days.add(run.day);
    writeRun(out, id, meterBytes, typeBytes, run);
  }
  for (const g of groups.values()) {
    let order: number[] | undefined;
    for (let i = 1; i < g.offsets.length; i++) {
      if (g.offsets[i]! < g.offsets[i - 1]!) {
        order = g.offsets.map((_, k) => k).sort((a, b) => g.offsets[a]! - g.offsets[b]! || a - b);
        break;
      }
    }
    const at = order ? (k: number) => order[k]! : (k: number) => k;
    const n = g.offsets.length;
    let clean = true;
    for (let k = 1; k < n; k++) if (g.offsets[at(k)]! <= g.offsets[at(k - 1)]!) { clean = false; break; }
    days.add(g.day);
    out.int16(9);
    out.field(id);
    out.text(g.meter);
    out.text(g.type);
    out.int32(4); out.int32(g.day - PG_EPOCH_DAY);
    out.int32(1); out.bytes(Buffer.of(clean ? 1 : 0));
    out.array(OID.int4, n, 4, false, (k, w) => { out.buffer.writeInt32BE(g.offsets[at(k)]!, w); return true; });
    out.array(OID.float8, n, 8, g.has.includes(false), (k, w) => {
      const i = at(k);
      if (!g.has[i]) return false;
      out.buffer.writeDoubleBE(g.values[i]!, w);
      return true;
    });
    if (g.anyRegister) out.array(OID.bool, n, 1, false, (k, w) => { out.buffer[w] = g.registers[at(k)] ? 1 : 0; return true; });
    else out.null();
    if (g.notes) {
      const position = order ? new Map(order.map((from, to) => [from, to])) : undefined;
      const byIndex: Record<string, StoredNote> = {};
      for (const [i, note] of g.notes) byIndex[String(position ? position.get(i)! : i)] = note;
      out.jsonb(byIndex);
    } else out.null();
  }
  return { data: out.end(), rows: direct.length + groups.size, days };
}

/** One day of a block, in order and alone for its key: written from the block's columns (clean: timestamps strictly increase). */
function writeRun(out: BinaryRows, id: Buffer, meter: Buffer, type: Buffer, run: Run): void {
  const { block, from, to, day } = run;
  const n = to - from;
  const base = day * DAY_MS;
  out.int16(9);
  out.field(id);
  out.field(meter);
  out.field(type);
  out.int32(4); out.int32(day - PG_EPOCH_DAY);
  out.int32(1); out.bytes(CLEAN);
  const ts = block.timestamps;
  out.array(OID.int4, n, 4, false, (k, w) => { out.buffer.writeInt32BE(ts[from + k]! - base, w); return true; });
  const has = block.hasValue;
  let nulls = false;
  for (let i = from; i < to; i++) if (has[i] !== 1) { nulls = true; break; }
  const values = block.values;
  out.array(OID.float8, n, 8, nulls, (k, w) => {
    if (has[from + k] !== 1) return false;
    out.buffer.writeDoubleBE(values[from + k]!, w);
    return true;
  });
  if (block.kind === 'register') out.array(OID.bool, n, 1, false, (_k, w) => { out.buffer[w] = 1; return true; });
  else out.null();
  let notes: Record<string, StoredNote> | undefined;
  if (block.notes && block.notes.size > 0) {
    for (let i = from; i < to; i++) {
      const note = block.notes.get(i);
      const stored = note ? storedNote(note) : undefined;
      if (stored) (notes ??= {})[String(i - from)] = stored;
    }
  }
  if (notes) out.jsonb(notes);
  else out.null();
}

const CLEAN = Buffer.of(1);
