import { Cron } from 'croner';
import { commandIdFor, type NewCommand } from '../domain/commands/command.js';
import type { ControlTypeTable } from '../domain/commands/control-types.js';
import type { DeviceEvent } from '../domain/events/device-event.js';
import type { Command } from '../domain/commands/command.js';
import type { Clock } from '../ports/clock.port.js';
import type { CommandQueue } from '../ports/command-queue.port.js';
import type { NetworkStore } from '../ports/network-store.port.js';

export const CLOCK_DRIFT_EVENT = '3.36.0.79';
const PAGE = 1000;

/**
 * Meter time synchronisation (seed sequence 4). On a schedule, every in-service meter gets a
 * time-sync command (one request per run, keyed by the run's minute, so a restart in the same
 * minute adds nothing; it expires after `validMs`). A sync that corrected more than the
 * threshold raises a clock-drift event.
 */
export function timeSyncCommands(deps: {
  queue: CommandQueue; network: NetworkStore; table: ControlTypeTable; clock: Clock; source: string;
  thresholdSeconds: number; validMs: number; ingestEvents: (events: DeviceEvent[], source: string) => Promise<unknown>;
}) {
  const type = deps.table.codes().map((c) => deps.table.get(c)!).find((t) => t.hes === 'time-sync');

  const runOnce = async (): Promise<number> => {
    if (!type) throw new Error('no time-sync EndDeviceControlType in the mapping table');
    const now = deps.clock.now();
    const run = now.toISOString().slice(0, 16);
    const notAfter = new Date(now.getTime() + deps.validMs);
    const commands: NewCommand[] = [];
    for (let after: string | undefined, page; (page = await deps.network.listMeters(PAGE, after)).length > 0; after = page.at(-1)!.mRID) {
      for (const m of page.filter((x) => x.status !== 'removed')) {
        const commandKey = `${deps.source}|timesync:${run}|${m.mRID}`;
        commands.push({ commandId: commandIdFor(commandKey), commandKey, meter: m.mRID, deviceLabel: m.mRID, kind: 'time-sync', controlType: type.code,
          source: deps.source, params: { notAfter: notAfter.toISOString() }, priority: deps.table.priorityOf(type), notAfter, reason: 'scheduled time synchronisation' });
      }
      if (page.length < PAGE) break;
    }
    if (commands.length === 0) return 0;
    const messageId = `timesync-${run}`;
    const r = await deps.queue.accept({ source: deps.source, messageId, correlationId: messageId, verb: 'create', typed: false, rewrite: [], rejected: [] }, commands, now);
    return r.created ? r.commands.length : 0;
  };

  /**
   * Hook for the dispatcher: a sync that found the clock off by more than the threshold raises an
   * event. Idempotent (the dispatcher calls it again when a redelivery finds the sync succeeded): the
   * event's time is the command's success, so a repeat is the same event and the store keeps one.
   */
  const onSucceeded = async (c: Command): Promise<void> => {
    const offset = c.values?.clockOffsetSeconds;
    if (c.kind !== 'time-sync' || offset === undefined || Math.abs(offset) <= deps.thresholdSeconds) return;
    await deps.ingestEvents([{
      mRID: `${c.commandId}/drift`, device: c.meter, eventType: CLOCK_DRIFT_EVENT, createdDateTime: c.updatedAt.getTime(), reason: 'clock drift beyond tolerance, corrected by time synchronisation',
      details: [{ name: 'clockOffsetSeconds', value: String(offset) }, { name: 'thresholdSeconds', value: String(deps.thresholdSeconds) }, { name: 'commandId', value: c.commandId }],
    }], deps.source);
  };

  const schedule = (cron: string, onError: (err: unknown) => void): Cron => new Cron(cron, () => void runOnce().catch(onError));

  return { runOnce, onSucceeded, schedule };
}
