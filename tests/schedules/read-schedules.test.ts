import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { replyOf } from '../helpers/messages.js';
import { MIN, mrsPayload, mrsRequest, schedulesGateway, T0 } from './schedules-helpers.js';

const iso = (ms: number) => new Date(ms).toISOString();
const KWH15 = '0.0.2.4.1.1.12.0.0.0.0.0.0.0.0.3.72.0';

describe('MeterReadSchedules create / cancel and their runs', () => {
  let t: Awaited<ReturnType<typeof schedulesGateway>>;
  before(async () => { t = await schedulesGateway(); });
  after(() => t.close());

  it('create stores the schedule for the known meters (unknown ones 2.4, PARTIAL) and answers its id', async () => {
    const res = await t.post(mrsRequest('create', 'mrs-1', [{
      mRID: 'S-1', readingTypes: [KWH15], pattern: 'PT15M', start: iso(T0), end: iso(T0 + 60 * MIN), devices: ['M-1', 'M-X', 'M-2'],
    }]));
    const r = replyOf(res.text);
    assert.deepEqual([r.result, r.codes, r.xpaths], ['PARTIAL', ['2.4'], ['/RequestMessage/Payload/MeterReadSchedules/MeterReadSchedule/EndDevices[2]']]);
    assert.match(res.text, /<(\w+:)?ID[^>]*objectType="MeterReadSchedule"[^>]*>S-1</);
    const s = (await t.gw.schedules.store.get(['S-1'])).get('S-1')!;
    assert.deepEqual([s.meters, s.recurrence, s.nextRunAt, s.status], [['M-1', 'M-2'], { periodSeconds: 900 }, T0 + 15 * MIN, 'active']);
  });

  it('nothing runs before it is due; when due, the scheduled meters\' readings are in the reading store', async () => {
    t.clock.advance(10 * MIN);
    assert.deepEqual(await t.gw.schedules.tick(), []);
    t.clock.advance(6 * MIN);
    const [run, ...more] = await t.gw.schedules.tick();
    assert.equal(more.length, 0);
    assert.deepEqual([run?.target, run?.kind, run?.trigger, run?.outcome, run?.meters, run?.readings], ['S-1', 'schedule', 'scheduled', 'ok', 2, 2]);
    const stored = await t.readingsOf(['M-1', 'M-2', 'M-3']);
    assert.deepEqual(stored.map((x) => [x.meter, x.readingType, x.timestamp]), [['M-1', KWH15, T0 + 15 * MIN], ['M-2', KWH15, T0 + 15 * MIN]]);
  });

  it('a late pass runs once, and the window end stops the runs', async () => {
    t.clock.advance(40 * MIN); // 12:56: occurrences 12:30 and 12:45 are both past
    assert.equal((await t.gw.schedules.tick()).length, 1);
    assert.equal((await t.readingsOf(['M-1'])).length, 3, 'the intervals since the last collection are caught up');
    const s = (await t.gw.schedules.store.get(['S-1'])).get('S-1')!;
    assert.deepEqual([s.nextRunAt, s.status], [T0 + 60 * MIN, 'active']);
    t.clock.advance(5 * MIN);
    assert.equal((await t.gw.schedules.tick()).length, 1, 'the run at the window end itself');
    t.clock.advance(60 * MIN);
    assert.deepEqual(await t.gw.schedules.tick(), []);
    assert.equal((await t.gw.schedules.store.get(['S-1'])).get('S-1')!.status, 'ended');
  });

  it('cancel stops further runs; a second cancel is OK, an unknown mRID is 2.15', async () => {
    const now = t.clock.now().getTime();
    const created = replyOf((await t.post(mrsRequest('create', 'mrs-2', [{ mRID: 'S-2', pattern: '*/5 * * * *', start: iso(now), groups: ['DC-1'] }]))).text);
    assert.equal(created.result, 'OK');
    assert.deepEqual((await t.gw.schedules.store.get(['S-2'])).get('S-2')!.meters, ['M-C1', 'M-C2'], 'a group is resolved to its meters');
    const cancel = () => t.post(mrsRequest('cancel', `mrs-c-${Math.random()}`, [{ mRID: 'S-2', start: iso(now) }]));
    assert.equal(replyOf((await cancel()).text).result, 'OK');
    t.clock.advance(30 * MIN);
    assert.deepEqual(await t.gw.schedules.tick(), []);
    assert.equal(replyOf((await cancel()).text).result, 'OK');
    const unknown = replyOf((await t.post(mrsRequest('cancel', 'mrs-c-x', [{ mRID: 'S-404', start: iso(now) }]))).text);
    assert.deepEqual([unknown.result, unknown.codes], ['FAILED', ['2.15']]);
  });

  it('a removed meter leaves its schedules; a schedule with no meter left ends', async () => {
    const now = t.clock.now().getTime();
    await t.post(mrsRequest('create', 'mrs-3', [{ mRID: 'S-3', period: 600, start: iso(now), devices: ['M-3'] }, { mRID: 'S-4', period: 600, start: iso(now), devices: ['M-3', 'M-1'] }]));
    for (const l of t.gw.deps.removalListeners) await l.metersRemoved(['M-3'], t.clock.now());
    const got = await t.gw.schedules.store.get(['S-3', 'S-4']);
    assert.deepEqual([got.get('S-3')?.status, got.get('S-4')?.meters], ['ended', ['M-1']]);
    t.clock.advance(11 * MIN);
    assert.deepEqual((await t.gw.schedules.tick()).map((r) => [r.target, r.meters]), [['S-4', 1]]);
  });

  it('rejects an unusable TimeSchedule, bad reading types and a changed resend; an identical resend is OK', async () => {
    const now = t.clock.now().getTime();
    const res = replyOf((await t.post(mrsRequest('create', 'mrs-4', [
      { mRID: 'S-5', pattern: 'every so often', start: iso(now), devices: ['M-1'] },
      { mRID: 'S-6', readingTypes: ['kWh'], period: 900, start: iso(now), devices: ['M-1'] },
      { mRID: 'S-4', period: 900, start: iso(now), devices: ['M-1'] },
    ]))).text);
    assert.deepEqual([res.result, res.codes], ['FAILED', ['5.2', '2.6', '2.15']]);
    assert.equal(res.xpaths[1], '/RequestMessage/Payload/MeterReadSchedules/MeterReadSchedule[2]/ReadingType');
    const s7 = { mRID: 'S-7', period: 900, start: iso(now), devices: ['M-1'] };
    assert.equal(replyOf((await t.post(mrsRequest('create', 'mrs-5', [s7]))).text).result, 'OK');
    assert.equal(replyOf((await t.post(mrsRequest('create', 'mrs-6', [s7]))).text).result, 'OK');
  });

  it('accepts the typed CreateMeterReadSchedules', async () => {
    const now = t.clock.now().getTime();
    const body = `<t:CreateMeterReadSchedules xmlns:t="http://iec.ch/TC57/2011/MeterReadSchedulesMessage" xmlns:m="http://iec.ch/TC57/2011/schema/message">`
      + `<t:Header><m:Verb>create</m:Verb><m:Noun>MeterReadSchedules</m:Noun><m:Source>MDM</m:Source><m:MessageID>mrs-typed</m:MessageID></t:Header>`
      + `${mrsPayload([{ mRID: 'S-T', pattern: '0 2 * * *', start: iso(now), devices: ['M-2'] }], 't')}</t:CreateMeterReadSchedules>`;
    const res = await t.post(body);
    assert.equal(replyOf(res.text).result, 'OK', res.text);
    assert.match(res.text, /MeterReadSchedulesResponseMessage/);
    // 02:00 in Santiago (UTC-3 in November) is 05:00Z.
    assert.equal((await t.gw.schedules.store.get(['S-T'])).get('S-T')!.nextRunAt, Date.parse('2026-11-21T05:00:00Z'));
  });
});
