import { createHash } from 'node:crypto';
import { failed, replyError, type Reply, type ReplyError } from '../../cim/reply.js';
import { buildMessage, renderMessageXml } from '../../cim/response-writer.js';
import type { ReadingTypeTable } from '../../domain/readings/reading-types.js';
import type { HandlerContext, HandlerOutcome, Route } from '../../registry/handler-registry.js';
import { getReadings, type ReadingsAnswer } from '../../use-cases/get-readings.use-case.js';
import { RESPONSE_ACTION } from '../../use-cases/run-async-requests.use-case.js';
import type { NounDeps } from '../noun-deps.js';
import { readSelection, requestOption } from './get-request.mapper.js';
import { meterReadingsNode } from './meter-readings.mapper.js';

/** Paging codes go first; 0.x alone keeps Result OK, any other error makes it PARTIAL. */
function pageReply(page: number, pages: number, errors: ReplyError[]): Reply {
  const paging = pages > 1 ? [replyError(page < pages ? '0.1' : '0.2', { details: `page ${page} of ${pages}` })] : [];
  if (errors.length > 0) return { result: 'PARTIAL', errors: [...paging, ...errors] };
  return { result: 'OK', errors: paging.length > 0 ? paging : [replyError('0.0')] };
}

/** A page's MessageID derived from the request, so a re-run of the job re-sends the same ids. */
function pageMessageId(ctx: HandlerContext, page: number): string {
  const h = createHash('sha256').update(`${ctx.source}\u0000${ctx.messageId}\u0000${page}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * `get MeterReadings`: from the store (or on demand from the head-end), in bounded pages. A
 * synchronous request gets the page named by Request/Option page (default 1); an async one gets
 * every page as its own ResponseMessage at ReplyAddress, in order (one ordering key).
 */
export function getHandler(deps: NounDeps, readingTypes: ReadingTypeTable): Route {
  const limits = deps.config.readings;
  const typeInfo = (code: string) => {
    const v = readingTypes.classify(code);
    return v.ok ? v.info : undefined;
  };
  const protocolFor = (address: string) => {
    const rules = Object.entries(deps.config.replies.protocolByAddress).filter(([prefix]) => address.startsWith(prefix)).sort((a, b) => b[0].length - a[0].length);
    return rules[0]?.[1] ?? deps.config.replies.defaultProtocol;
  };

  const sendPages = async (ctx: HandlerContext, answer: ReadingsAnswer): Promise<void> => {
    const address = ctx.message.header.replyAddress!;
    for (let n = 1; n <= answer.pages; n++) {
      const messageId = pageMessageId(ctx, n);
      const response = buildMessage({
        kind: 'ResponseMessage', verb: 'reply', noun: 'MeterReadings', source: deps.config.gateway.source, messageId,
        correlationId: ctx.correlationId, reply: pageReply(n, answer.pages, n === 1 ? answer.errors : []),
        payload: meterReadingsNode(await answer.page(n), typeInfo), typed: ctx.message.form === 'typed', timestamp: deps.clock.now(),
      });
      await deps.outbox.enqueue({
        kind: 'reply', destination: address, protocol: protocolFor(address), messageId, correlationId: ctx.correlationId,
        requestMessageId: ctx.messageId, orderingKey: `meter-readings:${ctx.source}:${ctx.messageId}`, soapAction: RESPONSE_ACTION,
        body: renderMessageXml(response, ctx.message.rewrite),
      });
    }
  };

  return {
    needsRequest: true,
    requestElement: 'GetMeterReadings',
    handle: async (ctx: HandlerContext): Promise<HandlerOutcome> => {
      const answer = await getReadings({
        store: deps.readings, meters: deps.meters, readingTypes, clock: deps.clock, ...(deps.hes ? { hes: deps.hes } : {}),
        limits: { pageSize: limits.pageSize, maxResultReadings: limits.maxResultReadings, maxMeters: limits.maxMetersPerGet, onDemandWhenEmpty: limits.onDemandWhenEmpty, onDemandWindowHours: limits.onDemandWindowHours },
      }, readSelection(ctx.message), { source: `${deps.config.gateway.source}:on-demand`, messageId: ctx.messageId });
      if (answer.failed) return { reply: failed(...answer.errors) };
      if (ctx.async && answer.pages > 1) {
        await sendPages(ctx, answer);
        return { reply: { result: 'OK', errors: [replyError('0.0')] }, deferred: true };
      }
      const requested = Number(requestOption(ctx.message, 'page') ?? '1');
      const page = Number.isInteger(requested) && requested >= 1 ? requested : 1;
      if (answer.pages > 0 && page > answer.pages) {
        return { reply: failed(replyError('1.6', { details: `page ${page} requested; the result has ${answer.pages} pages`, xpath: `/${ctx.message.typedName ?? ctx.message.kind}/Request/Option` })) };
      }
      return { reply: pageReply(page, answer.pages, answer.errors), payload: meterReadingsNode(await answer.page(page), typeInfo) };
    },
  };
}
