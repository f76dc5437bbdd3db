import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'csv-stringify/sync';
import request from 'supertest';
import { readingWatermark } from '../../gateway/i7/watermark.js';
import { mulberry32 } from '../../gateway/adapters/hes-simulator/prng.js';
import { readingsOf, type ReadingColumns } from '../../gateway/domain/readings/reading-columns.js';
import type { Reading } from '../../gateway/domain/readings/reading.js';
import { ByteWriter } from '../../gateway/i8/formats/byte-writer.js';
import { csvHeader, ReadingCsvRows, writeCsvRecord, type CsvValue } from '../../gateway/i8/formats/csv-writer.js';
import { READING_COLUMNS, readingRecord } from '../../gateway/i8/formats/reading-rows.js';
import { client, i8Gateway, ingest, kwh, VOLT_A } from './i8-fixtures.js';

/** csv-stringify, as the routes called it before the byte writer, is the oracle. */
const oracle = (columns: readonly string[], records: unknown[][]) => stringify(records, { header: true, columns: [...columns] });

const random = mulberry32(2026);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
const HOSTILE = ['', 'a', 'plain', 'with,comma', 'with "quotes"', '"', '""', ',', '\n', '\r', '\r\n', 'line\nbreak', 'tab\there', ' spaced ', 'ñandú', 'emoji 😀', '=1+2', '-x', "'", '\\', 'a,b"c\nd'];
const randomString = () => (random() < 0.6 ? pick(HOSTILE) : Array.from({ length: Math.floor(random() * 8) }, () => pick(HOSTILE)).join(pick(['', ' ', ','])));
const NUMBERS = [0, -0, 1, -1, 0.1, 0.001, -0.0005, 123.456, 1.005, 2147483.647, 2147483.648, 9007199254740991, 1e21, 1e-7, 5e-324, NaN, Infinity, -Infinity];
const randomNumber = () => {
  const r = random() - 0.5;
  return pick([() => pick(NUMBERS), () => Math.round(r * 1e7) / 1000, () => r * 10 ** Math.floor(random() * 20 - 8), () => Math.round(r * 1e4) / 100])();
};

