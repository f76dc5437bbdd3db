import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { replyOf } from '../helpers/messages.js';
import { commandsGateway, edcRequest, meters } from './commands-helpers.js';

describe('head-end down for a while', () => {
  let t: Awaited<ReturnType<typeof commandsGateway>>;
  before(async () => {
    t = await commandsGateway({ commands: { baseDelayMs: 1000, maxDelayMs: 8000, maxAttempts: 4 } });
    await t.network.upsertMeters(meters(['D-1', 'D-2', 'D-3', 'D-4']));
    for (const m of ['D-1', 'D-2', 'D-3', 'D-4']) await t.sim.provision({ mRID: m, commPath: 'point-to-point' });
  });
  after(() => t.close());

  it('retries with backoff, then fails with a clear async reply (4.1 naming the head-end error)', async () => {
    t.sim.setAvailable(false);
    await t.post(edcRequest({ messageId: 'down-1', replyAddress: t.peer.url }, [{ mRID: 'ctl-d1', type: '3.31.0.23', devices: ['D-1', 'D-2'] }]));
    await t.drainUntil(() => t.peer.received.length > 0, 10_000);
    const final = replyOf(t.peer.received.at(-1)!.body);
    assert.deepEqual([final.result, final.codes], ['FAILED', ['4.1', '4.1']]);
    assert.match(final.details[0]!, /EndDevice D-1: disconnect dead \(head-end did not execute it after 4 attempts; last: head-end unavailable\)/);
    const cmd = (await t.gw.commands.queue.request('MDM', 'down-1'))!.commands[0]!;
    assert.deepEqual([cmd.state, cmd.attempts], ['dead', 4]);
    assert.equal(t.sim.executions().length, 0);
  });

  it('back before the budget is spent: the queue drains and every device succeeds', async () => {
    const before = t.peer.received.length;
    await t.post(edcRequest({ messageId: 'down-2', replyAddress: t.peer.url }, [{ mRID: 'ctl-d2', type: '3.31.0.23', devices: ['D-3', 'D-4'] }]));
    await t.drainUntil(() => false, 0, 2);
    const waiting = (await t.gw.commands.queue.request('MDM', 'down-2'))!.commands;
    assert.deepEqual(waiting.map((c) => c.state), ['queued', 'queued'], 'transient failure: back in the queue');
    assert.ok(waiting.every((c) => c.nextAttemptAt.getTime() > t.clock.now().getTime()), 'not before the backoff');
    t.sim.setAvailable(true);
    await t.drainUntil(() => t.peer.received.length > before, 10_000);
    const final = replyOf(t.peer.received.at(-1)!.body);
    assert.deepEqual([final.result, final.codes], ['OK', ['0.0']]);
    assert.deepEqual([t.sim.meter('D-3')!.relay, t.sim.meter('D-4')!.relay], ['disconnected', 'disconnected']);
  });
});
