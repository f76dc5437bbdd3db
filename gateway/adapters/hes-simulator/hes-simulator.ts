import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Cron } from 'croner';
import type { DeviceEvent } from '../../domain/events/device-event.js';
import type { Reading } from '../../domain/readings/reading.js';
import { systemClock, type Clock } from '../../ports/clock.port.js';
import type { HesCollection, HesCollectScope, HesCommand, HesListener, HesMeter, HesOutcome, HesPort } from '../../ports/hes.port.js';
import { ExecutionLog, type Execution } from './execution-log.js';
import type { CellularLinkParams, PlcLinkParams } from './plc-link.js';
import { SimLinks } from './sim-links.js';
import { gather, type Gathered } from './sim-collect.js';
import { applyCommand, INTERVAL_KWH, readingsFor } from './sim-commands.js';
import { advance, newMeter, type SimMeterState } from './sim-meter.js';

export interface SimulatorOptions {
  dataDir: string;
  seed: number;
  clock?: Clock;
  /** Real delay = simulated latency × timeScale (0: answer at once; latency is still reported). */
  timeScale?: number;
  /** Transmissions per hop (down to the meter, back up) before the simulator reports a transient failure. */
  retryBudget?: number;
  thresholdDb?: number;
  defaultLink?: Partial<PlcLinkParams>;
  concentrators?: Record<string, Partial<PlcLinkParams>>;
  cellular?: Partial<CellularLinkParams>;
  /** Chance per meter and collection that its status word reports something. */
  statusWordProbability?: number;
  /** Cron expression for load-profile and status-word collection (empty: only on collect()). */
  collectSchedule?: string;
  /** Embedded mode: a meter the gateway knows but the simulator does not yet is provisioned on first use. */
  lookupMeter?: (mRID: string) => Promise<HesMeter | undefined>;
}

export class HesUnavailable extends Error {
  constructor() {
    super('head-end unavailable');
    this.name = 'HesUnavailable';
  }
}

/**
 * The built-in head-end: concentrators with meters behind them over power-line carrier (seed
 * scenario 1) and point-to-point meters over cellular (scenario 2). Executes each commandId
 * once (durable execution log), keeps meter state, pushes load profiles and status words.
 */
