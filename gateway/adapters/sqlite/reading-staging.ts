import { DAY_MS, encodeColumns, pointFlags } from '../../domain/readings/day-block.js';
import type { ReadingBlock, ReadingNote } from '../../domain/readings/meter-reading.js';
import type { Reading } from '../../domain/readings/reading.js';
import type { ReadingSeries } from '../../ports/reading-store.port.js';

/** Per-reading extras as staged and stored: only readings with qualities, reportedDateTime or source have one. */
export interface Annotation { qualities: readonly string[]; reportedAt?: number; source?: string }

/** One staging row: a meter × reading type × day of one batch, points in time order. */
export interface StagedDay { meter: string; type: string; day: number; points: Buffer; annotations: string | null }

interface Group { meter: string; type: string; day: number; offsets: number[]; flags: number[]; values: number[]; notes?: [number, Annotation][] }

const annotation = (n: ReadingNote): Annotation => {
  const a: Annotation = { qualities: n.qualities };
  if (n.reportedDateTime !== undefined) a.reportedAt = n.reportedDateTime;
  if (n.source !== undefined) a.source = n.source;
  return a;
};

/**
 * Series → staging rows, one per meter × type × UTC day. Readings are appended column by column
 * (a block's readings are normally consecutive and on one or two days, so the group is looked up
 * once per day change, not per reading); a group not already in time order is sorted stably,
 * arrival order kept for repeats: a later repeat in the same message is the newer version.
 */
export function stagedDays(series: readonly ReadingSeries[]): StagedDay[] {
  const groups = new Map<string, Group>();
  for (const { meter, readingType, block } of series) {
    const register = block.kind === 'register';
    let g: Group | undefined;
    for (let i = 0; i < block.timestamps.length; i++) {
      const ts = block.timestamps[i]!;
      const day = Math.floor(ts / DAY_MS);
      if (g?.day !== day) {
        const key = `${meter}\u0000${readingType}\u0000${day}`;
        g = groups.get(key);
        if (!g) groups.set(key, g = { meter, type: readingType, day, offsets: [], flags: [], values: [] });
      }
      const note = block.notes?.get(i);
      if (note) (g.notes ??= []).push([g.offsets.length, annotation(note)]);
      g.offsets.push(ts - day * DAY_MS);
      g.flags.push(pointFlags(register, block.hasValue[i] === 1));
      g.values.push(block.values[i]!);
    }
  }
  const out: StagedDay[] = [];
  for (const g of groups.values()) {
    let order: number[] | undefined;
    for (let i = 1; i < g.offsets.length; i++) {
      if (g.offsets[i]! < g.offsets[i - 1]!) {
        order = g.offsets.map((_, k) => k).sort((a, b) => g.offsets[a]! - g.offsets[b]! || a - b);
        break;
      }
    }
    let notes = g.notes;
    if (notes && order) {
      const at = new Map(order.map((from, to) => [from, to]));
      notes = notes.map(([i, n]) => [at.get(i)!, n] as [number, Annotation]).sort((a, b) => a[0] - b[0]);
    }
    out.push({ meter: g.meter, type: g.type, day: g.day, points: encodeColumns(g.offsets, g.flags, g.values, order), annotations: notes ? JSON.stringify(notes) : null });
  }
  return out;
}

/** Reading objects (the port's general stage) → series: consecutive readings of one meter, type and kind share one. */
export function seriesOf(readings: readonly Reading[]): ReadingSeries[] {
  const out: ReadingSeries[] = [];
  let cur: ReadingSeries | undefined;
  for (const r of readings) {
    if (!cur || cur.meter !== r.meter || cur.readingType !== r.readingType || cur.block.kind !== r.kind) {
      const block: ReadingBlock = { readingType: r.readingType, where: '', kind: r.kind, timestamps: [], values: [], hasValue: [] };
      out.push(cur = { meter: r.meter, readingType: r.readingType, block });
    }
    const b = cur.block;
    if (r.qualities.length > 0 || r.reportedDateTime !== undefined || r.source !== undefined) {
      const note: ReadingNote = { qualities: r.qualities };
      if (r.reportedDateTime !== undefined) note.reportedDateTime = r.reportedDateTime;
      if (r.source !== undefined) note.source = r.source;
      (b.notes ??= new Map()).set(b.timestamps.length, note);
    }
    b.timestamps.push(r.timestamp);
    b.values.push(r.value ?? NaN);
    b.hasValue.push(r.value === undefined ? 0 : 1);
  }
  return out;
}
