import { CimError } from '../../cim/errors.js';
import { failed } from '../../cim/reply.js';
import type { ReadingTypeTable } from '../../domain/readings/reading-types.js';
import { StreamedMeterReadings } from '../../ingest/streamed-meter-readings.js';
import type { HandlerContext, HandlerOutcome, Route } from '../../registry/handler-registry.js';
import { ReadingIngestion } from '../../use-cases/ingest-readings.use-case.js';
import { child, children } from '../../xml/xnode.js';
import type { NounDeps } from '../noun-deps.js';
import { parseMeterReading } from './meter-readings.mapper.js';

/**
 * `created MeterReadings` (a head-end's load profiles) and `create MeterReadings` (an MDM's
 * estimates): both store readings. A streamed message's MeterReading elements are read while
 * they arrive; a buffered one's are already in the payload. Either way one commit at the end.
 */
export function ingestHandler(deps: NounDeps, readingTypes: ReadingTypeTable): Route {
  return {
    handle: async (ctx: HandlerContext): Promise<HandlerOutcome> => {
      const kind = ctx.message.typedName ?? ctx.message.kind;
      const ingestion = await ReadingIngestion.begin(
        { store: deps.readings, meters: deps.meters, readingTypes },
        { source: ctx.source, messageId: ctx.messageId, receivedAt: deps.clock.now() },
        `/${kind}/Payload/MeterReadings`,
      );
      try {
        const streamed = ctx.message.streamed;
        if (streamed instanceof StreamedMeterReadings) {
          try {
            await streamed.feed(ingestion, `/${kind}/Payload/MeterReadings`);
          } catch (err) {
            if (!(err instanceof CimError)) throw err;
            // A schema error deep in the stream: as on the buffered path, nothing is stored and the
            // MessageID stays free for the corrected resend.
            await ingestion.abort();
            return { reply: failed(...err.errors), forget: true };
          }
        } else {
          const elements = children(child(ctx.message.payload, 'MeterReadings'), 'MeterReading');
          const batch = deps.config.readings.streaming.fragmentsPerBatch;
          for (let i = 0; i < elements.length; i += batch) {
            await ingestion.add(elements.slice(i, i + batch).map((e, j) => parseMeterReading(e, i + j + 1)));
          }
        }
        const { reply, stats } = await ingestion.commit();
        ctx.log.info({ ...stats, result: reply.result, streamed: streamed !== undefined }, 'readings ingested');
        return { reply };
      } catch (err) {
        await ingestion.abort();
        throw err;
      }
    },
  };
}
