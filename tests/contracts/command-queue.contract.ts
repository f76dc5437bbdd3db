import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { commandIdFor, type CommandRequest, type NewCommand } from '../../gateway/domain/commands/command.js';
import { IllegalTransition } from '../../gateway/domain/commands/command-state.js';
import type { CommandQueue } from '../../gateway/ports/command-queue.port.js';
import type { Outbox } from '../../gateway/ports/outbox.port.js';

export interface CommandQueueFixture {
  queue: CommandQueue;
  outbox: Outbox;
  reset(): Promise<void>;
  close(): Promise<void>;
}

const t0 = new Date('2026-11-20T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

const req = (messageId: string, more: Partial<CommandRequest> = {}): CommandRequest => ({
  source: 'MDM', messageId, correlationId: messageId, verb: 'create', typed: false, rewrite: [], rejected: [], ...more,
});

const cmd = (key: string, meter: string, more: Partial<NewCommand> = {}): NewCommand => ({
  commandId: commandIdFor(key), commandKey: key, meter, deviceLabel: meter, kind: 'disconnect', controlType: '3.31.0.23', source: 'MDM',
  params: {}, priority: 50, ...more,
});

/** The command-queue contract every implementation passes. */
export function commandQueueContract(name: string, make: () => Promise<CommandQueueFixture>): void {
  describe(`command-queue contract: ${name}`, () => {
    let f: CommandQueueFixture;
    beforeEach(async () => {
      f ??= await make();
      await f.reset();
    });
    after(() => f?.close());

    const leaseIds = async (now: Date, limit = 10) => (await f.queue.lease(now, limit, 1000)).map((c) => c.commandKey);

    it('accepts a request with its commands once: a repeat of the request key adds nothing', async () => {
      const first = await f.queue.accept(req('m1'), [cmd('k1', 'MTR-1'), cmd('k2', 'MTR-2')], t0);
      assert.equal(first.created, true);
      assert.deepEqual(first.commands.map((c) => [c.commandKey, c.state]), [['k1', 'accepted'], ['k2', 'accepted']]);
      const again = await f.queue.accept(req('m1'), [cmd('k1', 'MTR-1'), cmd('k2', 'MTR-2'), cmd('k3', 'MTR-3')], at(5));
      assert.equal(again.created, false);
      assert.deepEqual(again.commands.map((c) => c.commandId), first.commands.map((c) => c.commandId));
      assert.equal((await f.queue.counts()).accepted, 2);
    });

    it('a command key already queued under another request is joined, not doubled', async () => {
      await f.queue.accept(req('m1'), [cmd('MDM|ctl-1|MTR-1', 'MTR-1')], t0);
      const second = await f.queue.accept(req('m2'), [cmd('MDM|ctl-1|MTR-1', 'MTR-1')], t0);
      assert.equal(second.created, true);
      assert.equal(second.commands[0]!.commandId, commandIdFor('MDM|ctl-1|MTR-1'));
      assert.equal((await f.queue.counts()).accepted, 1);
    });

    it('honours the window: not before its start, expired after its end', async () => {
      await f.queue.accept(req('m1'), [
        cmd('later', 'MTR-1', { notBefore: at(60_000), notAfter: at(120_000) }),
        cmd('now', 'MTR-2', { notAfter: at(10_000) }),
      ], t0);
      await f.queue.promote(t0);
      assert.deepEqual(await leaseIds(t0), ['now']);
      assert.equal((await f.queue.request('MDM', 'm1'))!.commands[0]!.state, 'accepted');
      await f.queue.finish(commandIdFor('now'), { state: 'succeeded' }, at(1));
      await f.queue.promote(at(60_000));
      assert.deepEqual(await leaseIds(at(60_000)), ['later']);

      await f.queue.accept(req('m2'), [cmd('missed', 'MTR-3', { notAfter: at(1000) })], t0);
      await f.queue.promote(at(2000));
      const missed = (await f.queue.request('MDM', 'm2'))!.commands[0]!;
      assert.equal(missed.state, 'expired');
      assert.match(missed.detail!, /window ended at 2026-11-20T12:00:01Z/);
    });

    it('dispatches by priority across meters, but each meter strictly in accept order', async () => {
      await f.queue.accept(req('m1'), [
        cmd('read-A', 'MTR-A', { kind: 'read', priority: 10 }),
        cmd('safety-A', 'MTR-A', { priority: 100 }),
        cmd('read-B', 'MTR-B', { kind: 'read', priority: 10 }),
        cmd('safety-C', 'MTR-C', { priority: 100 }),
      ], t0);
      await f.queue.promote(t0);
      assert.deepEqual(await leaseIds(t0), ['safety-C', 'read-A', 'read-B'], 'safety-A waits behind the older read of its meter');
      assert.deepEqual(await leaseIds(t0), [], 'leased commands are not handed out twice');
      await f.queue.finish(commandIdFor('read-A'), { state: 'succeeded' }, at(10));
      assert.deepEqual(await leaseIds(at(20)), ['safety-A']);
    });

    it('a lease that runs out (the process died mid-call) is handed out again under the same commandId', async () => {
      await f.queue.accept(req('m1'), [cmd('k1', 'MTR-1')], t0);
      await f.queue.promote(t0);
      const [first] = await f.queue.lease(t0, 10, 1000);
      assert.equal(first!.attempts, 1);
      assert.deepEqual(await leaseIds(at(999)), []);
      const [again] = await f.queue.lease(at(1000), 10, 1000);
      assert.equal(again!.commandId, first!.commandId);
      assert.equal(again!.state, 'sent');
      assert.equal(again!.attempts, 2);
    });

    it('a retry goes back to the queue, not due before its time, and still holds its meter', async () => {
      await f.queue.accept(req('m1'), [cmd('k1', 'MTR-1'), cmd('k2', 'MTR-1')], t0);
      await f.queue.promote(t0);
      await f.queue.lease(t0, 10, 1000);
      const retried = await f.queue.retry(commandIdFor('k1'), 'link lost', at(5000), at(10));
      assert.equal(retried.state, 'queued');
      assert.equal(retried.detail, 'link lost');
      assert.deepEqual(await leaseIds(at(4999)), [], 'k2 must not overtake k1');
      assert.deepEqual(await leaseIds(at(5000)), ['k1']);
    });

    it('checks every transition: a final command cannot move again', async () => {
      await f.queue.accept(req('m1'), [cmd('k1', 'MTR-1')], t0);
      await assert.rejects(f.queue.finish(commandIdFor('k1'), { state: 'succeeded' }, t0), IllegalTransition, 'accepted → succeeded skips sending');
      await f.queue.promote(t0);
      await f.queue.lease(t0, 10, 1000);
      const done = await f.queue.finish(commandIdFor('k1'), { state: 'succeeded', detail: 'relay open', values: { x: 1 } }, at(1));
      assert.deepEqual([done.state, done.detail, done.values], ['succeeded', 'relay open', { x: 1 }]);
      await assert.rejects(f.queue.retry(commandIdFor('k1'), 'late', at(2), at(2)), IllegalTransition);
    });

    it('cancels what is not sent yet and leaves sent commands alone', async () => {
      await f.queue.accept(req('m1'), [cmd('a', 'MTR-1', { controlMRID: 'ctl-9' }), cmd('b', 'MTR-2', { controlMRID: 'ctl-9' }), cmd('c', 'MTR-3', { controlMRID: 'ctl-9', notBefore: at(60_000) })], t0);
      await f.queue.promote(t0);
      await f.queue.lease(t0, 1, 1000);
      const targets = await f.queue.byControl('MDM', 'ctl-9');
      assert.equal(targets.length, 3);
      assert.deepEqual((await f.queue.byControl('MDM', 'ctl-9', ['MTR-3'])).map((c) => c.meter), ['MTR-3']);
      assert.deepEqual(await f.queue.byControl('OTHER', 'ctl-9'), []);
      assert.deepEqual((await f.queue.pendingFor(['MTR-1', 'MTR-2', 'MTR-3'])).map((c) => c.commandKey), ['b', 'c'], 'the sent one is not pending');
      const after = await f.queue.cancel(targets.map((c) => c.commandId), 'canceled by MDM', at(1));
      assert.deepEqual(after.map((c) => [c.commandKey, c.state]), [['a', 'sent'], ['b', 'canceled'], ['c', 'canceled']]);
      assert.deepEqual(await leaseIds(at(70_000)), ['a'], 'only the sent one comes back (its lease ran out); canceled ones never do');
    });

    it('an async request is due for its reply when every command is final; the reply is queued exactly once', async () => {
      const { request } = await f.queue.accept(req('m1', { replyAddress: 'http://mdm/replies', protocol: 'SOAP' }), [cmd('a', 'MTR-1'), cmd('b', 'MTR-2')], t0);
      await f.queue.accept(req('sync'), [cmd('s', 'MTR-3')], t0);
      await f.queue.promote(t0);
      await f.queue.lease(t0, 10, 1000);
      await f.queue.finish(commandIdFor('a'), { state: 'succeeded' }, t0);
      assert.deepEqual(await f.queue.dueReplies(10), []);
      await f.queue.finish(commandIdFor('b'), { state: 'dead', detail: 'head-end unreachable' }, t0);
      await f.queue.finish(commandIdFor('s'), { state: 'failed', detail: 'x' }, t0);
      const due = await f.queue.dueReplies(10);
      assert.deepEqual(due.map((d) => [d.request.messageId, d.commands.map((c) => c.state)]), [['m1', ['succeeded', 'dead']]], 'sync requests get no async reply');
      const reply = { kind: 'reply' as const, destination: 'http://mdm/replies', protocol: 'SOAP' as const, messageId: 'r1', requestMessageId: 'm1', body: '<x/>' };
      assert.equal(await f.queue.closeRequest(request.id, reply, t0), true);
      assert.equal(await f.queue.closeRequest(request.id, { ...reply, messageId: 'r2' }, t0), false);
      assert.deepEqual((await f.outbox.forRequest('m1')).map((e) => e.messageId), ['r1']);
      assert.deepEqual(await f.queue.dueReplies(10), []);
    });

    it('correlates a head-end confirmation by commandId, else to the meter\'s latest command awaiting it', async () => {
      await f.queue.accept(req('m1'), [cmd('d1', 'MTR-1'), cmd('r1', 'MTR-1', { kind: 'read' }), cmd('d2', 'MTR-2')], t0);
      await f.queue.promote(t0);
      await f.queue.lease(t0, 10, 1000);
      assert.equal(await f.queue.confirm({ meter: 'MTR-1', eventType: '3.31.0.68', at: at(1), kinds: ['disconnect'] }), commandIdFor('d1'));
      assert.equal(await f.queue.confirm({ meter: 'MTR-2', eventType: '3.31.0.68', at: at(2), kinds: ['disconnect'], commandId: commandIdFor('d2') }), commandIdFor('d2'));
      assert.equal(await f.queue.confirm({ meter: 'MTR-3', eventType: '3.31.0.68', at: at(3), kinds: ['disconnect'] }), undefined);
      const d1 = (await f.queue.get(commandIdFor('d1')))!;
      assert.deepEqual([d1.confirmedBy, d1.confirmedAt?.toISOString()], ['3.31.0.68', at(1).toISOString()]);
    });

    it('answers an accept with what it stored: the request and commands as a later read gives them', async () => {
      await f.queue.accept(req('m0'), [cmd('MDM|ctl-1|MTR-1', 'MTR-1')], t0);
      const accepted = await f.queue.accept(req('m1', { replyAddress: 'http://mdm/replies', protocol: 'REST', typed: true, rewrite: [['a', 'b']], rejected: [{ code: '2.4', details: 'EndDevice X: no such meter', xpath: '/x' }] }), [
        cmd('MDM|ctl-1|MTR-1', 'MTR-1'),
        cmd('k2', 'MTR-2', { kind: 'load-limit-set', controlMRID: 'ctl-2', reason: 'peak', params: { loadLimit: 5, loadLimitUnit: 'kW' }, notBefore: at(1000), notAfter: at(9000) }),
      ], at(5));
      assert.equal(accepted.created, true);
      const read = (await f.queue.request('MDM', 'm1'))!;
      assert.deepEqual(accepted.request, read.request);
      assert.deepEqual(accepted.commands, read.commands);
      assert.deepEqual(accepted.commands.map((c) => c.createdAt), [t0, at(5)], 'the joined command is the one stored before');
    });

    it('concurrent accepts of one request key store it once', async () => {
      const results = await Promise.all([1, 2, 3].map(() => f.queue.accept(req('m1'), [cmd('k1', 'MTR-1')], t0)));
      assert.deepEqual(results.map((r) => r.created).sort(), [false, false, true]);
      assert.deepEqual(new Set(results.map((r) => r.request.id)).size, 1);
      assert.equal((await f.queue.counts()).accepted, 1);
    });
  });
}
