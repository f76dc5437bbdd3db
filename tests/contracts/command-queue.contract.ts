import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { commandIdFor, type Command, type CommandRequest, type NewCommand } from '../../gateway/domain/commands/command.js';
import { IllegalTransition } from '../../gateway/domain/commands/command-state.js';
import type { CommandQueue } from '../../gateway/ports/command-queue.port.js';
import type { Outbox } from '../../gateway/ports/outbox.port.js';

export interface CommandQueueFixture {
  queue: CommandQueue;
  /** A second instance on the same store through its own connection(s): another gateway instance. */
  twin: CommandQueue;
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

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Lease-and-finish loops as several gateway instances' dispatchers run them (at a fixed time, with
 * leases that do not run out, so nothing is legitimately resent), recording any overlap per meter.
 */
function dispatchers(total: number, batch: number) {
  const inFlight = new Map<string, string>();
  let finished = 0;
  const d = {
    accepting: true,
    problems: [] as string[],
    leased: [] as Command[],
    async run(q: CommandQueue): Promise<void> {
      for (let idle = 0; d.accepting || finished < total;) {
        if (idle > 20_000) throw new Error(`stuck: ${finished} of ${total} finished, ${JSON.stringify(await q.counts())}`);
        await q.promote(t0);
        const got = await q.lease(t0, batch, 60_000);
        if (got.length === 0) {
          idle++;
          await yieldTurn();
          continue;
        }
        for (const c of got) {
          const holder = inFlight.get(c.meter);
          if (holder) d.problems.push(`${c.meter}: ${c.commandKey} leased while ${holder} is in flight`);
          inFlight.set(c.meter, c.commandKey);
          d.leased.push(c);
        }
        await yieldTurn(); // the other instance leases while these are "with the head-end"
        for (const c of got) {
          // Released before finish is called, so only a real overlap is reported.
          inFlight.delete(c.meter);
          await q.finish(c.commandId, { state: 'succeeded' }, t0);
          finished++;
        }
      }
    },
    /** Each command leased exactly once and finished; each meter's commands leased in sequence (accept) order. */
    async check(queue: CommandQueue, meters: string[]): Promise<void> {
      assert.deepEqual(d.problems, []);
      assert.equal(d.leased.length, total);
      assert.equal(new Set(d.leased.map((c) => c.commandId)).size, total, 'no command leased twice');
      assert.deepEqual(d.leased.filter((c) => c.attempts !== 1).map((c) => c.commandKey), []);
      assert.equal((await queue.counts()).succeeded, total);
      for (const m of meters) {
        const seqs = d.leased.filter((c) => c.meter === m).map((c) => c.seq);
        assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `${m} leased out of accept order`);
      }
    },
  };
  return d;
}

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

    it('a request accepted by two instances at once is stored once', async () => {
      const commands = Array.from({ length: 50 }, (_, i) => cmd(`dup-${i}`, `MTR-${i % 7}`));
      const [a, b] = await Promise.all([f.queue.accept(req('m1'), commands, t0), f.twin.accept(req('m1'), commands, t0)]);
      assert.deepEqual([a.created, b.created].sort(), [false, true]);
      assert.deepEqual(b.commands.map((c) => c.commandId), a.commands.map((c) => c.commandId));
      assert.deepEqual(a.request.commandIds, commands.map((c) => c.commandId));
      assert.equal((await f.queue.counts()).accepted, 50);
    });

    it('two instances leasing at once: every command leased once, never two in flight for a meter, each meter in accept order', async () => {
      const meters = Array.from({ length: 40 }, (_, i) => `MTR-C${String(i).padStart(2, '0')}`);
      let seed = 7;
      const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      // Mixed priorities: a later command of a meter often outranks its older one and must still wait.
      const rounds = Array.from({ length: 7 }, (_, r) => [...meters].sort(() => rand() - 0.5)
        .map((m) => cmd(`c${r}|${m}`, m, { priority: [10, 50, 100][Math.floor(rand() * 3)]! })));
      const half = 3; // then two pairs accepted concurrently
      for (let r = 0; r < half; r++) await f.queue.accept(req(`m${r}`), rounds[r]!, t0);

      const d = dispatchers(meters.length * rounds.length, 3);
      // The later rounds arrive while both instances lease, two requests at a time, each sent to both instances.
      const acceptor = async () => {
        for (let r = half; r < rounds.length; r += 2) {
          const results = await Promise.all([
            f.queue.accept(req(`m${r}`), rounds[r]!, t0), f.twin.accept(req(`m${r}`), rounds[r]!, t0),
            f.twin.accept(req(`m${r + 1}`), rounds[r + 1]!, t0), f.queue.accept(req(`m${r + 1}`), rounds[r + 1]!, t0),
          ]);
          for (const [x, y] of [[results[0]!, results[1]!], [results[2]!, results[3]!]] as const) {
            if (x.created === y.created) d.problems.push(`request ${x.request.messageId}: created ${x.created} by both instances`);
          }
        }
        d.accepting = false;
      };
      await Promise.all([acceptor(), d.run(f.queue), d.run(f.twin), d.run(f.queue), d.run(f.twin)]);

      await d.check(f.queue, meters);
      for (const m of meters) {
        const rounds = d.leased.filter((c) => c.meter === m).map((c) => Number(c.commandKey.slice(1, c.commandKey.indexOf('|'))));
        assert.deepEqual(rounds.slice(0, half), [0, 1, 2], `${m}: the rounds accepted one after another keep their order`);
      }
    });

    it('commands for an idle meter accepted by two instances at once still go one at a time, in sequence order', async () => {
      // The race this guards: a sequence number is drawn at insert but seen at commit. If the instance
      // holding the lower one commits last, the higher one may already be leased (its meter looked
      // idle) when the lower one appears as the meter's oldest open command.
      const pairs = 40;
      const d = dispatchers(pairs * 2, 10);
      const acceptor = async () => {
        for (let i = 0; i < pairs; i++) {
          const meter = `MTR-I${i}`;
          // The long request draws its number for the meter first and then has more to write before it
          // commits (fillers whose window opens in a year, so they are never dispatched here).
          const long = [cmd(`long|${i}`, meter), ...Array.from({ length: 200 }, (_, k) => cmd(`fill|${i}|${k}`, `MTR-F${k}`, { notBefore: at(365 * 86_400_000) }))];
          await Promise.all([f.queue.accept(req(`long-${i}`), long, t0), f.twin.accept(req(`short-${i}`), [cmd(`short|${i}`, meter)], t0)]);
        }
        d.accepting = false;
      };
      await Promise.all([acceptor(), d.run(f.queue), d.run(f.twin), d.run(f.queue), d.run(f.twin)]);
      await d.check(f.queue, Array.from({ length: pairs }, (_, i) => `MTR-I${i}`));
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
