import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { PoisonMessage, type CommandBus, type CommandConsumer, type CommandMessage } from '../../gateway/ports/command-bus.port.js';

export interface CommandBusFixture {
  bus: CommandBus;
  /** Deliveries of one message before it is dead-lettered (as the fixture configured the bus). */
  maxDeliveries: number;
  /** Every message the bus dead-lettered so far (since the fixture was made), with why. */
  deadLetters(): Promise<{ message: CommandMessage; reason: 'rejected' | 'delivery-limit' }[]>;
  close(): Promise<void>;
}

/** Polls until `check` holds (a broker works asynchronously); fails with `what` after timeoutMs. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const msg = (n: number, meter = `MTR-${n}`, attempt = 1): CommandMessage => ({ commandId: `cmd-${n}`, meter, attempt });

/** A handler that records what it sees; `behave` decides per delivery (default: succeed). */
function recorder(behave: (m: CommandMessage, delivery: number) => Promise<void> | void = () => undefined) {
  const seen: CommandMessage[] = [];
  const handler = async (m: CommandMessage) => {
    seen.push(m);
    await behave(m, seen.filter((s) => s.commandId === m.commandId).length);
  };
  return { seen, handler, count: (id: string) => seen.filter((s) => s.commandId === id).length };
}

/** The command-bus contract every implementation passes (a fresh bus per test). */
export function commandBusContract(name: string, make: () => Promise<CommandBusFixture>): void {
  describe(`command-bus contract: ${name}`, () => {
    let f: CommandBusFixture;
    const consumers: CommandConsumer[] = [];
    const consume = async (handler: (m: CommandMessage) => Promise<void>) => {
      const c = await f.bus.consume(handler);
      consumers.push(c);
      return c;
    };
    beforeEach(async () => {
      f = await make();
    });
    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((c) => c.stop(0)));
      await f.close();
    });

    it('delivers each published message once, as published, and acknowledges it after the handler', async () => {
      const r = recorder();
      await consume(r.handler);
      const sent = [msg(1), msg(2), msg(3, 'MTR-1', 4)];
      await f.bus.publish(sent);
      await eventually('three deliveries', () => r.seen.length >= 3);
      // A later message arriving proves nothing acknowledged came back in between.
      await f.bus.publish([msg(4)]);
      await eventually('the later message', () => r.count('cmd-4') === 1);
      assert.deepEqual(r.seen.slice(0, 3).sort((a, b) => a.commandId.localeCompare(b.commandId)), sent);
      assert.equal(r.seen.length, 4);
      assert.deepEqual(await f.deadLetters(), []);
    });

    it("keeps one meter's messages in the order they were published", async () => {
      const r = recorder();
      await consume(r.handler);
      const sent = Array.from({ length: 12 }, (_, i) => msg(i + 1, 'MTR-SAME'));
      await f.bus.publish(sent.slice(0, 6));
      await f.bus.publish(sent.slice(6));
      await eventually('twelve deliveries', () => r.seen.length >= 12);
      assert.deepEqual(r.seen.map((m) => m.commandId), sent.map((m) => m.commandId));
    });

    it('holds a message published before any consumer until one consumes (counted as backlog)', async () => {
      const published = f.bus.publish([msg(1)]);
      await eventually('backlog of one', async () => (await f.bus.backlog()) === 1);
      const r = recorder();
      await consume(r.handler);
      await published;
      await eventually('the delivery', () => r.seen.length === 1);
      await eventually('empty backlog', async () => (await f.bus.backlog()) === 0);
    });

    it('loses nothing when a consumer stops before acknowledging: the message goes to another consumer', async () => {
      let release!: () => void;
      const stuck = new Promise<void>((r) => (release = r));
      const a = recorder((m) => (m.commandId === 'cmd-2' ? stuck : undefined));
      const consumerA = await consume(a.handler);
      const firstTwo = f.bus.publish([msg(1), msg(2)]);
      await eventually('A has both', () => a.seen.length === 2);
      await consumerA.stop(0);
      const b = recorder();
      await consume(b.handler);
      await firstTwo;
      await eventually('B gets the unacknowledged one', () => b.count('cmd-2') === 1);
      await f.bus.publish([msg(3)]);
      await eventually('B gets a later one', () => b.count('cmd-3') === 1);
      assert.equal(b.count('cmd-1'), 0, 'the acknowledged message is not delivered again');
      release();
      assert.deepEqual(await f.deadLetters(), []);
    });

    it('redelivers a message whose handler failed', async () => {
      const r = recorder((m, delivery) => {
        if (m.commandId === 'cmd-1' && delivery === 1) throw new Error('database busy');
      });
      await consume(r.handler);
      await f.bus.publish([msg(1)]);
      await eventually('second delivery', () => r.count('cmd-1') === 2);
      await f.bus.publish([msg(2)]);
      await eventually('a later message', () => r.count('cmd-2') === 1);
      assert.equal(r.count('cmd-1'), 2);
      assert.deepEqual(await f.deadLetters(), []);
    });

    it('dead-letters a poison message at once, and one that keeps failing after maxDeliveries', async () => {
      const r = recorder((m) => {
        if (m.commandId === 'cmd-1') throw new PoisonMessage('no such command');
        if (m.commandId === 'cmd-2') throw new Error('always fails');
      });
      await consume(r.handler);
      await f.bus.publish([msg(1), msg(2)]);
      let dead: Awaited<ReturnType<CommandBusFixture['deadLetters']>> = [];
      await eventually('both dead-lettered', async () => (dead = await f.deadLetters()).length >= 2);
      assert.deepEqual(dead.sort((x, y) => x.message.commandId.localeCompare(y.message.commandId)), [
        { message: msg(1), reason: 'rejected' },
        { message: msg(2), reason: 'delivery-limit' },
      ]);
      assert.equal(r.count('cmd-1'), 1, 'poison is not redelivered');
      assert.equal(r.count('cmd-2'), f.maxDeliveries);
      await f.bus.publish([msg(3)]);
      await eventually('the bus still delivers', () => r.count('cmd-3') === 1);
      assert.equal(r.count('cmd-2'), f.maxDeliveries, 'nothing more of the dead message');
    });
  });
}
