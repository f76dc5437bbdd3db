import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTimestamp } from '../../gateway/domain/readings/timestamp.js';

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
