import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { GatewayConfig } from '../../config/config.js';
import { ControlTypeTable } from '../../domain/commands/control-types.js';
import type { DeviceEvent } from '../../domain/events/device-event.js';
import type { Logger } from '../../logging/logger.js';
import { commandsPayload } from '../../nouns/EndDeviceControls/end-device-controls.mapper.js';
import type { CommandsFacade } from '../../nouns/EndDeviceControls/commands-facade.js';
import type { Clock } from '../../ports/clock.port.js';
import type { CommandBus, CommandConsumer } from '../../ports/command-bus.port.js';
import type { HesPort } from '../../ports/hes.port.js';
import type { MeterRegistry } from '../../ports/meter-registry.port.js';
import type { MeterRemovalListener, NetworkStore } from '../../ports/network-store.port.js';
import type { ReadingStore } from '../../ports/reading-store.port.js';
import { Poller } from '../../runtime/poller.js';
import { acceptCommands } from '../../use-cases/accept-commands.use-case.js';
import { cancelCommands } from '../../use-cases/cancel-commands.use-case.js';
import { hesPushListener } from '../../use-cases/confirm-commands.use-case.js';
import { commandWorker, relayCommands } from '../../use-cases/dispatch-commands.use-case.js';
import { replyCommands } from '../../use-cases/reply-commands.use-case.js';
import { timeSyncCommands } from '../../use-cases/time-sync-commands.use-case.js';
import { HttpHes } from '../hes-http/hes.http.js';
import type { CommandQueue } from '../../ports/command-queue.port.js';
import { InProcessCommandBus } from '../in-process/command-bus.in-process.js';
import { HesSimulator } from './hes-simulator.js';

