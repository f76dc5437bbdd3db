import type { GatewayConfig } from '../../config/config.js';
import { replyError, type Reply, type ReplyError } from '../../cim/reply.js';
import { buildMessage, renderMessageXml } from '../../cim/response-writer.js';
import type { Clock } from '../../ports/clock.port.js';
import type { NetworkStore } from '../../ports/network-store.port.js';
import type { Outbox } from '../../ports/outbox.port.js';
import type { HandlerContext, Route } from '../../registry/handler-registry.js';
import { queryTopology, type MeterPage } from '../../use-cases/query-topology.use-case.js';
import { RESPONSE_ACTION } from '../../use-cases/run-async-requests.use-case.js';
import { child } from '../../xml/xnode.js';
import { itemReply } from './item-replies.js';
import { GET_MC_NS, meterConfigNode, readGetMeterConfig } from './meter-config.mapper.js';
import { pageToken, readPageOptions } from './page-token.js';

interface GetDeps {
  config: Readonly<GatewayConfig>;
  network: NetworkStore;
  outbox: Outbox;
  clock: Clock;
}

/**
 * get MeterConfig, in pages. Synchronous: one page per request, 0.1 and Reply/ID
 * kind="pageToken" while more follow, 0.2 on the last page of several. Asynchronous: every
 * page is its own ResponseMessage to ReplyAddress, in order, through the outbox.
 */
export function getRoute(deps: GetDeps): Route {
  return {
    needsPayload: false,
    requestElement: 'GetMeterConfig',
    handle: async (ctx) => {
      const kind = ctx.message.typedName ?? ctx.message.kind;
      const query = readGetMeterConfig(child(ctx.message.request, 'GetMeterConfig', GET_MC_NS));
      const page = readPageOptions(ctx.message.request, kind, deps.config.provisioning);
      if (!ctx.async) {
        const found = await queryTopology(deps.network, query, page.size, page.after);
        return { reply: pageReply(kind, found, query, page.after !== undefined), payload: meterConfigNode(found.meters, found.usagePoints) };
      }
      let after = page.after;
      for (let n = 1; ; n++) {
        const found = await queryTopology(deps.network, query, page.size, after);
        await enqueuePage(deps, ctx, n, pageReply(kind, found, query, n > 1 || page.after !== undefined), meterConfigNode(found.meters, found.usagePoints));
        if (!found.nextAfter) break;
        after = found.nextAfter;
      }
      return { reply: { result: 'OK', errors: [] }, deferred: true };
    },
  };
}

function pageReply(kind: string, page: MeterPage, query: ReturnType<typeof readGetMeterConfig>, continued: boolean): Reply {
  const named = { Meter: query.meters.length, UsagePoint: query.usagePoints.length };
  const base = itemReply(kind, page.errors, named, `/${kind}/Request/GetMeterConfig`);
  // Only named items can fail; a get that found something is at worst PARTIAL.
  const result: Reply['result'] = page.errors.length === 0 ? 'OK' : page.meters.length > 0 || continued ? 'PARTIAL' : 'FAILED';
  const errors: ReplyError[] = page.errors.length === 0 ? [] : base.errors;
  if (page.nextAfter) errors.push(replyError('0.1', { details: `${page.meters.length} meters in this page; send the pageToken back for the next` }));
  else if (continued) errors.push(replyError('0.2', { details: `${page.meters.length} meters in this last page` }));
  if (errors.length === 0) errors.push(replyError('0.0'));
  return { result, errors, ...(page.nextAfter ? { ids: [{ value: pageToken(page.nextAfter), kind: 'pageToken' }] } : {}) };
}

/** Page n of an async get: MessageID derived from the request's, so a re-run after a crash re-sends the same ids. */
async function enqueuePage(deps: GetDeps, ctx: HandlerContext, n: number, reply: Reply, payload: ReturnType<typeof meterConfigNode>): Promise<void> {
  const destination = ctx.message.header.replyAddress!;
  const messageId = `${ctx.messageId}-page-${n}`;
  const response = buildMessage({
    kind: 'ResponseMessage', verb: 'reply', noun: 'MeterConfig', source: deps.config.gateway.source, messageId, correlationId: ctx.correlationId,
    reply, payload, typed: ctx.message.form === 'typed', timestamp: deps.clock.now(),
  });
  await deps.outbox.enqueue({
    kind: 'reply', destination, protocol: replyProtocol(deps.config, destination), messageId, correlationId: ctx.correlationId,
    requestMessageId: ctx.messageId, orderingKey: `reply:${ctx.source}:${ctx.messageId}`, soapAction: RESPONSE_ACTION,
    body: renderMessageXml(response, ctx.message.rewrite),
  });
}

/** Same rule as the processor's (longest matching prefix, else the default); it is not exported there. */
function replyProtocol(config: Readonly<GatewayConfig>, address: string): 'SOAP' | 'REST' {
  const rules = Object.entries(config.replies.protocolByAddress).filter(([prefix]) => address.startsWith(prefix)).sort((a, b) => b[0].length - a[0].length);
  return rules[0]?.[1] ?? config.replies.defaultProtocol;
}
