import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readingsOf, type ReadingColumns } from '../../gateway/domain/readings/reading-columns.js';
import { ByteWriter, IsoTimeWriter } from '../../gateway/i8/formats/byte-writer.js';
import { readingPageJson } from '../../gateway/i8/formats/reading-json.js';
import { readingItem } from '../../gateway/i8/formats/reading-rows.js';
import { mulberry32 } from '../../gateway/adapters/hes-simulator/prng.js';

describe('I8 JSON written from columns', () => {
  it('writes numbers exactly as JSON.stringify does', () => {
    const values = [0, -0, 1, -1, 0.1, 0.2, 0.1 + 0.2, 0.001, -0.001, 0.0005, 1e-7, 123.456, 4.35, 1.005, 12.5, 999.999, 2147483.647, 2147483.648,
      -2147483.648, 2147483647, 9007199254740991, 1e21, 5e-324, NaN, Infinity, -Infinity];
    const random = mulberry32(7);
    for (let i = 0; i < 20_000; i++) {
      const r = random() - 0.5;
      values.push(Math.round(r * 1e7) / 1000, Math.round(r * 1e4) / 100, r * 10 ** Math.floor(random() * 20 - 8), Math.round(r * 1e10) / 10 ** Math.floor(random() * 5));
    }
    for (const v of values) {
      const w = new ByteWriter(4);
      w.number(v);
      assert.equal(w.result().toString(), JSON.stringify(v), String(v));
    }
  });

  it('writes times exactly as toISOString does, extended years and times before 1970 included', () => {
    const times = [0, -1, 1, 86_399_999, 86_400_000, -86_400_001, Date.parse('2026-10-01T00:15:00Z'), Date.parse('2026-12-31T23:59:59.999Z'),
      -62_198_755_200_000, 253_402_300_800_000, 8.64e15, -8.64e15];
    const random = mulberry32(11);
    for (let i = 0; i < 20_000; i++) times.push(Math.floor((random() - 0.5) * 1.6e13));
    const iso = new IsoTimeWriter();
    for (const t of times) {
      const w = new ByteWriter(4);
      iso.write(w, t);
      assert.equal(w.result().toString(), new Date(t).toISOString(), String(t));
    }
  });

  it('a page is the document JSON.stringify makes of the reading items, whatever the strings hold', () => {
    const columns: ReadingColumns[] = [
      { meter: 'M-"1"\\é', readingType: 'rt-1', length: 3, timestamps: new Float64Array([1e12, 1e12 + 900_000, 1e12 + 86_400_000]), values: new Float64Array([0.1, 0, NaN]),
        hasValue: new Uint8Array([1, 0, 1]), register: new Uint8Array([0, 1, 0]), notes: new Map([[1, { qualities: ['3.7.0', 'ü\n'] }]]) },
      { meter: 'M-2', readingType: 'rt-2', length: 1, timestamps: new Float64Array([2e12]), values: new Float64Array([-12.5]), hasValue: new Uint8Array([1]), register: new Uint8Array([0]) },
    ];
    const ups = new Map([['M-"1"\\é', 'UP-ñ']]);
    for (const cursor of [undefined, 'abc"']) {
      const got = JSON.parse(readingPageJson(columns, (m) => ups.get(m), cursor).toString('utf8'));
      const want = JSON.parse(JSON.stringify({ items: readingsOf(columns).map((r) => readingItem(r, ups.get(r.meter))), ...(cursor ? { nextCursor: cursor } : {}) }));
      assert.deepEqual(got, want);
    }
    assert.deepEqual(JSON.parse(readingPageJson([], () => undefined).toString()), { items: [] });
  });
});