export interface CommandsModule {
  hes: HesPort;
  /** The embedded simulator (undefined in http mode or when a head-end was passed in). */
  simulator?: HesSimulator;
  queue: CommandQueue;
  /** Carries leased commands from the relay to the worker: in process unless one was passed in. */
  bus: CommandBus;
  facade: CommandsFacade;
  /**
   * One relay pass plus due async replies (the 'commands' poller; tests call it through drain).
   * With the in-process bus the leased commands are executed before it resolves; with a broker
   * they are executed by whichever instance's worker takes them.
   */
  tick: () => Promise<number>;
  nudge: () => void;
  timeSync: ReturnType<typeof timeSyncCommands>;
  /** Provisioning tells it about removed meters: their commands not yet sent are canceled (6.1). */
  removalListener: MeterRemovalListener;
  start(): void;
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 5_000;

/** The HES part of the composition root (called by app.ts only): head-end adapter, command queue, dispatcher, schedules. */
export function createCommandsModule(deps: {
  queue: CommandQueue; config: Readonly<GatewayConfig>; clock: Clock; log: Logger; meters: MeterRegistry; network: NetworkStore;
  readings: ReadingStore; ingestEvents: (events: DeviceEvent[], source: string) => Promise<unknown>; hes?: HesPort;
  /**
   * A shared bus (cluster: AmqpCommandBus) instead of the in-process one; its owner closes it.
   * `maxBacklog`: the relay leases nothing while that many messages wait for a consumer.
   */
  bus?: CommandBus; maxBacklog?: number;
}): CommandsModule {
  const { config, clock, meters } = deps;
  const cfg = config.commands;
  const log = deps.log.child({ component: 'commands' });
  const table = new ControlTypeTable(JSON.parse(readFileSync(cfg.mappingFile, 'utf8')), { byKind: cfg.priorities, byReason: cfg.priorityByReason });
  const { queue } = deps;
  let simulator: HesSimulator | undefined;
  let hes: HesPort;
  if (deps.hes) hes = deps.hes;
  else if (config.hes.mode === 'http') {
    if (!config.hes.url) throw new Error('hes.mode is http but hes.url is not set');
    hes = new HttpHes(config.hes.url, { timeoutMs: config.hes.requestTimeoutMs, pollMs: config.hes.pollMs });
  } else {
    const s = config.hes.simulator;
    simulator = new HesSimulator({
      dataDir: s.dataDir ?? path.join(config.dataDir, 'hes-simulator'), seed: s.seed, clock, timeScale: s.timeScale, retryBudget: s.retryBudget,
      thresholdDb: s.thresholdDb, defaultLink: s.defaultLink, concentrators: s.concentrators, cellular: s.cellular,
      statusWordProbability: s.statusWordProbability, collectSchedule: s.collectSchedule,
      lookupMeter: async (mRID) => {
        const m = await meters.get(mRID);
        return m && { mRID: m.mRID, commPath: m.commPath, ...(m.concentratorId ? { concentratorId: m.concentratorId } : {}) };
      },
    });
    hes = simulator;
  }
  hes.listen(hesPushListener({ queue, table, ingestEvents: deps.ingestEvents, readings: deps.readings, meters, log }));

  const timeSync = timeSyncCommands({
    queue, network: deps.network, table, clock, source: config.gateway.source, thresholdSeconds: cfg.timeSync.driftThresholdSeconds,
    validMs: 3_600_000, ingestEvents: deps.ingestEvents,
  });
  // The in-process bus hands over directly, so the relay's pass runs the head-end calls as before.
  const bus = deps.bus ?? new InProcessCommandBus({ concurrency: cfg.concurrency, maxDeliveries: 3, log });
  const relay = relayCommands({ queue, bus, clock, log, settings: cfg, ...(deps.bus && deps.maxBacklog !== undefined ? { maxBacklog: deps.maxBacklog } : {}) });
  const worker = commandWorker({ queue, hes, clock, log, settings: cfg, onSucceeded: timeSync.onSucceeded });
  let consumer: Promise<CommandConsumer> | undefined;
  const consuming = () => {
    consumer ??= bus.consume(worker).catch((err: unknown) => {
      consumer = undefined;
      throw err;
    });
    return consumer;
  };
  const replies = replyCommands({ queue, clock, source: config.gateway.source, toPayload: commandsPayload });
  const tick = async () => {
    // Replies need only the database: a broker outage must not hold back answers to finished requests.
    let relayed = 0;
    let failure: { err: unknown } | undefined;
    try {
      await consuming();
      relayed = await relay();
    } catch (err) {
      failure = { err };
    }
    const replied = await replies();
    if (failure) throw failure.err;
    return relayed + replied;
  };
  const poller = new Poller('commands', tick, cfg.pollMs, log);
  const facade: CommandsFacade = {
    accept: (controls, meta) => acceptCommands(controls, meta, { queue, meters, table, clock, maxDevices: cfg.maxDevicesPerRequest }),
    cancel: (targets, meta) => cancelCommands(targets, meta, { queue, clock }),
  };
  let cron: { stop(): void } | undefined;
  return {
    hes, queue, bus, facade, tick, timeSync, ...(simulator ? { simulator } : {}),
    nudge: () => poller.nudge(),
    removalListener: {
      metersRemoved: async (mRIDs, at) => {
        const pending = await queue.pendingFor(mRIDs);
        if (pending.length > 0) await queue.cancel(pending.map((c) => c.commandId), 'meter removed from the network before the command was sent', at);
      },
    },
    start: () => {
      poller.start();
      if (cfg.timeSync.schedule) cron = timeSync.schedule(cfg.timeSync.schedule, (err) => log.error({ err }, 'scheduled time sync failed'));
    },
    stop: async () => {
      cron?.stop();
      await poller.stop();
      // Messages being handled get a moment to be recorded and acknowledged; the rest go back to the bus.
      await (await consumer?.catch(() => undefined))?.stop(STOP_GRACE_MS);
      if (!deps.bus) await bus.close();
      await simulator?.stop();
      if (hes instanceof HttpHes) await hes.close();
    },
  };
}
