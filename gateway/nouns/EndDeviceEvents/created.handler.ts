import { CimError } from '../../cim/errors.js';
import { replyError, type Reply } from '../../cim/reply.js';
import type { Route } from '../../registry/handler-registry.js';
import { child } from '../../xml/xnode.js';
import type { EventsFacade } from './events-facade.js';
import { readEndDeviceEvents } from './end-device-events.mapper.js';

/**
 * created EndDeviceEvents (a head-end's EventMessage) and create EndDeviceEvents: every event
 * with a known device is stored (a repeat is accepted silently); an unknown device is a 2.4 for
 * that item; a code missing from the mapping table is stored, flagged and reported as a WARNING.
 */
export function createdHandler(events: EventsFacade): Route {
  return {
    handle: async (ctx) => {
      const kind = ctx.message.typedName ?? ctx.message.kind;
      const read = readEndDeviceEvents(child(ctx.message.payload, 'EndDeviceEvents')!, kind);
      const outcomes = await events.ingest(read.map((r) => r.event), ctx.source);
      const fatal = outcomes.filter((o) => o.status === 'unknown-device').map((o) => {
        const { event, xpath } = read[o.index]!;
        return event.device
          ? replyError('2.4', { details: `no meter or concentrator ${event.device}; the event was not stored`, xpath: `${xpath}/Assets` })
          : replyError('2.4', { details: `no meter for UsagePoint ${event.usagePoint ?? '(none given)'}; the event was not stored`, xpath: `${xpath}/${event.usagePoint ? 'UsagePoint' : 'Assets'}` });
      });
      const warnings = outcomes.filter((o) => o.flagged).map((o) => replyError('0.0', {
        level: 'WARNING',
        reason: 'event stored and flagged: EndDeviceEventType not in the mapping table',
        details: `EndDeviceEventType ${read[o.index]!.event.eventType} is not in mappings/end-device-event-types.json`,
        xpath: `${read[o.index]!.xpath}/EndDeviceEventType`,
      }));
      const accepted = outcomes.length - fatal.length;
      if (accepted === 0) throw new CimError(fatal);
      const reply: Reply = fatal.length > 0
        ? { result: 'PARTIAL', errors: [...fatal, ...warnings] }
        : { result: 'OK', errors: warnings.length > 0 ? warnings : [replyError('0.0')] };
      return { reply };
    },
  };
}
