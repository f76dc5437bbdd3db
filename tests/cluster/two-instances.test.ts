import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExecutionLog } from '../../gateway/adapters/hes-simulator/execution-log.js';
import { mulberry32 } from '../../gateway/adapters/hes-simulator/prng.js';
import { PgNetwork } from '../../gateway/adapters/postgres/network.postgres.js';
import { edcRequest } from '../commands/commands-helpers.js';
import { receiver } from '../helpers/gateway.js';
import { replyOf } from '../helpers/messages.js';
import { isolatedSchema, serviceUrl } from '../helpers/services.js';
import { assertOneOkReplyPerRequest, startProcess, type Started } from '../hes/processes.js';
import { commandTopology } from '../../gateway/adapters/amqp/command-bus.amqp.js';
import { deleteBrokerObjects, testConnection, uniquePrefix } from '../helpers/amqp.js';

const REQUESTS = 40;
const FINAL = ['succeeded', 'failed', 'dead', 'expired', 'canceled'];
const meterOf = (i: number, j: number) => `CL-${String(i * 2 + j).padStart(3, '0')}`;

const dbUrl = serviceUrl('DATABASE_URL');
const amqpUrl = serviceUrl('AMQP_URL');

/**
 * Two gateway processes on one PostgreSQL and one RabbitMQ, the head-end simulator as a third
 * process: requests go to both instances (as a load balancer would send them), one instance is
 * killed with SIGKILL while commands are in flight, the MDM resends what it got no answer for
 * to the survivor. The survivor finishes everything: each command executed exactly once,
 * whichever instance accepted it, and one reply per request.
 */
