import { finalReply } from '../domain/commands/command-outcome.js';
import type { Command } from '../domain/commands/command.js';
import { buildMessage, renderMessageXml } from '../cim/response-writer.js';
import type { Clock } from '../ports/clock.port.js';
import type { CommandQueue } from '../ports/command-queue.port.js';
import { textAt, type XNode } from '../xml/xnode.js';
import { RESPONSE_ACTION } from './run-async-requests.use-case.js';

/**
 * Async create EndDeviceControls: once every command of a request is final, its ResponseMessage
 * (per-device outcome) is queued to the ReplyAddress, in the transaction that marks the request
 * answered, so it is sent exactly once even if the process dies around it.
 */
export function replyCommands(deps: { queue: CommandQueue; clock: Clock; source: string; toPayload: (commands: Command[]) => XNode }) {
  return async (): Promise<number> => {
    const due = await deps.queue.dueReplies(50);
    for (const { request, commands } of due) {
      const now = deps.clock.now();
      const response = buildMessage({
        kind: 'ResponseMessage', verb: 'reply', noun: 'EndDeviceControls', source: deps.source, correlationId: request.correlationId,
        reply: finalReply(commands, request.rejected), payload: deps.toPayload(commands), typed: request.typed, timestamp: now,
      });
      await deps.queue.closeRequest(request.id, {
        kind: 'reply', destination: request.replyAddress!, protocol: request.protocol ?? 'SOAP', messageId: textAt(response, 'Header', 'MessageID')!,
        correlationId: request.correlationId, requestMessageId: request.messageId, soapAction: RESPONSE_ACTION,
        body: renderMessageXml(response, { original: new Map(request.rewrite) }),
      }, now);
    }
    return due.length;
  };
}
