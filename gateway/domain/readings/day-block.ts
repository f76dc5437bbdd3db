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
  const out: DayPoint[] = [];
  const { i32, f64, n } = dayView(blob);
  for (let i = 0; i < n; i++) {
    const flags = i32[4 * i + 1]!;
    const p: DayPoint = { offset: i32[4 * i]!, kind: flags & REGISTER ? 'register' : 'interval' };
    if (!(flags & NO_VALUE)) p.value = f64[2 * i + 1]!;
    out.push(p);
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * A blob's points as columns: point i's offset is i32[4i], its flags i32[4i + 1], its value
 * f64[2i + 1]. Read in place where the host is little-endian and the blob 8-byte aligned in its
 * buffer (SQLite's blobs come in buffers of their own), else from a copy: no Buffer read call
 * per field on the read path.
 */
export interface DayView { i32: Int32Array; f64: Float64Array; n: number }
export function dayView(blob: Uint8Array): DayView {
  const n = pointCount(blob);
  if (LITTLE_ENDIAN && blob.byteOffset % 8 === 0) {
    return { i32: new Int32Array(blob.buffer, blob.byteOffset, n * 4), f64: new Float64Array(blob.buffer, blob.byteOffset, n * 2), n };
  }
  const i32 = new Int32Array(n * 4);
  const f64 = new Float64Array(i32.buffer);
  const data = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  for (let i = 0; i < n; i++) {
    i32[4 * i] = data.getInt32(i * POINT_BYTES, true);
    i32[4 * i + 1] = data.getInt32(i * POINT_BYTES + 4, true);
    f64[2 * i + 1] = data.getFloat64(i * POINT_BYTES + 8, true);
  }
  return { i32, f64, n };
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
