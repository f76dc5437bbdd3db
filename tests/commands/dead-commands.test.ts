import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import request from 'supertest';
import type { AmqpConnection } from '../../gateway/adapters/amqp/amqp-connection.js';
import { AmqpCommandBus, commandTopology, type AmqpCommandBusOptions } from '../../gateway/adapters/amqp/command-bus.amqp.js';
import { AmqpDeadCommands } from '../../gateway/adapters/amqp/dead-commands.amqp.js';
import { ExecutionLog } from '../../gateway/adapters/hes-simulator/execution-log.js';
import { HesSimulator } from '../../gateway/adapters/hes-simulator/hes-simulator.js';
import { SqliteAuditLog } from '../../gateway/adapters/sqlite/audit-log.sqlite.js';
import { SqliteCommandQueue } from '../../gateway/adapters/sqlite/command-queue.sqlite.js';
import { SqliteOutbox } from '../../gateway/adapters/sqlite/outbox.sqlite.js';
import { openSqlite, type Db } from '../../gateway/adapters/sqlite/sqlite-database.js';
import { commandIdFor, type CommandRequest, type NewCommand } from '../../gateway/domain/commands/command.js';
import { deadCommandsRouter } from '../../gateway/ingress/admin/dead-commands.router.js';
import type { CommandConsumer } from '../../gateway/ports/command-bus.port.js';
import { LOCAL_PEER } from '../../gateway/security/peer-identity.js';
import { deadCommands } from '../../gateway/use-cases/dead-commands.use-case.js';
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

