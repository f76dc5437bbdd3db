import { CimError } from '../../cim/errors.js';
import { replyError, type Reply } from '../../cim/reply.js';
import type { Route } from '../../registry/handler-registry.js';
import type { EventsFacade } from './events-facade.js';
import { endDeviceEventsNode, readCriteria } from './end-device-events.mapper.js';

const codes = { device: '2.4', group: '2.4', usagePoint: '2.12' } as const;

/** get EndDeviceEvents (seed sequence 3, extraction on demand) from the event store. */
export function getHandler(events: EventsFacade): Route {
  return {
    needsRequest: true,
    requestElement: 'GetEndDeviceEvents',
    handle: async (ctx) => {
      const kind = ctx.message.typedName ?? ctx.message.kind;
      const found = await events.find(readCriteria(ctx.message.request, kind));
      const errors = found.unknown.map((u) => replyError(codes[u.kind], {
        details: `unknown ${u.kind === 'group' ? 'EndDeviceGroup' : u.kind === 'device' ? 'EndDevice' : 'UsagePoint'} ${u.ref.mRID ?? u.ref.name}`, xpath: u.xpath,
      }));
      // Nothing named exists: a failure, unlike a known device without events (OK, no payload).
      if (found.nothingKnown) throw new CimError(errors);
      if (found.truncated) errors.push(replyError('0.2', { details: `more than ${found.events.length} events match; narrow the time window` }));
      const reply: Reply = errors.length === 0 ? { result: 'OK', errors: [replyError('0.0')] } : { result: 'PARTIAL', errors };
      return { reply, ...(found.events.length > 0 ? { payload: endDeviceEventsNode(found.events) } : {}) };
    },
  };
}
