import { replyError, type Reply, type ReplyError } from '../../cim/reply.js';
import type { ReplyCode } from '../../cim/reply-codes.js';
import type { Command, CommandRequest } from './command.js';
import type { CommandState } from './command-state.js';

/** Reply code of a command that did not succeed (see docs/commands.md). */
const codeOf: Partial<Record<CommandState, ReplyCode>> = {
  failed: '5.3', // the head-end attempted it and the meter refused or failed
  dead: '4.1', // the head-end did not answer within the retry budget
  expired: '6.1', // the execution window ended before it could be sent
  canceled: '6.5', // canceled by the sender
};

const ids = (commands: Command[]): NonNullable<Reply['ids']> =>
  commands.map((c) => ({ value: c.commandId, kind: 'commandId', objectType: 'EndDeviceControl' }));

function rejectedErrors(rejected: CommandRequest['rejected']): ReplyError[] {
  return rejected.map((r) => replyError(r.code as ReplyCode, { details: r.details, ...(r.xpath ? { xpath: r.xpath } : {}) }));
}

/** The final answer: OK when every device succeeded, PARTIAL with one error per device that did not, FAILED when none did. */
export function finalReply(commands: Command[], rejected: CommandRequest['rejected']): Reply {
  const errors = [...rejectedErrors(rejected)];
  let succeeded = 0;
  for (const c of commands) {
    // Canceled by the sender is 6.5; canceled by the gateway (the meter was removed) is a business rule, 6.1.
    const code = c.state === 'canceled' && !c.detail?.startsWith('canceled by ') ? '6.1' : codeOf[c.state];
    if (!code) {
      succeeded += 1;
      continue;
    }
    errors.push(replyError(code, { details: `EndDevice ${c.meter}: ${c.kind} ${c.state}${c.detail ? ` (${c.detail})` : ''}; command ${c.commandId}` }));
  }
  if (errors.length === 0) return { result: 'OK', errors: [replyError('0.0')], ids: ids(commands) };
  return { result: succeeded > 0 ? 'PARTIAL' : 'FAILED', errors, ids: ids(commands) };
}

/** A synchronous create is answered once accepted: 0.3 with the commands (and 2.4 for devices refused). */
export function acceptedReply(commands: Command[], rejected: CommandRequest['rejected'], async: boolean): Reply {
  const waiting = commands.filter((c) => c.state !== 'succeeded' && !codeOf[c.state]).length;
  const ack = replyError('0.3', {
    reason: 'request accepted, result will follow',
    details: `${commands.length} device command(s) accepted, ${waiting} not yet final; ${async ? 'the outcome per device goes to ReplyAddress' : 'send AsyncReplyFlag and ReplyAddress to receive the outcome per device'}`,
  });
  const errors = rejectedErrors(rejected);
  return { result: errors.length > 0 ? 'PARTIAL' : 'OK', errors: [ack, ...errors], ids: ids(commands) };
}
