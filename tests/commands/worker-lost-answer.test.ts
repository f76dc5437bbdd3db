import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { SqliteCommandQueue } from '../../gateway/adapters/sqlite/command-queue.sqlite.js';
import { SqliteOutbox } from '../../gateway/adapters/sqlite/outbox.sqlite.js';
import { openSqlite } from '../../gateway/adapters/sqlite/sqlite-database.js';
import { commandIdFor, type Command } from '../../gateway/domain/commands/command.js';
import type { CommandQueue } from '../../gateway/ports/command-queue.port.js';
import type { HesPort } from '../../gateway/ports/hes.port.js';
import type { DeviceEvent } from '../../gateway/domain/events/device-event.js';
import { commandWorker, messageFor } from '../../gateway/use-cases/dispatch-commands.use-case.js';
import { timeSyncCommands } from '../../gateway/use-cases/time-sync-commands.use-case.js';
import { manualClock } from '../hes/sim-fixture.js';

/**
 * A finish whose commit went through but whose answer was lost (PgCommandQueue rejects with the
 * connection error, see StatementBatch) — or a process killed between the finish and the hook —
 * fails the handler, and the redelivered message finds the command already succeeded. The
 * onSucceeded hook (a time sync's clock-drift event) must still run, exactly once in effect.
 */
describe('command worker: a success recorded whose answer was lost', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cimgw-lost-'));
  const db = openSqlite(path.join(dir, 'q.sqlite'));
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs onSucceeded on the redelivery, and running it again raises no second event', async () => {
    const clock = manualClock();
    const queue = new SqliteCommandQueue(db, new SqliteOutbox(db));
    const key = 'MDM|timesync:x|M-1';
    const commandId = commandIdFor(key);
    await queue.accept({ source: 'MDM', messageId: 'm1', correlationId: 'm1', verb: 'create', typed: false, rewrite: [], rejected: [] },
      [{ commandId, commandKey: key, meter: 'M-1', deviceLabel: 'M-1', kind: 'time-sync', controlType: '3.0.0.0', source: 'MDM', params: {}, priority: 50 }], clock.now());
    await queue.promote(clock.now());
    const [leased] = await queue.lease(clock.now(), 10, 60_000);
    assert.ok(leased);

    let executions = 0;
    const hes = { execute: async () => (executions++, { status: 'succeeded' as const, values: { clockOffsetSeconds: 42 } }) } as unknown as HesPort;
    const stored = new Map<string, DeviceEvent>();
    const ingestEvents = async (events: DeviceEvent[]) => {
      for (const e of events) stored.set(`${e.device}|${e.eventType}|${e.createdDateTime}|${e.mRID}`, e);
    };
    const timeSync = timeSyncCommands({ queue, network: {} as never, table: { codes: () => [] } as never, clock, source: 'GW', thresholdSeconds: 5, validMs: 60_000, ingestEvents });

    // The finish commits, then its caller sees the connection error.
    let lose = true;
    const lossy: CommandQueue = Object.create(queue);
    lossy.finish = async (...args: Parameters<CommandQueue['finish']>) => {
      const done = await queue.finish(...args);
      if (lose) { lose = false; throw new Error('Connection terminated unexpectedly'); }
      return done;
    };
    const log = pino({ level: 'silent' });
    const worker = commandWorker({ queue: lossy, hes, clock, log, settings: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100 }, onSucceeded: timeSync.onSucceeded });

    await assert.rejects(worker(messageFor(leased)), /Connection terminated/);
    assert.equal((await queue.get(commandId))!.state, 'succeeded');
    assert.equal(stored.size, 0);

    clock.advance(5_000);
    await worker(messageFor(leased)); // the broker's redelivery
    assert.equal(executions, 1, 'executed once at the head-end');
    assert.equal(stored.size, 1, 'the drift event is raised on the redelivery');

    clock.advance(5_000);
    await worker(messageFor(leased)); // redelivered again (ack lost): same event, not a second one
    assert.equal(stored.size, 1, 'no second drift event');
    const c: Command = (await queue.get(commandId))!;
    assert.equal(c.state, 'succeeded');
  });
});
