import { DAY_MS, encodeColumns, pointFlags } from '../../domain/readings/day-block.js';
import type { ReadingBlock, ReadingNote } from '../../domain/readings/meter-reading.js';
import type { Reading } from '../../domain/readings/reading.js';
import type { ReadingSeries } from '../../ports/reading-store.port.js';

/** Per-reading extras as staged and stored: only readings with qualities, reportedDateTime or source have one. */
export interface Annotation { qualities: readonly string[]; reportedAt?: number; source?: string }

/** One staging row: a meter × reading type × day of one batch, points in time order. */
export interface StagedDay { meter: string; type: string; day: number; points: Buffer; annotations: string | null }

/**
 * A meter × type × day: while it has one contribution, the readings [from, to) of one block
 * (encoded straight from the block's columns); once a second one arrives, copied into columns.
 */
interface Group {
  meter: string; type: string; day: number;
  block?: ReadingBlock; from: number; to: number;
  offsets?: number[]; flags?: number[]; values?: number[]; notes?: [number, Annotation][];
}

const annotation = (n: ReadingNote): Annotation => {
  const a: Annotation = { qualities: n.qualities };
  if (n.reportedDateTime !== undefined) a.reportedAt = n.reportedDateTime;
  if (n.source !== undefined) a.source = n.source;
  return a;
};

/** Copies a group's block range into columns, so more readings can be appended to it. */
function materialise(g: Group): void {
  const b = g.block!;
  g.offsets = [];
  g.flags = [];
  g.values = [];
  g.block = undefined;
  append(g, b, g.from, g.to);
}

function append(g: Group, b: ReadingBlock, from: number, to: number): void {
  const register = b.kind === 'register';
  const base = g.day * DAY_MS;
  for (let i = from; i < to; i++) {
    const note = b.notes?.get(i);
    if (note) (g.notes ??= []).push([g.offsets!.length, annotation(note)]);
    g.offsets!.push(b.timestamps[i]! - base);
    g.flags!.push(pointFlags(register, b.hasValue[i] === 1));
    g.values!.push(b.values[i]!);
  }
}

/**
 * Series → staging rows, one per meter × type × UTC day. A block's readings are normally
 * consecutive and on one or two days: each run of one day is looked up once, and a day only one
 * block contributes to (the usual load profile) is encoded straight from that block, with no copy
 * per reading. A group not in time order is sorted stably, arrival order kept for repeats: a later
 * repeat in the same message is the newer version.
 */
export function stagedDays(series: readonly ReadingSeries[]): StagedDay[] {
  const groups = new Map<string, Group>();
  for (const { meter, readingType, block } of series) {
    const ts = block.timestamps;
    const n = ts.length;
    let from = 0;
    while (from < n) {
      const day = Math.floor(ts[from]! / DAY_MS);
      let to = from + 1;
      while (to < n && Math.floor(ts[to]! / DAY_MS) === day) to++;
      const key = `${meter}\u0000${readingType}\u0000${day}`;
      const g = groups.get(key);
      if (!g) groups.set(key, { meter, type: readingType, day, block, from, to });
      else {
        if (g.block) materialise(g);
        append(g, block, from, to);
      }
      from = to;
    }
  }
  const out: StagedDay[] = [];
  for (const g of groups.values()) {
    if (g.block && inOrder(g.block.timestamps, g.from, g.to)) out.push(encodeRange(g));
    else {
      if (g.block) materialise(g);
      out.push(encodeGroup(g));
    }
  }
  return out;
}

function inOrder(ts: readonly number[], from: number, to: number): boolean {
  for (let i = from + 1; i < to; i++) if (!(ts[i]! >= ts[i - 1]!)) return false;
  return true;
}

/** A day one block alone contributes, in time order: encoded from the block's columns. */
function encodeRange(g: Group): StagedDay {
  const b = g.block!;
  const register = b.kind === 'register';
  const base = g.day * DAY_MS;
  const n = g.to - g.from;
  const points = Buffer.allocUnsafe(n * 16);
  let notes: [number, Annotation][] | undefined;
  for (let i = g.from, at = 0; i < g.to; i++, at += 16) {
    const has = b.hasValue[i] === 1;
    points.writeInt32LE(b.timestamps[i]! - base, at);
    points.writeInt32LE(pointFlags(register, has), at + 4);
    points.writeDoubleLE(has ? b.values[i]! : 0, at + 8);
  }
  if (b.notes) {
    for (const [i, note] of b.notes) if (i >= g.from && i < g.to) (notes ??= []).push([i - g.from, annotation(note)]);
    notes?.sort((x, y) => x[0] - y[0]);
  }
  return { meter: g.meter, type: g.type, day: g.day, points, annotations: notes ? JSON.stringify(notes) : null };
}

function encodeGroup(g: Group): StagedDay {
  const offsets = g.offsets!;
  let order: number[] | undefined;
  for (let i = 1; i < offsets.length; i++) {
    if (offsets[i]! < offsets[i - 1]!) {
      order = offsets.map((_, k) => k).sort((a, b) => offsets[a]! - offsets[b]! || a - b);
      break;
    }
  }
  let notes = g.notes;
  if (notes && order) {
    const at = new Map(order.map((from, to) => [from, to]));
    notes = notes.map(([i, n]) => [at.get(i)!, n] as [number, Annotation]).sort((a, b) => a[0] - b[0]);
  }
  return { meter: g.meter, type: g.type, day: g.day, points: encodeColumns(offsets, g.flags!, g.values!, order), annotations: notes ? JSON.stringify(notes) : null };
}

/** Reading objects (the port's general stage) → series: consecutive readings of one meter, type and kind share one. */
export function seriesOf(readings: readonly Reading[]): ReadingSeries[] {
  const out: ReadingSeries[] = [];
  let start = 0;
  for (let i = 1; i <= readings.length; i++) {
    const a = readings[start]!;
    const r = readings[i];
    if (r && r.meter === a.meter && r.readingType === a.readingType && r.kind === a.kind) continue;
    const run = readings.slice(start, i);
    const block: ReadingBlock = {
      readingType: a.readingType, where: '', kind: a.kind,
      timestamps: run.map((x) => x.timestamp),
      values: run.map((x) => x.value ?? NaN),
      hasValue: run.map((x) => (x.value === undefined ? 0 : 1)),
    };
    run.forEach((x, k) => {
      if (x.qualities.length > 0 || x.reportedDateTime !== undefined || x.source !== undefined) {
        const note: ReadingNote = { qualities: x.qualities };
        if (x.reportedDateTime !== undefined) note.reportedDateTime = x.reportedDateTime;
        if (x.source !== undefined) note.source = x.source;
        (block.notes ??= new Map()).set(k, note);
      }
    });
    out.push({ meter: a.meter, readingType: a.readingType, block });
    start = i;
  }
  return out;
}
