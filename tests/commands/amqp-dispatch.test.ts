import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Channel } from 'amqplib';
import type { AmqpConnection } from '../../gateway/adapters/amqp/amqp-connection.js';
import { AmqpCommandBus, commandTopology, type AmqpCommandBusOptions } from '../../gateway/adapters/amqp/command-bus.amqp.js';
import { createCommandsModule, type CommandsModule } from '../../gateway/adapters/hes-simulator/hes-composition.js';
import { ExecutionLog } from '../../gateway/adapters/hes-simulator/execution-log.js';
import { HesSimulator } from '../../gateway/adapters/hes-simulator/hes-simulator.js';
import { SqliteNetwork } from '../../gateway/adapters/sqlite/network.sqlite.js';
import { SqliteCommandQueue } from '../../gateway/adapters/sqlite/command-queue.sqlite.js';
import { SqliteOutbox } from '../../gateway/adapters/sqlite/outbox.sqlite.js';
import { SqliteReadingStore } from '../../gateway/adapters/sqlite/reading-store.sqlite.js';
import { openSqlite, type Db } from '../../gateway/adapters/sqlite/sqlite-database.js';
import { loadConfig } from '../../gateway/config/config.js';
import { isFinal } from '../../gateway/domain/commands/command-state.js';
import { commandIdFor, type CommandRequest, type NewCommand } from '../../gateway/domain/commands/command.js';
import type { HesPort } from '../../gateway/ports/hes.port.js';
import { commandWorker, messageFor } from '../../gateway/use-cases/dispatch-commands.use-case.js';
import { eventually } from '../contracts/command-bus.contract.js';
import { deleteBrokerObjects, silentLog, testConnection, uniquePrefix } from '../helpers/amqp.js';
import { serviceUrl, skippedWithout } from '../helpers/services.js';
import { manualClock } from '../hes/sim-fixture.js';

const url = serviceUrl('AMQP_URL');
const LEASE_MS = 60_000;

const req = (messageId: string): CommandRequest => ({ source: 'MDM', messageId, correlationId: messageId, verb: 'create', typed: false, rewrite: [], rejected: [] });
const cmd = (key: string, meter: string): NewCommand => ({
  commandId: commandIdFor(key), commandKey: key, meter, deviceLabel: meter, kind: 'disconnect', controlType: '3.31.0.23', source: 'MDM', params: {}, priority: 50,
});

