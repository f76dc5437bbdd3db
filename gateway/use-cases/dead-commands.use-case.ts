import { isFinal, type CommandState } from '../domain/commands/command-state.js';
import type { DeadCommandLetters, DeadCommandMessage, DeadLetterAction } from '../ports/command-bus.port.js';
import type { CommandQueue } from '../ports/command-queue.port.js';

/**
 * What the worker would do with a dead message if it were delivered now, read from the queue (the
 * truth): `current` — its command is `sent` under this very lease, it would be executed (under the
 * same commandId, which the head-end de-duplicates); `final` and `stale` (an older lease) — it would be
 * acknowledged and dropped; `unknown` (no such command, or another meter) and `unparseable` — it
 * would die again.
 */
export type DeadVerdict = 'current' | 'stale' | 'final' | 'unknown' | 'unparseable';

export interface DeadCommandView extends DeadCommandMessage {
  verdict: DeadVerdict;
  command?: { state: CommandState; attempts: number };
}

export interface DeadSelection {
  limit: number;
  /** Only these commands' messages (default: every message). */
  commandIds?: string[];
}

async function view(queue: CommandQueue, d: DeadCommandMessage): Promise<DeadCommandView> {
  if (!d.message) return { ...d, verdict: 'unparseable' };
  const c = await queue.get(d.message.commandId);
  if (!c || c.meter !== d.message.meter) return { ...d, verdict: 'unknown' };
  const command = { state: c.state, attempts: c.attempts };
  if (isFinal(c.state)) return { ...d, verdict: 'final', command };
  return { ...d, verdict: c.state === 'sent' && c.attempts === d.message.attempt ? 'current' : 'stale', command };
}

const selected = (s: DeadSelection, d: DeadCommandMessage) => !s.commandIds || (d.message !== undefined && s.commandIds.includes(d.message.commandId));

/**
 * The operator's path for dead-lettered command messages (cluster profile): list them with their
 * commands' state, replay them, or discard them. Replay publishes every selected message that names a
 * command, whatever its verdict, and lets the worker decide: a final command or an older lease is
 * dropped there, so replaying never executes a command twice. Messages naming no command are kept
 * (they would only die again) until discarded.
 */
export function deadCommands(deps: { letters: DeadCommandLetters; queue: CommandQueue }) {
  const { letters, queue } = deps;
  const settle = async (s: DeadSelection, decide: (v: DeadCommandView) => DeadLetterAction) => {
    const messages: (DeadCommandView & { action: DeadLetterAction })[] = [];
    const counts = await letters.settle(s.limit, async (d) => {
      const v = await view(queue, d);
      const action = selected(s, d) ? decide(v) : 'keep';
      messages.push({ ...v, action });
      return action;
    });
    return { ...counts, messages };
  };
  return {
    list: async (limit: number): Promise<DeadCommandView[]> => Promise.all((await letters.peek(limit)).map((d) => view(queue, d))),
    replay: (s: DeadSelection) => settle(s, (v) => (v.verdict === 'unknown' || v.verdict === 'unparseable' ? 'keep' : 'replay')),
    /** `verdicts` narrows further (e.g. only `unknown`); without it every selected message is discarded. */
    discard: (s: DeadSelection & { verdicts?: DeadVerdict[] }) => settle(s, (v) => (!s.verdicts || s.verdicts.includes(v.verdict) ? 'discard' : 'keep')),
  };
}

export type DeadCommands = ReturnType<typeof deadCommands>;
