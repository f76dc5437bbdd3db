import type { GatewayConfig } from '../../config/config.js';
import { acceptedReply } from '../../domain/commands/command-outcome.js';
import type { Route } from '../../registry/handler-registry.js';
import { child } from '../../xml/xnode.js';
import type { CommandsFacade } from './commands-facade.js';
import { commandsPayload, readEndDeviceControls } from './end-device-controls.mapper.js';

/** Same rule as the core's: the longest configured prefix of the address decides SOAP or REST. */
function protocolFor(address: string, replies: GatewayConfig['replies']): 'SOAP' | 'REST' {
  const rules = Object.entries(replies.protocolByAddress).filter(([prefix]) => address.startsWith(prefix)).sort((a, b) => b[0].length - a[0].length);
  return rules[0]?.[1] ?? replies.defaultProtocol;
}

/**
 * create EndDeviceControls: every control × device is queued as its own command. Synchronous
 * requests are answered once accepted (0.3 with the commands in the payload); asynchronous ones
 * get their per-device outcome at ReplyAddress when the last command is final (deferred).
 */
export function createHandler(commands: CommandsFacade, config: Readonly<GatewayConfig>, nudge: () => void): Route {
  return {
    handle: async (ctx) => {
      const kind = ctx.message.typedName ?? ctx.message.kind;
      const controls = readEndDeviceControls(child(ctx.message.payload, 'EndDeviceControls')!, kind);
      const h = ctx.message.header;
      const replyAddress = ctx.async ? h.replyAddress : undefined;
      const { result } = await commands.accept(controls, {
        source: ctx.source, messageId: ctx.messageId, correlationId: ctx.correlationId, verb: ctx.verb,
        typed: ctx.message.form === 'typed', rewrite: [...ctx.message.rewrite.original.entries()],
        ...(h.messageId !== undefined ? { senderMessageId: h.messageId } : {}),
        ...(replyAddress ? { replyAddress, protocol: protocolFor(replyAddress, config.replies) } : {}),
      });
      nudge();
      const reply = acceptedReply(result.commands, result.request.rejected, ctx.async);
      return { reply, payload: commandsPayload(result.commands), ...(replyAddress ? { deferred: true } : {}) };
    },
  };
}
