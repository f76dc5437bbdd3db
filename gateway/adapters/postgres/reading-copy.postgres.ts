import { DAY_MS } from '../../domain/readings/day-block.js';
import type { ReadingNote } from '../../domain/readings/meter-reading.js';
import type { ReadingSeries } from '../../ports/reading-store.port.js';

/** A note as stored in a day row's `notes` (jsonb, keyed by the point's 0-based index): short keys, repeated per note. */
export interface StoredNote { q: readonly string[]; r?: number; s?: string }

/** Earliest and latest instant the store takes: years 1–9999 (PostgreSQL's date and the partition names). */
export const MIN_TIMESTAMP = Date.parse('0001-01-01T00:00:00.000Z');
export const MAX_TIMESTAMP = Date.parse('9999-12-31T23:59:59.999Z');

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

/** COPY text format: backslash, tab, newline and carriage return are escaped. */
const copyText = (s: string): string => (/[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : s);

/** float8 as PostgreSQL reads it back exactly (shortest round-trip form; keeps -0, NaN and infinities). */
const float = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

export const dayDate = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

function checkText(what: string, s: string): void {
  if (s.includes('\u0000')) throw new RangeError(`${what} contains a NUL character: ${JSON.stringify(s)}`);
}

/**
 * Series → staging rows in COPY text format, one row per meter × reading type × UTC day, points
 * in time order (a group not already in order is sorted stably, so a later repeat of a timestamp
 * in the same message stays the newer version). `clean` marks a row whose timestamps strictly
 * increase: if the store has no row for its day yet, commit inserts it as it is.
 */
export function stagingRows(ingestId: string, series: readonly ReadingSeries[]): { lines: string[]; rows: number; days: Set<number> } {
  const groups = new Map<string, Group>();
  for (const { meter, readingType, block } of series) {
    checkText('meter', meter);
    checkText('reading type', readingType);
    const register = block.kind === 'register';
    let g: Group | undefined;
    for (let i = 0; i < block.timestamps.length; i++) {
      const ts = block.timestamps[i]!;
      if (!Number.isInteger(ts) || ts < MIN_TIMESTAMP || ts > MAX_TIMESTAMP) {
        throw new RangeError(`reading of meter ${meter}, reading type ${readingType} has a timestamp the store cannot keep (${ts}): years 1 to 9999, whole milliseconds`);
      }
      const day = Math.floor(ts / DAY_MS);
      if (g?.day !== day) {
        const key = `${meter}\u0000${readingType}\u0000${day}`;
        g = groups.get(key);
        if (!g) groups.set(key, g = { meter, type: readingType, day, offsets: [], registers: [], values: [], has: [], anyRegister: false });
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
  }
  const lines: string[] = [];
  const days = new Set<number>();
  for (const g of groups.values()) {
    let order: number[] | undefined;
    for (let i = 1; i < g.offsets.length; i++) {
      if (g.offsets[i]! < g.offsets[i - 1]!) {
        order = g.offsets.map((_, k) => k).sort((a, b) => g.offsets[a]! - g.offsets[b]! || a - b);
        break;
      }
    }
    const at = (k: number) => (order ? order[k]! : k);
    const n = g.offsets.length;
    const offs = new Array<number>(n);
    const vals = new Array<string>(n);
    const regs = g.anyRegister ? new Array<string>(n) : undefined;
    let clean = true;
    for (let k = 0; k < n; k++) {
      const i = at(k);
      offs[k] = g.offsets[i]!;
      if (k > 0 && offs[k]! <= offs[k - 1]!) clean = false;
      vals[k] = g.has[i] ? float(g.values[i]!) : 'NULL';
      if (regs) regs[k] = g.registers[i] ? 't' : 'f';
    }
    let notes = '\\N';
    if (g.notes) {
      const position = order ? new Map(order.map((from, to) => [from, to])) : undefined;
      const byIndex: Record<string, StoredNote> = {};
      for (const [i, note] of g.notes) byIndex[String(position ? position.get(i)! : i)] = note;
      notes = JSON.stringify(byIndex).replace(/\\/g, '\\\\');
    }
    days.add(g.day);
    lines.push(`${ingestId}\t${copyText(g.meter)}\t${copyText(g.type)}\t${dayDate(g.day)}\t${clean ? 't' : 'f'}\t{${offs.join(',')}}\t{${vals.join(',')}}\t${regs ? `{${regs.join(',')}}` : '\\N'}\t${notes}\n`);
  }
  return { lines, rows: lines.length, days };
}
