import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';

import { parseUntrusted } from '../../gateway/xml/xml-parser.js';
import type { TestGateway } from '../helpers/gateway.js';
import { client, i8Gateway, ingest, kwh, KWH, parseCsv, Q, specValidator, T0, VOLT_A } from './i8-fixtures.js';

const validate = specValidator();

describe('I8 readings: cursor pagination, JSON, CSV, CIM XML', () => {
  let gw: TestGateway;
  let token: string;
  const get = (url: string, accept = 'application/json') => request(gw.app).get(url).set('Authorization', `Bearer ${token}`).set('Accept', accept);

  before(async () => {
    gw = await i8Gateway();
    token = await client(gw, 'sec', { kind: 'regulator' });
    const rows = [];
    for (const m of ['M-1', 'M-2']) for (let i = 1; i <= 10; i++) rows.push(kwh(m, i));
    rows.push({ ...kwh('M-1', 4), qualities: ['3.8.0'] });
    rows.push({ meter: 'M-2', readingType: VOLT_A, timestamp: T0 + Q, value: 229.5, qualities: [], kind: 'register' as const });
    await ingest(gw, rows);
  });
  after(() => gw.close());

  it('pages in (meter, reading type, time) order; pages neither repeat nor skip while readings are ingested', async () => {
    const seen: string[] = [];
    let url = '/i8/readings?limit=4';
    let pages = 0;
    for (;;) {
      const r = await get(url);
      assert.equal(r.status, 200);
      assert.deepEqual(validate('ReadingPage', r.body), []);
      seen.push(...r.body.items.map((x: { meter: string; readingType: string; timestamp: string }) => `${x.meter}|${x.readingType}|${x.timestamp}`));
      pages++;
      // Ingest between pages: before the cursor (earlier times), after it (later times), and new meters' data.
      if (pages === 2) await ingest(gw, [kwh('M-1', 0, 9), kwh('M-2', 11, 9), kwh('M-1', 11, 9)], 'late-1');
      if (!r.body.nextCursor) break;
      assert.match(String(r.headers.link), /rel="next"/);
      url = `/i8/readings?limit=4&cursor=${r.body.nextCursor}`;
    }
    assert.equal(new Set(seen).size, seen.length, 'no reading twice');
    const sorted = [...seen].sort((a, b) => {
      const [am, at, ats] = a.split('|'), [bm, bt, bts] = b.split('|');
      return am!.localeCompare(bm!) || at!.localeCompare(bt!) || Date.parse(ats!) - Date.parse(bts!);
    });
    assert.deepEqual(seen, sorted, 'keyset order');
    for (const m of ['M-1', 'M-2']) for (let i = 1; i <= 10; i++) assert.ok(seen.includes(`${m}|${KWH}|${new Date(T0 + i * Q).toISOString()}`), `${m} #${i} present`);
    assert.ok(seen.includes(`M-2|${KWH}|${new Date(T0 + 11 * Q).toISOString()}`), 'data after the cursor shows up');
    assert.ok(!seen.includes(`M-1|${KWH}|${new Date(T0).toISOString()}`), 'data before the cursor is not squeezed in');
  });

  it('filters by meter, usage point, reading type and window (from exclusive, to inclusive)', async () => {
    const r = await get(`/i8/readings?usagePoint=UP-1&readingType=${KWH}&from=${new Date(T0 + 2 * Q).toISOString()}&to=${new Date(T0 + 4 * Q).toISOString()}`);
    assert.deepEqual(r.body.items.map((x: { timestamp: string; qualities: string[] }) => [x.timestamp, x.qualities]),
      [[new Date(T0 + 3 * Q).toISOString(), []], [new Date(T0 + 4 * Q).toISOString(), ['3.8.0']]]);
    assert.equal((await get('/i8/readings?from=yesterday')).status, 400);
    assert.equal((await get('/i8/readings?cursor=bogus')).status, 400);
    assert.equal((await get('/i8/readings', 'application/pdf')).status, 406);
  });

  it('answers CSV with a header and the same rows', async () => {
    const r = await get('/i8/readings?meter=M-2', 'text/csv');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/csv/);
    const rows = parseCsv(r.text);
    assert.deepEqual(Object.keys(rows[0]!), ['meter', 'usagePoint', 'readingType', 'timestamp', 'value', 'qualities', 'kind']);
    const volt = rows.find((x) => x.readingType === VOLT_A)!;
    assert.deepEqual([volt.meter, volt.usagePoint, volt.value, volt.kind], ['M-2', 'UP-2', '229.5', 'register']);
    assert.equal(rows.length, (await get('/i8/readings?meter=M-2')).body.items.length);
  });

  it('answers CIM MeterReadings XML that validates against the MeterReadings schema', async () => {
    const r = await get('/i8/readings?meter=M-1&limit=3', 'application/xml');
    assert.equal(r.status, 200);
    assert.ok(r.headers['i8-next-cursor'], 'the cursor travels in a header for XML');
    const doc = parseUntrusted(r.text);
    try {
      assert.deepEqual(gw.schemas.validate(doc.root, r.text), []);
      assert.equal(doc.root.name, 'MeterReadings');
      assert.equal((r.text.match(/<IntervalReadings>/g) ?? []).length, 3);
      assert.match(r.text, /<mRID>M-1<\/mRID>/);
    } finally {
      doc.dispose();
    }
  });

  it('streams an on-request export of a range as CSV', async () => {
    const r = await get(`/i8/exports/readings?from=${new Date(T0 - Q).toISOString()}&to=${new Date(T0 + 20 * Q).toISOString()}`, 'text/csv');
    assert.equal(r.status, 200);
    const rows = parseCsv(r.text);
    const all = [];
    for (let url = '/i8/readings?limit=10000'; url;) {
      const p = await get(url);
      all.push(...p.body.items);
      url = p.body.nextCursor ? `/i8/readings?limit=10000&cursor=${p.body.nextCursor}` : '';
    }
    assert.equal(rows.length, all.length);
    assert.equal((await get('/i8/exports/readings', 'text/csv')).status, 400, 'a range is required');
  });

  it('serves the contract and an offline reference page', async () => {
    const spec = await request(gw.app).get('/i8/openapi.yaml');
    assert.equal(spec.status, 200);
    assert.match(spec.text, /^openapi: 3\.1\.0/);
    const page = await request(gw.app).get('/i8/docs');
    assert.match(page.text, /\/i8\/docs\/assets\/swagger-ui-bundle\.js/);
    assert.doesNotMatch(page.text, /https?:\/\//, 'no CDN');
    assert.equal((await request(gw.app).get('/i8/docs/assets/swagger-ui-bundle.js')).status, 200);
  });

  it('answers with Content-Length and no-store in every format, HEAD with the same headers and no body', async () => {
    for (const accept of ['application/json', 'text/csv', 'application/xml']) {
      const r = await get('/i8/readings?meter=M-1&limit=3', accept);
      assert.equal(r.status, 200);
      assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.text), accept);
      assert.equal(r.headers['cache-control'], 'no-store');
      const head = await request(gw.app).head('/i8/readings?meter=M-1&limit=3').set('Authorization', `Bearer ${token}`).set('Accept', accept);
      assert.deepEqual([head.status, head.headers['content-length'], head.headers['content-type'], head.text ?? ''], [200, r.headers['content-length'], r.headers['content-type'], '']);
    }
  });
});
