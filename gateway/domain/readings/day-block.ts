/**
 * Readings are stored one row per meter × reading type × UTC day, the day's points packed in a
 * blob: a day of 15-minute data is one row instead of 96, which is what lets a 100 MB load
 * profile commit in one transaction in well under a second (row-per-reading caps near 20 MB/s).
 * Qualities and corrections are sparse and live in their own tables.
 */
export const DAY_MS = 86_400_000;
const POINT_BYTES = 16;
const REGISTER = 1;
const NO_VALUE = 2;

export interface DayPoint {
  /** Milliseconds since the start of the UTC day. */
  offset: number;
  value?: number;
  kind: 'interval' | 'register';
}

export const dayOf = (timestamp: number): number => Math.floor(timestamp / DAY_MS);

/** Points sorted by offset → blob (int32 offset, int32 flags, float64 value per point). */
export function encodeDay(points: readonly DayPoint[]): Buffer {
  const buf = Buffer.allocUnsafe(points.length * POINT_BYTES);
  let at = 0;
  for (const p of points) {
    const flags = (p.kind === 'register' ? REGISTER : 0) | (p.value === undefined ? NO_VALUE : 0);
    buf.writeInt32LE(p.offset, at);
    buf.writeInt32LE(flags, at + 4);
    buf.writeDoubleLE(p.value ?? 0, at + 8);
    at += POINT_BYTES;
  }
  return buf;
}

export function decodeDay(blob: Uint8Array): DayPoint[] {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const out: DayPoint[] = [];
  for (let at = 0; at + POINT_BYTES <= buf.length; at += POINT_BYTES) {
    const flags = buf.readInt32LE(at + 4);
    const p: DayPoint = { offset: buf.readInt32LE(at), kind: flags & REGISTER ? 'register' : 'interval' };
    if (!(flags & NO_VALUE)) p.value = buf.readDoubleLE(at + 8);
    out.push(p);
  }
  return out;
}

/** Flags of a point as stored. */
export const pointFlags = (register: boolean, hasValue: boolean): number => (register ? REGISTER : 0) | (hasValue ? 0 : NO_VALUE);
export const isRegister = (flags: number): boolean => (flags & REGISTER) !== 0;
export const hasValue = (flags: number): boolean => (flags & NO_VALUE) === 0;

/**
 * Columns (one entry per point, in the order of `order`) → blob; same layout as encodeDay, without
 * an object per point on the ingest path.
 */
export function encodeColumns(offsets: readonly number[], flags: readonly number[], values: readonly number[], order?: readonly number[]): Buffer {
  const n = offsets.length;
  const buf = Buffer.allocUnsafe(n * POINT_BYTES);
  for (let k = 0, at = 0; k < n; k++, at += POINT_BYTES) {
    const i = order ? order[k]! : k;
    buf.writeInt32LE(offsets[i]!, at);
    buf.writeInt32LE(flags[i]!, at + 4);
    buf.writeDoubleLE(hasValue(flags[i]!) ? values[i]! : 0, at + 8);
  }
  return buf;
}

/** Points in a blob, and the offset / flags / value of point i (reads straight from the blob). */
export const pointCount = (blob: Uint8Array): number => Math.floor(blob.byteLength / POINT_BYTES);
export const pointOffset = (b: Buffer, i: number): number => b.readInt32LE(i * POINT_BYTES);
export const pointFlagsAt = (b: Buffer, i: number): number => b.readInt32LE(i * POINT_BYTES + 4);
export const pointValue = (b: Buffer, i: number): number => b.readDoubleLE(i * POINT_BYTES + 8);
