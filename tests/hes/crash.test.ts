import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ExecutionLog } from '../../gateway/adapters/hes-simulator/execution-log.js';
import { mulberry32 } from '../../gateway/adapters/hes-simulator/prng.js';
import { SqliteNetwork } from '../../gateway/adapters/sqlite/network.sqlite.js';
import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';
import { receiver } from '../helpers/gateway.js';
import { replyOf } from '../helpers/messages.js';
import { edcRequest } from '../commands/commands-helpers.js';
import { assertOneOkReplyPerRequest, startProcess, type Started } from './processes.js';

const REQUESTS = 16;
const KILLS = 3;
const meterOf = (i: number, j: number) => `CR-${String(i * 2 + j).padStart(3, '0')}`;

/**
 * The gateway killed with SIGKILL at random (seeded) points while it accepts and dispatches
 * commands to the simulator running as its own process over HTTP: after the last restart every
 * accepted command is final, each was executed exactly once, each request answered once.
 */
describe('crash test: kill -9 the gateway mid-way, several times', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hes-crash-'));
  const gwData = path.join(dir, 'gateway');
  const simData = path.join(dir, 'sim');
  const random = mulberry32(2026);
  let sim: Started;
  let gw: Started | undefined;
  let peer: Awaited<ReturnType<typeof receiver>>;
  const simUrl = () => `http://127.0.0.1:${sim.port}`;

  before(async () => {
    peer = await receiver();
    writeFileSync(path.join(dir, 'sim.json'), JSON.stringify({ retryBudget: 2, concentrators: { 'DC-M': { noiseLevelDbm: -17 } }, cellular: { lossProbability: 0.1, baseLatencyMs: 300, jitterMs: 300 } }));
    sim = await startProcess('scripts/hes-simulator.ts', { HES_SIM_PORT: '0', HES_SIM_DATA_DIR: simData, HES_SIM_SEED: '7', HES_SIM_TIME_SCALE: '0.25', HES_SIM_CONFIG: path.join(dir, 'sim.json') }, 'hes simulator listening');
    const db = openSqlite(path.join(gwData, 'gateway.sqlite'));
    const network = new SqliteNetwork(db);
    await network.upsertConcentrators([{ id: 'DC-M' }]);
    for (let i = 0; i < REQUESTS; i++) {
      for (let j = 0; j < 2; j++) {
        const mRID = meterOf(i, j);
        const plc = j === 1;
        await network.upsertMeters([{ mRID, names: [], status: 'in-service', commPath: plc ? 'concentrator' : 'point-to-point', ...(plc ? { concentratorId: 'DC-M' } : {}) }]);
        await fetch(`${simUrl()}/hes/meters/${mRID}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(plc ? { commPath: 'concentrator', concentratorId: 'DC-M' } : { commPath: 'point-to-point' }) });
      }
    }
    db.close();
    writeFileSync(path.join(dir, 'gateway.json'), JSON.stringify({
      hes: { mode: 'http', url: simUrl(), pollMs: 200, requestTimeoutMs: 5000 },
      commands: { pollMs: 20, leaseMs: 2500, baseDelayMs: 100, maxDelayMs: 400, maxAttempts: 100, batchSize: 8, concurrency: 4 },
      outbox: { pollMs: 50, baseDelayMs: 50, maxDelayMs: 200, requestTimeoutMs: 1000, maxAttempts: 100 },
      protocol: { idempotencyLeaseSeconds: 1 },
    }));
  });
  after(async () => {
    gw?.child.kill('SIGKILL');
    sim.child.kill('SIGTERM');
    await sim.exited;
    await peer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const startGateway = () => startProcess('gateway/main.ts', { PORT: '0', GATEWAY_DATA_DIR: gwData, GATEWAY_CONFIG: path.join(dir, 'gateway.json'), LOG_LEVEL: 'info' }, 'gateway listening');
  const submit = async (i: number): Promise<boolean> => {
    const body = edcRequest({ messageId: `crash-${i}`, replyAddress: peer.url }, [{ mRID: `ctl-crash-${i}`, type: '3.31.0.23', devices: [meterOf(i, 0), meterOf(i, 1)] }]);
    try {
      const res = await fetch(`http://127.0.0.1:${gw!.port}/cim/messages`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body });
      return replyOf(await res.text()).codes[0] === '0.3';
    } catch {
      return false; // killed while answering: the MDM sends the same MessageID again
    }
  };

  it('every accepted command reaches a final state and was executed exactly once', { timeout: 180_000 }, async () => {
    const acked = new Set<number>();
    for (let round = 0; round <= KILLS; round++) {
      gw = await startGateway();
      const pending = [...Array(REQUESTS).keys()].filter((i) => !acked.has(i));
      const sends = pending.map(async (i) => { if (await submit(i)) acked.add(i); });
      if (round === KILLS) {
        await Promise.all(sends);
        break;
      }
      // Kill at a seeded random point: while requests arrive, while commands are with the head-end.
      await new Promise((r) => setTimeout(r, 150 + random() * 900));
      gw.child.kill('SIGKILL');
      await gw.exited;
      await Promise.allSettled(sends);
    }
    assert.equal(acked.size, REQUESTS, 'every request was acknowledged in the end');

    const db = new Database(path.join(gwData, 'gateway.sqlite'), { readonly: true });
    const states = () => db.prepare('SELECT state, COUNT(*) AS n FROM commands GROUP BY state').all() as { state: string; n: number }[];
    const replied = () => new Set(peer.received.map((r) => replyOf(r.body).correlationId));
    for (let i = 0; i < 600 && (replied().size < REQUESTS || states().some((s) => !['succeeded', 'failed', 'dead', 'expired', 'canceled'].includes(s.state))); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(states(), [{ state: 'succeeded', n: REQUESTS * 2 }], 'no command doubled, none left behind');
    const ids = (db.prepare('SELECT command_id FROM commands').all() as { command_id: string }[]).map((r) => r.command_id).sort();
    db.close();

    const lines = ExecutionLog.readLines(simData);
    assert.deepEqual(lines.map((l) => l.commandId).sort(), ids, 'the head-end executed each commandId exactly once');
    assert.ok(lines.every((l) => l.executed && l.outcome.status === 'succeeded'));
    const relays = await Promise.all(ids.map(async (_, k) => ((await (await fetch(`${simUrl()}/hes/meters/${meterOf(k >> 1, k & 1)}`)).json()) as { relay: string }).relay));
    assert.ok(relays.every((r) => r === 'disconnected'));

    assertOneOkReplyPerRequest(peer.received.map((r) => r.body), REQUESTS);
    // Resends did reach the head-end (after kills, and after answers lost on the marginal PLC link) and were recognised.
    const stats = (await (await fetch(`${simUrl()}/hes/stats`)).json()) as { execute: number; resends: number };
    assert.ok(stats.resends > 0 && stats.execute > ids.length, JSON.stringify(stats));
  });
});