export class HesSimulator implements HesPort {
  private readonly meters = new Map<string, SimMeterState>();
  private readonly log: ExecutionLog;
  private readonly inflight = new Map<string, Promise<HesOutcome>>();
  private readonly listeners: HesListener[] = [];
  private readonly clock: Clock;
  private readonly links: SimLinks;
  private available = true;
  /** execute calls, and those for a commandId already finished or in flight (recognised resends). */
  private readonly calls = { execute: 0, resends: 0 };
  private cron: Cron | undefined;
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SimulatorOptions) {
    this.clock = options.clock ?? systemClock;
    this.links = new SimLinks(options);
    mkdirSync(options.dataDir, { recursive: true });
    this.log = new ExecutionLog(options.dataDir);
    const snapshot = path.join(options.dataDir, 'meters.json');
    if (existsSync(snapshot)) for (const m of JSON.parse(readFileSync(snapshot, 'utf8')) as SimMeterState[]) this.meters.set(m.mRID, m);
    if (options.collectSchedule) this.cron = new Cron(options.collectSchedule, () => void this.collect().catch(() => undefined));
  }

  // ---- HesPort ----
  async execute(command: HesCommand): Promise<HesOutcome> {
    this.calls.execute += 1;
    const done = this.log.get(command.commandId);
    // A resend while the first is still on its way joins it rather than acting twice.
    const running = this.inflight.get(command.commandId);
    if (done || running) this.calls.resends += 1;
    if (done) return done.outcome;
    if (running) return running;
    const run = this.run(command).finally(() => this.inflight.delete(command.commandId));
    this.inflight.set(command.commandId, run);
    return run;
  }

  async readOnDemand(meter: string, readingTypes: string[], start: Date, end: Date): Promise<Reading[]> {
    this.checkAvailable();
    const m = await this.find(meter);
    if (!m) throw new Error(`meter ${meter} is not known to the head-end`);
    const down = await this.links.hop(m.concentratorId);
    if (!down.ok) throw new Error(down.reason);
    const now = this.clock.now().getTime();
    advance(m, this.options.seed, now);
    const up = await this.links.hop(m.concentratorId);
    if (!up.ok) throw new Error(up.reason);
    return readingsFor(m, readingTypes, start.getTime(), end.getTime(), now);
  }

  async provision(meter: HesMeter): Promise<void> {
    if (!this.meters.has(meter.mRID)) this.meters.set(meter.mRID, newMeter(meter, this.options.seed, this.clock.now().getTime()));
    this.save();
  }

  async remove(mRID: string): Promise<void> {
    this.meters.delete(mRID);
    this.save();
  }

  listen(listener: HesListener): void {
    this.listeners.push(listener);
  }

  // ---- simulator controls (tests, the HTTP server, other issues' scenarios) ----
  configureConcentrator(id: string, link: Partial<PlcLinkParams>): void {
    this.links.configure(id, link);
  }

  /** Average S/N of a meter's link (undefined for cellular meters). */
  snrOf(meter: string): number | undefined {
    const m = this.meters.get(meter);
    return m?.concentratorId ? this.links.snr(m.concentratorId) : undefined;
  }

  setAvailable(available: boolean): void {
    this.available = available;
  }

  meter(mRID: string): Readonly<SimMeterState> | undefined {
    const m = this.meters.get(mRID);
    if (m) advance(m, this.options.seed, this.clock.now().getTime());
    return m;
  }

  executions(): Execution[] {
    return this.log.all();
  }

  stats(): { execute: number; resends: number; meters: number } {
    return { ...this.calls, meters: this.meters.size };
  }

  /** Cuts or restores supply at meters (an outage): energy stops, last-gasp / restore events are pushed. */
  async setSupply(meters: string[], on: boolean): Promise<DeviceEvent[]> {
    const now = this.clock.now().getTime();
    const events: DeviceEvent[] = [];
    for (const id of meters) {
      const m = this.meters.get(id);
      if (!m || m.powered === on) continue;
      advance(m, this.options.seed, now);
      m.powered = on;
      const type = on ? '3.26.0.216' : '3.26.0.85';
      events.push({ mRID: `${id}/${type}/${now}`, device: id, eventType: type, createdDateTime: now, details: [] });
    }
    this.save();
    if (events.length > 0) await this.push({ events });
    return events;
  }

  /**
   * One collection, pushed to listeners. Without a scope: every meter, no link modelled (the
   * head-end's own cron). With a scope: the named meters, each polled across its link (PLC or
   * cellular), so a concentrator whose S/N is below the threshold yields nothing and reports why.
   */
  async collect(scope?: HesCollectScope): Promise<HesCollection> {
    const now = this.clock.now().getTime();
    const into: Gathered = { readings: [], events: [] };
    const unreachable: HesCollection['unreachable'] = [];
    const what = scope?.what ?? 'all';
    // The simulator only keeps the 15-minute kWh profile: asked for other reading types, it has no readings to give.
    const wantsProfile = !scope?.readingTypes?.length || scope.readingTypes.includes(INTERVAL_KWH);
    const options = { seed: this.options.seed, now, readings: what !== 'events' && wantsProfile, events: what !== 'readings',
      statusWordProbability: this.options.statusWordProbability ?? 0.01 };
    if (scope) this.checkAvailable();
    for (const id of scope ? scope.meters : [...this.meters.keys()]) {
      const m = scope ? await this.find(id) : this.meters.get(id);
      const hop = !m ? { ok: false as const, reason: `meter ${id} is not known to the head-end` } : scope ? await this.links.hop(m.concentratorId) : { ok: true as const };
      if (hop.ok) gather(m!, options, into);
      else unreachable.push({ meter: id, reason: hop.reason });
    }
    this.save();
    await this.push(into);
    return { readings: into.readings.length, events: into.events.length, unreachable };
  }

  async stop(): Promise<void> {
    this.cron?.stop();
    clearTimeout(this.saveTimer);
    this.saveNow();
  }

  // ---- internals ----
  private async run(command: HesCommand): Promise<HesOutcome> {
    this.checkAvailable();
    const m = await this.find(command.meter);
    const now = () => this.clock.now().getTime();
    if (!m) return this.finish(command, false, { status: 'failed', transient: false, reason: `meter ${command.meter} is not known to the head-end` }, []);
    const down = await this.links.hop(m.concentratorId);
    if (!down.ok) return { status: 'failed', transient: true, reason: down.reason };
    const notAfter = command.params?.notAfter ? Date.parse(String(command.params.notAfter)) : undefined;
    if (notAfter !== undefined && now() > notAfter) {
      return this.finish(command, false, { status: 'failed', transient: false, reason: `execution window ended at ${new Date(notAfter).toISOString()}` }, []);
    }
    const applied = applyCommand(m, command, this.options.seed, now());
    const outcome = await this.finish(command, applied.executed, applied.outcome, applied.events);
    // The reply can be lost on the way back: the command did act, and a resend gets the recorded outcome.
    const up = await this.links.hop(m.concentratorId);
    if (!up.ok) return { status: 'failed', transient: true, reason: `${up.reason} (answer lost after execution)` };
    return outcome;
  }

  private async find(mRID: string): Promise<SimMeterState | undefined> {
    const known = this.meters.get(mRID);
    if (known || !this.options.lookupMeter) return known;
    const found = await this.options.lookupMeter(mRID);
    if (found) await this.provision(found);
    return this.meters.get(mRID);
  }

  private async finish(command: HesCommand, executed: boolean, outcome: HesOutcome, events: DeviceEvent[]): Promise<HesOutcome> {
    this.log.record({ commandId: command.commandId, meter: command.meter, kind: command.kind, executed, outcome, at: this.clock.now().toISOString() });
    this.save();
    if (events.length > 0) await this.push({ events });
    return outcome;
  }

  private checkAvailable(): void {
    if (!this.available) throw new HesUnavailable();
  }

  private async push(p: { readings?: Reading[]; events?: DeviceEvent[] }): Promise<void> {
    for (const l of this.listeners) {
      // A listener's failure must not undo what the meter did; the gateway re-reads on its own schedule.
      if (p.readings?.length) await l.onReadings(p.readings, 'HES-SIM').catch(() => undefined);
      if (p.events?.length) await l.onEvents(p.events, 'HES-SIM').catch(() => undefined);
    }
  }

  /** Meter state is snapshotted at most once a second (the execution log is what must never be lost). */
  private save(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => this.saveNow(), 1000);
    this.saveTimer.unref();
  }

  private saveNow(): void {
    this.saveTimer = undefined;
    const file = path.join(this.options.dataDir, 'meters.json');
    writeFileSync(`${file}.tmp`, JSON.stringify([...this.meters.values()]));
    renameSync(`${file}.tmp`, file);
  }
}