describe('CSV written as bytes is the text csv-stringify writes', () => {
  it('generic records: hostile strings, numbers, empty and missing fields', () => {
    const columns = ['id', 'text, with comma', 'quote"d', 'n'];
    const records: CsvValue[][] = [];
    for (let i = 0; i < 20_000; i++) {
      records.push([i, randomString(), pick([randomString, randomNumber, () => undefined, () => null, () => ''])(), randomNumber()]);
    }
    const w = new ByteWriter(16);
    w.bytes(csvHeader(columns));
    for (const r of records) writeCsvRecord(w, r);
    assert.equal(w.result().toString('utf8'), oracle(columns, records));
    assert.equal(csvHeader(columns).toString(), oracle(columns, []), 'header alone, as for an empty answer');
  });

  it('reading records, one by one and from columns, against readingRecord + csv-stringify', () => {
    const meters = ['M-1', 'M,2', 'M"3"', 'Ñ-4\n'];
    const types = ['0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0', 'rt,"x"'];
    const ups = new Map<string, string | undefined>([['M-1', 'UP-1'], ['M,2', 'UP,"2"'], ['M"3"', undefined], ['Ñ-4\n', '']]);
    const columns: ReadingColumns[] = [];
    let t = Date.parse('2026-03-01T00:00:00Z') - 40 * 86_400_000;
    for (let set = 0; set < 300; set++) {
      const n = 1 + Math.floor(random() * 120);
      const c: ReadingColumns = { meter: pick(meters), readingType: pick(types), length: n, timestamps: new Float64Array(n), values: new Float64Array(n), hasValue: new Uint8Array(n), register: new Uint8Array(n) };
      const notes = new Map<number, { qualities: readonly string[] }>();
      for (let i = 0; i < n; i++) {
        t += pick([900_000, 60_000, 1, 86_400_000, 3_600_123]);
        c.timestamps[i] = random() < 0.01 ? Math.floor((random() - 0.5) * 1.6e13) : t;
        if (random() < 0.9) {
          c.hasValue[i] = 1;
          c.values[i] = randomNumber();
        }
        c.register[i] = random() < 0.2 ? 1 : 0;
        if (random() < 0.1) notes.set(i, { qualities: Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(['1.4.9', '3.7.0', 'a,b', 'q"', 'x\ny', ''])) });
      }
      if (notes.size) c.notes = notes;
      columns.push(c);
    }
    const readings: Reading[] = readingsOf(columns);
    const want = oracle(READING_COLUMNS, readings.map((r) => readingRecord(r, ups.get(r.meter))));
    const fromColumns = new ByteWriter(64);
    fromColumns.bytes(csvHeader(READING_COLUMNS));
    const rows = new ReadingCsvRows((m) => ups.get(m));
    for (const c of columns) rows.columns(fromColumns, c);
    assert.equal(fromColumns.result().toString('utf8'), want);
    const oneByOne = new ByteWriter(64);
    oneByOne.bytes(csvHeader(READING_COLUMNS));
    const rows2 = new ReadingCsvRows((m) => ups.get(m));
    for (const r of readings) rows2.reading(oneByOne, r);
    assert.equal(oneByOne.result().toString('utf8'), want);
  });

  it('end to end: /i8/readings as CSV, /i8/exports/readings and /i7/readings answer the text csv-stringify made of the same rows', async () => {
    const gw = await i8Gateway();
    try {
      // Values of every kind, qualities, a register reading, a reading without value, a correction (I7 "corrected").
      const readings: Reading[] = [];
      for (let i = 1; i <= 300; i++) readings.push(kwh('M-1', i, i % 7 === 0 ? randomNumber() : i / 8), kwh('M-2', i, -i / 1000));
      readings.push({ ...kwh('M-3', 5), qualities: ['1.4.9', '3.7.0'] }, { meter: 'M-3', readingType: VOLT_A, timestamp: kwh('M-3', 6).timestamp, value: 229.81, qualities: [], kind: 'register' });
      const { value: _, ...noValue } = kwh('M-2', 301);
      readings.push(noValue);
      await ingest(gw, readings, 'a');
      await ingest(gw, [kwh('M-1', 3, 42.125)], 'b');
      const token = await client(gw, 'dwh', { kind: 'regulator' }, ['readings:read', 'export:read']);
      const get = (url: string) => request(gw.app).get(url).set('Authorization', `Bearer ${token}`).set('Accept', 'text/csv');
      const usagePointOf = (m: string) => `UP-${m.slice(2)}`;
      const all = await gw.deps.readings.readAfter({ meters: ['M-1', 'M-2', 'M-3'] }, undefined, 10_000);
      const want = oracle(READING_COLUMNS, all.map((r) => readingRecord(r, usagePointOf(r.meter))));
      const exported = await get('/i8/exports/readings?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z');
      assert.equal(exported.status, 200);
      assert.equal(exported.text, want);
      const page = await get('/i8/readings?limit=10000');
      assert.equal(page.status, 200);
      assert.equal(page.text, want);
      const changes = await gw.deps.readings.readChanges({ seq: 0, index: 0 }, { seq: Number.MAX_SAFE_INTEGER, index: 0 }, 10_000);
      const i7 = await get('/i7/readings');
      assert.equal(i7.status, 200);
      assert.equal(i7.text, oracle(['changeId', 'change', ...READING_COLUMNS], changes.map((c) => [readingWatermark(c.position), c.change, ...readingRecord(c.reading, usagePointOf(c.reading.meter))])));
      assert.ok(changes.some((c) => c.change === 'corrected'));
      assert.ok(i7.text.includes('1.4.9 3.7.0') && i7.text.includes(',register') && exported.text.includes(',,,interval'), 'the data has qualities, a register reading and a reading without value');
    } finally {
      await gw.close();
    }
  });
});
