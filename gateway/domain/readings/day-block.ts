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
