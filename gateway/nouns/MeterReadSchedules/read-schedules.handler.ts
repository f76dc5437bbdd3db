import type { Route } from '../../registry/handler-registry.js';
import { cancelReadSchedules, createReadSchedules, type ScheduleDeps } from '../../use-cases/manage-read-schedules.use-case.js';
import { readSchedules, scheduleReply } from './read-schedules.mapper.js';

/**
 * create / cancel MeterReadSchedules. The answer names the schedules in Reply/ID (no payload: the
 * schema's MeterReadSchedule requires a TimeSchedule, which an answer has no reason to repeat).
 */
export function readSchedulesRoute(deps: ScheduleDeps, verb: 'create' | 'cancel'): Route {
  return {
    handle: async (ctx) => {
      const kind = ctx.message.typedName ?? ctx.message.kind;
      const specs = readSchedules(ctx.message.payload);
      const r = verb === 'create'
        ? await createReadSchedules(deps, specs, ctx.source).then((x) => ({ ids: x.created, errors: x.errors }))
        : await cancelReadSchedules(deps, specs.map((s) => s.mRID)).then((x) => ({ ids: x.canceled, errors: x.errors }));
      if (r.ids.length > 0) ctx.log.info({ verb, schedules: r.ids }, 'read schedules');
      return { reply: scheduleReply(kind, specs.length, r.ids, r.errors, specs) };
    },
  };
}