describe('cluster profile: two instances, kill -9 one under load', { skip: !dbUrl || !amqpUrl ? 'DATABASE_URL and AMQP_URL not set' : false }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cluster-'));
  const simData = path.join(dir, 'sim');
  const random = mulberry32(4242);
  let db: Awaited<ReturnType<typeof isolatedSchema>>;
  let sim: Started;
  const gws: (Started | undefined)[] = [];
  let peer: Awaited<ReturnType<typeof receiver>>;
  const simUrl = () => `http://127.0.0.1:${sim.port}`;
  const prefix = uniquePrefix('cluster');

  before(async () => {
    db = await isolatedSchema(dbUrl!);
    peer = await receiver();
    writeFileSync(path.join(dir, 'sim.json'), JSON.stringify({ retryBudget: 2, cellular: { lossProbability: 0.05, baseLatencyMs: 300, jitterMs: 300 } }));
    sim = await startProcess('scripts/hes-simulator.ts', { HES_SIM_PORT: '0', HES_SIM_DATA_DIR: simData, HES_SIM_SEED: '11', HES_SIM_TIME_SCALE: '0.25', HES_SIM_CONFIG: path.join(dir, 'sim.json') }, 'hes simulator listening');
    writeFileSync(path.join(dir, 'gateway.json'), JSON.stringify({
      hes: { mode: 'http', url: simUrl(), pollMs: 200, requestTimeoutMs: 5000 },
      commands: { pollMs: 20, leaseMs: 2500, baseDelayMs: 100, maxDelayMs: 400, maxAttempts: 100, batchSize: 8, concurrency: 4 },
      outbox: { pollMs: 50, baseDelayMs: 50, maxDelayMs: 200, requestTimeoutMs: 1000, maxAttempts: 100 },
      protocol: { idempotencyLeaseSeconds: 1 },
      amqp: { prefix, commands: { shards: 4 } },
    }));
  });
  after(async () => {
    for (const g of gws) g?.child.kill('SIGKILL');
    sim?.child.kill('SIGTERM');
    await sim?.exited;
    await peer?.close();
    await db?.close();
    const topology = commandTopology(`${prefix}`, 4);
    const connection = testConnection(amqpUrl!);
    await deleteBrokerObjects(connection, { queues: [...topology.queues.map((q) => q.name), topology.deadQueue], exchanges: [topology.exchange, topology.deadExchange] });
    await connection.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const startInstance = (n: number) => startProcess('gateway/main.ts', {
    PORT: '0', GATEWAY_PROFILE: 'cluster', GATEWAY_DATA_DIR: path.join(dir, `gw-${n}`), GATEWAY_CONFIG: path.join(dir, 'gateway.json'), LOG_LEVEL: 'info',
    DATABASE_URL: `${dbUrl}${dbUrl!.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${db.schema}`)}`, AMQP_URL: amqpUrl!,
  }, 'gateway listening');

  const submit = async (gw: Started, i: number): Promise<boolean> => {
    const body = edcRequest({ messageId: `cl-${i}`, replyAddress: peer.url }, [{ mRID: `ctl-cl-${i}`, type: '3.31.0.23', devices: [meterOf(i, 0), meterOf(i, 1)] }]);
    try {
      const res = await fetch(`http://127.0.0.1:${gw.port}/cim/messages`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body });
      return replyOf(await res.text()).codes[0] === '0.3';
    } catch {
      return false; // killed while answering: the MDM sends the same MessageID again, to the other instance
    }
  };

  it('the survivor finishes every command; each executed exactly once; one reply per request', { timeout: 240_000 }, async () => {
    // Both start together: migrations run once under their advisory lock.
    gws.push(...await Promise.all([startInstance(0), startInstance(1)]));
    const network = await PgNetwork.create(db.pool);
    for (let i = 0; i < REQUESTS; i++) {
      for (let j = 0; j < 2; j++) {
        const mRID = meterOf(i, j);
        await network.upsertMeters([{ mRID, names: [], status: 'in-service', commPath: 'point-to-point' }]);
        await fetch(`${simUrl()}/hes/meters/${mRID}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ commPath: 'point-to-point' }) });
      }
    }

    const acked = new Set<number>();
    const ackedByKilled = new Set<number>();
    const first = [...Array(REQUESTS).keys()].map(async (i) => {
      if (!(await submit(gws[i % 2]!, i))) return;
      acked.add(i);
      if (i % 2 === 0) ackedByKilled.add(i);
    });
    // Kill instance 0 at a seeded random point while requests arrive and commands are with the head-end.
    await new Promise((r) => setTimeout(r, 300 + random() * 700));
    gws[0]!.child.kill('SIGKILL');
    await gws[0]!.exited;
    gws[0] = undefined;
    await Promise.allSettled(first);
    const states = async () => (await db.pool.query<{ state: string; n: string }>('SELECT state, count(*) AS n FROM commands GROUP BY state ORDER BY state')).rows.map((r) => ({ state: r.state, n: Number(r.n) }));
    // The test proves something only if the killed instance had accepted work that was not finished yet.
    assert.ok(ackedByKilled.size > 0, 'the killed instance had accepted requests');
    assert.ok((await states()).some((s) => !FINAL.includes(s.state)), 'commands were still open when the instance died');
    for (let round = 0; acked.size < REQUESTS && round < 20; round++) {
      await Promise.all([...Array(REQUESTS).keys()].filter((i) => !acked.has(i)).map(async (i) => { if (await submit(gws[1]!, i)) acked.add(i); }));
    }
    assert.equal(acked.size, REQUESTS, 'every request acknowledged, by one instance or the other');

    const replied = () => new Set(peer.received.map((r) => replyOf(r.body).correlationId));
    for (let i = 0; i < 900 && (replied().size < REQUESTS || (await states()).some((s) => !FINAL.includes(s.state))); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(await states(), [{ state: 'succeeded', n: REQUESTS * 2 }], 'no command doubled, none left behind');
    const ids = (await db.pool.query<{ command_id: string }>('SELECT command_id FROM commands ORDER BY command_id')).rows.map((r) => r.command_id);
    const lines = ExecutionLog.readLines(simData);
    assert.deepEqual(lines.map((l) => l.commandId).sort(), ids, 'the head-end executed each commandId exactly once');
    assert.ok(lines.every((l) => l.executed && l.outcome.status === 'succeeded'));

    assertOneOkReplyPerRequest(peer.received.map((r) => r.body), REQUESTS);

    // The operator's path to the dead queue is part of the cluster composition (admin gate: loopback here).
    const dead = await fetch(`http://127.0.0.1:${gws[1]!.port}/admin/commands/dead?limit=10`);
    assert.equal(dead.status, 200);
    assert.ok(Array.isArray(((await dead.json()) as { messages: unknown[] }).messages));
  });
});