if (!url) {
  skippedWithout('AMQP_URL', 'dead-lettered command messages');
} else {
  /**
   * Messages dead-lettered by the broker (a worker that kept failing), inspected and replayed by an
   * operator through /admin/commands/dead: the queue's state machine decides what runs, so a replay
   * never executes a command twice.
   */
  describe('dead-lettered command messages: inspect, replay, discard', () => {
    const clock = manualClock();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cimgw-dead-'));
    const prefix = uniquePrefix('dead');
    const options: AmqpCommandBusOptions = { prefix, shards: 2, prefetch: 4, maxDeliveries: 2, confirmTimeoutMs: 5_000, log: silentLog };
    const sim = new HesSimulator({ dataDir: path.join(dataDir, 'hes'), seed: 3, clock });
    const executions = (id: string) => ExecutionLog.readLines(path.join(dataDir, 'hes')).filter((e) => e.commandId === id).length;
    let db: Db;
    let queue: SqliteCommandQueue;
    let connection: AmqpConnection;
    let bus: AmqpCommandBus;
    let app: express.Express;
    let audit: SqliteAuditLog;
    let consumer: CommandConsumer | undefined;

    before(async () => {
      for (let m = 1; m <= 4; m++) await sim.provision({ mRID: `MTR-${m}`, commPath: 'point-to-point' });
      db = openSqlite(path.join(dataDir, 'gateway.sqlite'));
      queue = new SqliteCommandQueue(db, new SqliteOutbox(db));
      audit = new SqliteAuditLog(db);
      connection = testConnection(url, 'dead-letter test');
      bus = await AmqpCommandBus.create(connection, options);
      app = express();
      // What adminGate leaves for the routes behind it: the authenticated administrator.
      app.use((_req, res, next) => {
        res.locals.peer = LOCAL_PEER;
        next();
      });
      app.use(deadCommandsRouter({ dead: deadCommands({ letters: new AmqpDeadCommands(connection, bus), queue }), audit, clock, log: silentLog }));
    });
    after(async () => {
      await consumer?.stop(0);
      await bus.close();
      const t = commandTopology(prefix, 2);
      await deleteBrokerObjects(connection, { queues: [...t.queues.map((q) => q.name), t.deadQueue], exchanges: [t.exchange, t.deadExchange] });
      await connection.close();
      db.close();
      await sim.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('lists each dead message with its command, replays those naming a command (the worker runs only the current lease), keeps and then discards the rest', async () => {
      const { commands } = await queue.accept(req('dead-1'), ['final', 'current', 'stale'].map((k, i) => cmd(`dead|${k}`, `MTR-${i + 1}`)), clock.now());
      const [final, current, stale] = commands.map((c) => c.commandId) as [string, string, string];
      await queue.promote(clock.now());
      const leased = await queue.lease(clock.now(), 10, LEASE_MS);
      assert.equal(leased.length, 3);
      // A worker that fails every delivery: after maxDeliveries the broker dead-letters all of them.
      const failing = await bus.consume(async () => {
        throw new Error('database unreachable');
      });
      await bus.publish([...leased.map(messageFor), { commandId: commandIdFor('never accepted'), meter: 'MTR-4', attempt: 1 }]);
      const dead = new AmqpDeadCommands(connection, bus);
      await eventually('four messages dead', async () => (await dead.peek(10)).length === 4, 20_000);
      await failing.stop(0);

      // Meanwhile the database moved on: one command executed and finished by its next lease, one retried and leased again.
      await sim.execute({ commandId: final, kind: 'disconnect', meter: 'MTR-1', params: {} });
      await queue.finish(final, { state: 'succeeded' }, clock.now());
      await queue.retry(stale, 'link lost', clock.now(), clock.now());
      assert.deepEqual((await queue.lease(clock.now(), 10, LEASE_MS)).map((c) => [c.commandId, c.attempts]), [[stale, 2]], 'the relay leased it again (its message is lost)');

      const listed = await request(app).get('/admin/commands/dead?limit=10');
      assert.equal(listed.status, 200);
      const verdicts = Object.fromEntries(listed.body.messages.map((m: { message: { commandId: string }; verdict: string; reason: string }) => [m.message.commandId, [m.verdict, m.reason]]));
      assert.deepEqual(verdicts, {
        [final]: ['final', 'delivery_limit'], [current]: ['current', 'delivery_limit'], [stale]: ['stale', 'delivery_limit'],
        [commandIdFor('never accepted')]: ['unknown', 'delivery_limit'],
      });
      assert.equal((await dead.peek(10)).length, 4, 'listing leaves them dead');

      consumer = await bus.consume(commandWorker({ queue, hes: sim, clock, log: silentLog, settings: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 4000 } }));
      const replayed = await request(app).post('/admin/commands/dead/replay').send({});
      assert.equal(replayed.status, 200);
      assert.deepEqual([replayed.body.replayed, replayed.body.kept, replayed.body.discarded], [3, 1, 0]);
      await eventually('the current lease executed', async () => (await queue.get(current))!.state === 'succeeded');
      // A second replay of the same messages (an operator retrying, or a replay that died before removing them).
      await bus.publish([{ commandId: final, meter: 'MTR-1', attempt: 1 }, { commandId: current, meter: 'MTR-2', attempt: 1 }, { commandId: stale, meter: 'MTR-3', attempt: 1 }]);
      await eventually('all consumed', async () => (await bus.backlog()) === 0);
      await consumer.stop(2_000);
      consumer = undefined;
      assert.deepEqual([executions(final), executions(current), executions(stale)], [1, 1, 0], 'each command executed at most once; the stale lease not at all');
      assert.deepEqual([(await queue.get(stale))!.state, (await queue.get(stale))!.attempts], ['sent', 2], 'the stale message left the newer lease alone');
      assert.deepEqual((await dead.peek(10)).map((m) => m.message?.commandId), [commandIdFor('never accepted')], 'the unknown one stays dead');

      assert.equal((await request(app).post('/admin/commands/dead/discard').send({})).status, 400, 'discarding needs a selection');
      const discarded = await request(app).post('/admin/commands/dead/discard').send({ verdicts: ['unknown'] });
      assert.deepEqual([discarded.body.discarded, discarded.body.kept], [1, 0]);
      assert.deepEqual(await dead.peek(10), []);
      const actions = (await audit.query({ kind: 'admin.action' })).map((e) => e.detail);
      assert.deepEqual(actions, ['POST /admin/commands/dead/replay: replayed 3, discarded 0, kept 1', 'POST /admin/commands/dead/discard: replayed 0, discarded 1, kept 0']);
    });

    it('refuses a bad limit or selection with problem+json 400', async () => {
      for (const bad of [request(app).get('/admin/commands/dead?limit=0'), request(app).get('/admin/commands/dead?limit=5000'),
        request(app).post('/admin/commands/dead/replay').send({ limit: 'all' }), request(app).post('/admin/commands/dead/replay').send({ everything: true }),
        request(app).post('/admin/commands/dead/discard').send({ verdicts: ['current', 'lost'] }),
        request(app).post('/admin/commands/dead/replay').set('content-type', 'application/json').send('{not json')]) {
        const res = await bad;
        assert.deepEqual([res.status, res.type], [400, 'application/problem+json'], res.text);
      }
    });
  });
}