describe('command dispatch with the broker down', () => {
  it('the relay pass fails with the broker error, and async replies of finished requests still go out', async () => {
    const clock = manualClock();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cimgw-amqp-down-'));
    const config = loadConfig({}, { dataDir, logLevel: 'silent' });
    const db = openSqlite(path.join(dataDir, 'gateway.sqlite'));
    const network = new SqliteNetwork(db);
    const outbox = new SqliteOutbox(db);
    const connection = testConnection('amqp://guest:guest@127.0.0.1:1');
    const bus = new AmqpCommandBus(connection, { prefix: 'unused', shards: 2, prefetch: 1, maxDeliveries: 3, confirmTimeoutMs: 1_000, log: silentLog });
    const module = createCommandsModule({
      queue: new SqliteCommandQueue(db, outbox), config, clock, log: silentLog, meters: network, network, readings: new SqliteReadingStore(db), ingestEvents: async () => undefined, bus,
    });
    try {
      const { commands } = await module.queue.accept({ ...req('down-1'), replyAddress: 'http://mdm.example/replies', protocol: 'SOAP' }, [cmd('down|MTR-1', 'MTR-1')], clock.now());
      await module.queue.promote(clock.now());
      await module.queue.lease(clock.now(), 10, LEASE_MS);
      await module.queue.finish(commands[0]!.commandId, { state: 'succeeded' }, clock.now());
      await assert.rejects(module.tick(), /AMQP broker at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1\/? unreachable/);
      const replies = await outbox.claimDue(clock.now(), 10, 1000);
      assert.deepEqual(replies.map((r) => [r.kind, r.destination]), [['reply', 'http://mdm.example/replies']]);
    } finally {
      await module.stop();
      await connection.close();
      db.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/**
 * Gateway instances as the cluster composition builds them: each its own database connection,
 * AMQP connection and commands module with an AmqpCommandBus on one shared prefix; one database file
 * and one head-end (the simulator) behind them all.
 */
if (!url) {
  skippedWithout('AMQP_URL', 'command dispatch through RabbitMQ');
} else {
  describe('command dispatch through RabbitMQ, two gateway instances', () => {
    const clock = manualClock();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cimgw-amqp-'));
    const prefix = uniquePrefix('dispatch');
    const busOptions: AmqpCommandBusOptions = { prefix, shards: 3, prefetch: 2, maxDeliveries: 3, confirmTimeoutMs: 5_000, log: silentLog };
    const config = loadConfig({}, { dataDir, logLevel: 'silent', commands: { baseDelayMs: 1000, maxDelayMs: 4000, maxAttempts: 3, leaseMs: LEASE_MS } });
    const sim = new HesSimulator({ dataDir: path.join(dataDir, 'hes'), seed: 7, clock });
    const instances: { db: Db; connection: AmqpConnection; bus: AmqpCommandBus; module: CommandsModule }[] = [];
    let admin: AmqpConnection;
    let inspect: Channel;

    const instance = async () => {
      const db = openSqlite(path.join(dataDir, 'gateway.sqlite'));
      const network = new SqliteNetwork(db);
      const connection = testConnection(url, `instance ${instances.length + 1}`);
      const bus = await AmqpCommandBus.create(connection, busOptions);
      const module = createCommandsModule({
        queue: new SqliteCommandQueue(db, new SqliteOutbox(db)), config, clock, log: silentLog, meters: network, network, readings: new SqliteReadingStore(db),
        ingestEvents: async () => undefined, hes: sim, bus, maxBacklog: 50,
      });
      const it = { db, connection, bus, module };
      instances.push(it);
      return it;
    };
    const queue = () => instances[0]!.module.queue;
    const allFinal = async (ids: string[]) => (await Promise.all(ids.map((id) => queue().get(id)))).every((c) => c && isFinal(c.state));
    /** Relay passes on every instance until the commands are final (the workers run on broker deliveries meanwhile). */
    const runUntilFinal = async (ids: string[]) => eventually('commands final', async () => {
      for (const i of instances) await i.module.tick();
      return allFinal(ids);
    }, 30_000);
    const deadQueue = commandTopology(prefix, 3).deadQueue;

    before(async () => {
      for (let m = 1; m <= 12; m++) await sim.provision({ mRID: `MTR-${m}`, commPath: 'point-to-point' });
      admin = testConnection(url, 'test inspector');
      inspect = await admin.channel();
    });
    after(async () => {
      for (const i of instances) {
        await i.module.stop();
        await i.bus.close();
        await i.connection.close();
        i.db.close();
      }
      await inspect.close().catch(() => undefined);
      await deleteBrokerObjects(admin, { queues: [...commandTopology(prefix, 3).queues.map((q) => q.name), deadQueue], exchanges: [`${prefix}.commands`, `${prefix}.commands.dlx`] });
      await admin.close();
      await sim.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('a worker that dies after the head-end acted but before recording: another instance finishes it, executed once', async () => {
      const a = await instance();
      // A third process that executes, then hangs before writing the outcome (killed mid-handler).
      const crashing = testConnection(url, 'crashing worker');
      const crashingBus = await AmqpCommandBus.create(crashing, busOptions);
      let executedThere = 0;
      const stuckHes: HesPort = {
        execute: async (c) => {
          await sim.execute(c);
          executedThere++;
          return new Promise(() => undefined);
        },
        readOnDemand: (...args) => sim.readOnDemand(...args),
        provision: (m) => sim.provision(m),
        remove: (m) => sim.remove(m),
        listen: (l) => sim.listen(l),
      };
      const crashingConsumer = await crashingBus.consume(commandWorker({ queue: a.module.queue, hes: stuckHes, clock, log: silentLog, settings: config.commands }));
      const { commands } = await a.module.queue.accept(req('crash-1'), [cmd('crash|MTR-1', 'MTR-1')], clock.now());
      await a.module.queue.promote(clock.now());
      const leased = await a.module.queue.lease(clock.now(), 10, LEASE_MS);
      await crashingBus.publish(leased.map(messageFor));
      await eventually('the head-end executed it', () => executedThere === 1);
      await crashingConsumer.stop(0);
      await crashingBus.close();
      await crashing.close();

      await runUntilFinal([commands[0]!.commandId]);
      const done = await queue().get(commands[0]!.commandId);
      assert.deepEqual([done!.state, done!.attempts], ['succeeded', 1], 'the redelivered message of the same lease completed it');
      assert.equal(ExecutionLog.readLines(path.join(dataDir, 'hes')).filter((e) => e.commandId === done!.commandId).length, 1, 'executed once');
      assert.ok(sim.stats().resends >= 1, 'the head-end recognised the resend');
    });

    it('every command is executed exactly once and each meter in accept order, whichever instance relays it', async () => {
      await instance();
      const items = Array.from({ length: 36 }, (_, i) => cmd(`bulk|${i}`, `MTR-${(i % 12) + 1}`));
      const { commands } = await queue().accept(req('bulk-1'), items, clock.now());
      const ids = commands.map((c) => c.commandId);
      await runUntilFinal(ids);
      const stored = await Promise.all(ids.map((id) => queue().get(id)));
      assert.deepEqual([...new Set(stored.map((c) => c!.state))], ['succeeded']);
      const lines = ExecutionLog.readLines(path.join(dataDir, 'hes')).filter((e) => ids.includes(e.commandId));
      assert.equal(lines.length, ids.length, 'one execution line per command');
      assert.equal(new Set(lines.map((l) => l.commandId)).size, ids.length);
      for (let m = 1; m <= 12; m++) {
        const meter = `MTR-${m}`;
        assert.deepEqual(lines.filter((l) => l.meter === meter).map((l) => l.commandId), commands.filter((c) => c.meter === meter).map((c) => c.commandId), `${meter} in accept order`);
      }
    });

    it('nothing lost when the relaying instance dies after leasing: the lease runs out and another instance sends it', async () => {
      const { commands } = await queue().accept(req('lost-1'), [cmd('lost|MTR-5', 'MTR-5')], clock.now());
      await queue().promote(clock.now());
      const leased = await queue().lease(clock.now(), 10, LEASE_MS);
      assert.deepEqual(leased.map((c) => c.commandId), [commands[0]!.commandId]);
      // Its relay died before publishing: nobody else takes it while the lease holds.
      await instances[1]!.module.tick();
      assert.equal((await queue().get(commands[0]!.commandId))!.state, 'sent');
      clock.advance(LEASE_MS + 1);
      await runUntilFinal([commands[0]!.commandId]);
      const done = await queue().get(commands[0]!.commandId);
      assert.deepEqual([done!.state, done!.attempts], ['succeeded', 2]);
      assert.equal(ExecutionLog.readLines(path.join(dataDir, 'hes')).filter((e) => e.commandId === done!.commandId).length, 1);
    });

    it('a redelivered message for a final command, or of an older lease, is acknowledged and dropped; an unknown command id is dead-lettered', async () => {
      const final = (await queue().request('MDM', 'bulk-1'))!.commands[0]!;
      const { commands } = await queue().accept(req('stale-1'), [cmd('stale|MTR-9', 'MTR-9')], clock.now());
      await queue().promote(clock.now());
      const [leased] = await queue().lease(clock.now(), 10, LEASE_MS);
      await queue().retry(leased!.commandId, 'link lost', new Date(clock.now().getTime() + 10 * LEASE_MS), clock.now());
      const before = { stats: sim.stats(), lines: ExecutionLog.readLines(path.join(dataDir, 'hes')).length };

      await instances[0]!.bus.publish([
        messageFor(final),
        { commandId: commands[0]!.commandId, meter: 'MTR-9', attempt: 1 },
        { commandId: commandIdFor('never accepted'), meter: 'MTR-2', attempt: 1 },
      ]);
      const dead: { commandId: string; reason: string }[] = [];
      await eventually('the unknown one dead-lettered', async () => {
        const g = await inspect.get(deadQueue, { noAck: true });
        if (g) dead.push({ commandId: JSON.parse(g.content.toString()).commandId, reason: String(g.properties.headers?.['x-first-death-reason']) });
        return dead.length === 1;
      });
      // Stop the consumers with a grace period: whatever they hold is handled and acknowledged first.
      for (const i of instances) await i.module.stop();
      for (const q of commandTopology(prefix, 3).queues) assert.equal((await inspect.checkQueue(q.name)).messageCount, 0, `${q.name} empty: all acknowledged`);
      const more = await inspect.get(deadQueue, { noAck: true });
      assert.equal(more, false, 'only the unknown one is dead');
      assert.deepEqual(dead, [{ commandId: commandIdFor('never accepted'), reason: 'rejected' }]);
      assert.deepEqual(sim.stats().execute, before.stats.execute, 'the head-end was not called for the dropped messages');
      assert.equal(ExecutionLog.readLines(path.join(dataDir, 'hes')).length, before.lines);
      const stale = await queue().get(commands[0]!.commandId);
      assert.deepEqual([stale!.state, stale!.attempts], ['queued', 1], 'the waiting retry is untouched');
    });
  });
}
