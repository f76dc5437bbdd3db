import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { replyOf } from '../helpers/messages.js';
import { createdReadings, dayOfKwh } from '../readings/readings-helpers.js';
import { commandsGateway, edcRequest, meters } from './commands-helpers.js';

describe('metrics of the command queue and of stored readings', () => {
  let t: Awaited<ReturnType<typeof commandsGateway>>;
  before(async () => {
    t = await commandsGateway();
    await t.network.upsertMeters(meters(['MM-1', 'MM-2']));
  });
  after(() => t.close());

  const metric = async (pattern: RegExp) => {
    const res = await request(t.gw.app).get('/metrics');
    assert.equal(res.status, 200);
    return pattern.exec(res.text)?.[1];
  };

  it('shows queue depth by state and the dispatch latency of finished commands', async () => {
    const res = await t.post(edcRequest({ messageId: 'met-1' }, [{ mRID: 'ctl-met-1', type: '3.31.0.23', devices: ['MM-1', 'MM-2'] }]));
    assert.deepEqual(replyOf(res.text).codes, ['0.3']);
    const text = (await request(t.gw.app).get('/metrics')).text;
    const nonZero = [...text.matchAll(/^cim_commands\{state="(\w+)"\} (\d+)/gm)].filter(([, , n]) => n !== '0').map(([, state, n]) => `${state}=${n}`);
    const [first] = await t.gw.commands.queue.byControl('MDM', 'ctl-met-1');
    assert.deepEqual(nonZero, [`${first!.state}=2`], 'both commands counted in the state they are in');
    await t.drainUntil(async () => (await t.gw.commands.queue.counts()).succeeded === 2);
    assert.equal(await metric(/^cim_commands\{state="succeeded"\} (\d+)/m), '2');
    assert.equal(await metric(/^cim_command_dispatch_seconds_count\{kind="disconnect",state="succeeded"\} (\d+)/m), '2');
  });

  it('counts readings stored by ingest, new and repeated', async () => {
    const body = createdReadings({ messageId: 'met-r1' }, dayOfKwh('MM-1', 4));
    assert.equal(replyOf((await t.post(body)).text).result, 'OK');
    assert.equal(replyOf((await t.post(body.replace('met-r1', 'met-r2'))).text).result, 'OK');
    assert.equal(await metric(/^cim_readings_stored_total\{change="inserted"\} (\d+)/m), '4');
    assert.equal(await metric(/^cim_readings_stored_total\{change="unchanged"\} (\d+)/m), '4');
  });
});
