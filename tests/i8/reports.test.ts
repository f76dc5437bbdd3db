import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { Interruption } from '../../gateway/domain/outages/interruption.js';
import { periods } from '../../gateway/domain/outages/report-periods.js';
import type { TestGateway } from '../helpers/gateway.js';
import { client, i8Gateway, ingest, parseCsv, specValidator, VOLT_A } from './i8-fixtures.js';

const validate = specValidator();
/** Santiago is at -03:00 in March 2026 (summer time until the first Sunday of April). */
const at = (local: string) => Date.parse(`2026-03-${local}-03:00`);

/** The hand-checked data set: see each line's note for how it must count. */
const DATA: Interruption[] = [
  { meter: 'M-1', usagePoint: 'UP-1', track: 'power', kind: 'supply', start: at('01T10:00:00'), end: at('01T10:10:00') }, // day 1: 600 s
  { meter: 'M-2', usagePoint: 'UP-2', track: 'power', kind: 'supply', start: at('01T11:00:00'), end: at('01T11:02:00') }, // day 1: short (120 s)
  { meter: 'M-3', usagePoint: 'UP-3', track: 'relay', kind: 'customer-requested', start: at('01T12:00:00'), end: at('01T14:00:00') }, // day 1: excluded
  { meter: 'M-2', usagePoint: 'UP-2', track: 'power', kind: 'supply', start: at('01T23:00:00'), end: at('02T01:00:00') }, // day 1 count; 3600 s each day
  { meter: 'M-1', usagePoint: 'UP-1', track: 'power', kind: 'supply', start: at('02T08:00:00'), end: at('02T08:03:00') }, // day 2: exactly 180 s, short
  { meter: 'M-1', usagePoint: 'UP-1', track: 'power', kind: 'supply', start: at('02T09:00:00'), end: at('02T09:03:01') }, // day 2: 181 s
  { meter: 'M-3', usagePoint: 'UP-3', track: 'power', kind: 'supply', start: at('02T20:00:00') }, // day 2: open, 4 h to the report's end
];

describe('I8 regulator reports on a hand-checked data set', () => {
  let gw: TestGateway;
  let regulator: string, thirdParty: string;
  const get = (token: string, url: string, accept = 'application/json') => request(gw.app).get(url).set('Authorization', `Bearer ${token}`).set('Accept', accept);
  const range = `from=${encodeURIComponent('2026-03-01T00:00:00-03:00')}&to=${encodeURIComponent('2026-03-03T00:00:00-03:00')}`;

  before(async () => {
    gw = await i8Gateway();
    for (const i of DATA) await gw.i8!.deps.interruptions.save(i);
    const v = (t: number, value: number) => ({ meter: 'M-1', readingType: VOLT_A, timestamp: t, value, qualities: [], kind: 'register' as const });
    await ingest(gw, [
      v(at('01T01:00:00'), 220), v(at('01T02:00:00'), 203.5), v(at('01T03:00:00'), 203.4), v(at('01T04:00:00'), 236.5), v(at('01T05:00:00'), 236.6), v(at('01T06:00:00'), 250),
      v(at('02T01:00:00'), 230),
    ]);
    regulator = await client(gw, 'sec', { kind: 'regulator' });
    thirdParty = await client(gw, 'esco', { kind: 'third-party' });
    await request(gw.app).post('/admin/i8/consents').send({ clientId: 'esco', usagePoint: 'UP-1', start: '2020-01-01T00:00:00Z' });
  });
  after(() => gw.close());

  it('interruptions per local day: > 180 s, customer-requested excluded, durations split over days', async () => {
    const r = await get(regulator, `/i8/reports/interruptions?${range}&period=day`);
    assert.equal(r.status, 200);
    assert.deepEqual(validate('InterruptionReport', r.body), []);
    assert.equal(r.body.customersServed, 3);
    assert.equal(r.body.thresholdSeconds, 180);
    assert.deepEqual(r.body.periods, [
      { periodStart: '2026-03-01T03:00:00.000Z', periodEnd: '2026-03-02T03:00:00.000Z', count: 2, durationSeconds: 4200, customersAffected: 2,
        customerHoursInterrupted: 4200 / 3600, excludedCustomerRequested: 1, excludedShort: 1, stillOpen: 1 },
      { periodStart: '2026-03-02T03:00:00.000Z', periodEnd: '2026-03-03T03:00:00.000Z', count: 2, durationSeconds: 3600 + 181 + 14400, customersAffected: 2,
        customerHoursInterrupted: 18181 / 3600, excludedCustomerRequested: 0, excludedShort: 1, stillOpen: 1 },
    ]);
    const whole = await get(regulator, `/i8/reports/interruptions?${range}&period=all`);
    assert.deepEqual([whole.body.periods[0].count, whole.body.periods[0].durationSeconds, whole.body.periods[0].customersAffected], [4, 22381, 3]);
  });

  it('the threshold is configuration', async () => {
    const gw2 = await i8Gateway({ i8: { reports: { interruptionMinSeconds: 60 } } });
    try {
      for (const i of DATA) await gw2.i8!.deps.interruptions.save(i);
      const token = await client(gw2, 'sec', { kind: 'regulator' });
      const r = await request(gw2.app).get(`/i8/reports/interruptions?${range}&period=all`).set('Authorization', `Bearer ${token}`);
      assert.equal(r.body.periods[0].count, 6, '120 s and 180 s now count too');
    } finally {
      await gw2.close();
    }
  });

  it('a third party gets the report over its consented usage points only', async () => {
    const r = await get(thirdParty, `/i8/reports/interruptions?${range}&period=all`);
    assert.equal(r.body.customersServed, 1);
    assert.deepEqual([r.body.periods[0].count, r.body.periods[0].durationSeconds], [2, 781]);
  });

  it('voltage quality: share of samples outside 220 V ± 7.5 % per meter and day; limits are in band', async () => {
    const r = await get(regulator, `/i8/reports/voltage-quality?${range}&period=day`);
    assert.equal(r.status, 200);
    assert.deepEqual(validate('VoltageQualityReport', r.body), []);
    assert.deepEqual([r.body.lowLimit, r.body.highLimit], [203.5, 236.5]);
    assert.deepEqual(r.body.rows.map((x: Record<string, unknown>) => [x.meter, x.samples, x.below, x.above, x.shareOutOfBand]), [['M-1', 6, 1, 2, 0.5], ['M-1', 1, 0, 0, 0]]);
    const csv = parseCsv((await get(regulator, `/i8/reports/voltage-quality?${range}&period=all`, 'text/csv')).text);
    assert.deepEqual([csv[0]!.meter, csv[0]!.samples, csv[0]!.outOfBand], ['M-1', '7', '3']);
  });

  it('report periods follow the time zone, including the DST change at midnight', () => {
    const cuts = periods(Date.parse('2026-09-05T00:00:00-04:00'), Date.parse('2026-09-07T00:00:00-03:00'), 'day', 'America/Santiago');
    assert.deepEqual(cuts.map((p) => new Date(p.start).toISOString()), ['2026-09-05T04:00:00.000Z', '2026-09-06T04:00:00.000Z']);
  });

  it('needs the reports:read scope', async () => {
    const token = await client(gw, 'reader', { kind: 'regulator' }, ['readings:read']);
    assert.equal((await get(token, `/i8/reports/interruptions?${range}`)).status, 403);
  });
});
