import { replyError, type Reply, type ReplyError } from '../cim/reply.js';
import type { Command } from '../domain/commands/command.js';
import type { Clock } from '../ports/clock.port.js';
import type { CommandQueue } from '../ports/command-queue.port.js';

export interface CancelTarget {
  mRID?: string;
  /** Only these meters of the control (empty: all of them). */
  meters: string[];
  xpath: string;
}

/**
 * cancel EndDeviceControls: the sender's controls (by mRID, its own Source only) lose every
 * command not yet sent (6.5 in their final answer); commands already with the head-end or final
 * are reported (5.2) and left alone.
 */
export async function cancelCommands(targets: CancelTarget[], meta: { source: string; messageId: string }, deps: { queue: CommandQueue; clock: Clock }): Promise<{ reply: Reply; commands: Command[] }> {
  const errors: ReplyError[] = [];
  const all: Command[] = [];
  let canceled = 0;
  for (const t of targets) {
    if (t.mRID === undefined) {
      errors.push(replyError('2.15', { details: 'a cancel names the EndDeviceControl by its mRID', xpath: t.xpath }));
      continue;
    }
    const found = await deps.queue.byControl(meta.source, t.mRID, t.meters.length > 0 ? t.meters : undefined);
    if (found.length === 0) {
      errors.push(replyError('2.15', { details: `no EndDeviceControl ${t.mRID} from Source ${meta.source}${t.meters.length ? ` for ${t.meters.join(', ')}` : ''}`, xpath: `${t.xpath}/mRID` }));
      continue;
    }
    const after = await deps.queue.cancel(found.map((c) => c.commandId), `canceled by ${meta.source} (cancel ${meta.messageId})`, deps.clock.now());
    for (const c of after) {
      if (c.state === 'canceled' && found.find((f) => f.commandId === c.commandId)?.state !== 'canceled') canceled += 1;
      else if (c.state !== 'canceled') errors.push(replyError('5.2', { details: `EndDevice ${c.meter}: command ${c.commandId} is already ${c.state}; not canceled`, xpath: `${t.xpath}/mRID` }));
    }
    all.push(...after);
  }
  const ids = all.filter((c) => c.state === 'canceled').map((c) => ({ value: c.commandId, kind: 'commandId', objectType: 'EndDeviceControl' }));
  const reply: Reply = errors.length === 0
    ? { result: 'OK', errors: [replyError('0.0')], ids }
    : { result: canceled > 0 ? 'PARTIAL' : 'FAILED', errors, ...(ids.length ? { ids } : {}) };
  return { reply, commands: all };
}
