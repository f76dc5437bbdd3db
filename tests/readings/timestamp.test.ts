import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTimestamp, parseTimestampBytes } from '../../gateway/domain/readings/timestamp.js';
import { parseDecimalBytes } from '../../gateway/ingest/xml-bytes.js';

/** The fast path must answer exactly what Date.parse answers (the buffered and streamed paths both use it). */
describe('parseTimestamp', () => {
  it('equals Date.parse on valid, borderline and malformed dateTimes', () => {
    let seed = 42;
    const rnd = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    const p = (v: number, w = 2) => String(v).padStart(w, '0');
    const fractions = ['', '.5', '.05', '.12', '.123', '.999', '.1234', '.', '.x'];
    const zones = ['Z', '+02:00', '-03:30', '+24:00', '', 'z', '+0200', '-00:00', '+12:61', 'Zx'];
    for (let i = 0; i < 50_000; i++) {
      const s = `${p(rnd(3000), 4)}-${p(rnd(14))}-${p(rnd(33))}T${p(rnd(26))}:${p(rnd(61))}:${p(rnd(61))}${fractions[rnd(fractions.length)]}${zones[rnd(zones.length)]}`;
      assert.deepEqual(parseTimestamp(s), Date.parse(s), s);
    }
    for (const s of ['2026-11-19T03:15:00Z', '2026-11-19T03:15:00.250-03:00', '2024-02-29T00:00:00Z', '2026-12-31T24:00:00Z', '0099-01-01T00:00:00Z', ' 2026-11-19T03:15:00Z', '2026-11-19']) {
      assert.deepEqual(parseTimestamp(s), Date.parse(s), s);
    }
  });
});

/** The streamed ingest's byte fast paths: either "not mine" (NaN, the caller falls back) or exactly the string path's answer. */
describe('byte fast paths', () => {
  let seed = 7;
  const rnd = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
  const inside = (s: string) => Buffer.from(`<x>${s}</x>`);

  it('parseTimestampBytes answers parseTimestamp or NaN, and takes the plain forms itself', () => {
    const p = (v: number, w = 2) => String(v).padStart(w, '0');
    const fractions = ['', '.5', '.05', '.12', '.123', '.999', '.1234', '.', '.x'];
    const zones = ['Z', '+02:00', '-03:30', '+24:00', '', 'z', '+0200', '-00:00', '+12:61', 'Zx', ' '];
    for (let i = 0; i < 50_000; i++) {
      const s = `${p(rnd(3000), 4)}-${p(rnd(14))}-${p(rnd(33))}T${p(rnd(26))}:${p(rnd(61))}:${p(rnd(61))}${fractions[rnd(fractions.length)]}${zones[rnd(zones.length)]}`;
      const b = inside(s);
      const v = parseTimestampBytes(b, 3, b.length - 4);
      if (!Number.isNaN(v)) assert.equal(v, parseTimestamp(s), s);
    }
    for (const s of ['2026-11-19T03:15:00Z', '2026-11-19T03:15:00.250-03:00', '2026-11-19T03:15:00.5+05:45']) {
      const b = inside(s);
      assert.equal(parseTimestampBytes(b, 3, b.length - 4), Date.parse(s), s);
    }
  });

  it('parseDecimalBytes answers Number() or NaN, and takes plain decimals itself', () => {
    const pieces = ['0', '1', '7', '9', '.', '-', '+', 'e', 'E', ' ', 'x', '00', '123456789'];
    for (let i = 0; i < 50_000; i++) {
      const s = Array.from({ length: 1 + rnd(8) }, () => pieces[rnd(pieces.length)]).join('');
      const b = inside(s);
      const v = parseDecimalBytes(b, 3, b.length - 4);
      if (!Number.isNaN(v)) assert.ok(Object.is(v, Number(s)), `${s}: ${v} vs ${Number(s)}`);
    }
    for (let i = 0; i < 50_000; i++) {
      const digits = Array.from({ length: 1 + rnd(15) }, () => String(rnd(10))).join('');
      const dot = rnd(digits.length + 1);
      const s = `${rnd(2) ? '-' : ''}${digits.slice(0, dot)}.${digits.slice(dot)}`;
      const b = inside(s);
      assert.ok(Object.is(parseDecimalBytes(b, 3, b.length - 4), Number(s)), s);
    }
    for (const s of ['0.212', '-0', '+1.5', '.5', '5.', '123456789012345', '0.000000000000001', '-98765.4321']) {
      const b = inside(s);
      assert.ok(Object.is(parseDecimalBytes(b, 3, b.length - 4), Number(s)), s);
    }
  });
});
