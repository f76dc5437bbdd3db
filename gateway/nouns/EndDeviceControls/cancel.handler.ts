import type { Route } from '../../registry/handler-registry.js';
import { child } from '../../xml/xnode.js';
import type { CommandsFacade } from './commands-facade.js';
import { commandsPayload, readCancelTargets } from './end-device-controls.mapper.js';

/** cancel EndDeviceControls: the named controls' commands not yet sent are canceled (6.5 for their request). */
export function cancelHandler(commands: CommandsFacade): Route {
  return {
    handle: async (ctx) => {
      const kind = ctx.message.typedName ?? ctx.message.kind;
      const targets = readCancelTargets(child(ctx.message.payload, 'EndDeviceControls')!, kind);
      const { reply, commands: touched } = await commands.cancel(targets, { source: ctx.source, messageId: ctx.messageId });
      return { reply, ...(touched.length > 0 ? { payload: commandsPayload(touched) } : {}) };
    },
  };
}
