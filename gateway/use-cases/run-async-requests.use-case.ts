import { randomUUID } from 'node:crypto';
import type { MessageProcessor } from '../cim/message-processor.js';
import type { CimMessage } from '../cim/message.js';
import { failed, replyError } from '../cim/reply.js';
import { renderMessageXml } from '../cim/response-writer.js';
import type { Verb } from '../cim/verbs.js';
import type { Logger } from '../logging/logger.js';
import type { Clock } from '../ports/clock.port.js';
import type { InboundJob, MessageStore } from '../ports/message-store.port.js';
import type { HandlerRegistry } from '../registry/handler-registry.js';
import { textAt } from '../xml/xnode.js';

const MAX_JOB_ATTEMPTS = 5;

/** SOAPAction of the generic WSDL's Response operation, used when answering a SOAP peer. */
export const RESPONSE_ACTION = 'http://iec.ch/TC57/2011/schema/message/Response';

/**
 * Works the durable inbox of async requests: runs each through its handler and queues the
 * final ResponseMessage to the sender's ReplyAddress in the same transaction that closes it.
 */
export function runAsyncRequests(deps: { store: MessageStore; registry: HandlerRegistry; processor: MessageProcessor; clock: Clock; log: Logger; leaseSeconds: number }) {
  const { store, registry, processor, clock, log } = deps;

  const replyFor = (job: InboundJob, message: CimMessage, outcome: Awaited<ReturnType<MessageProcessor['execute']>>) => {
    const answered = processor.answer(message, outcome.reply, outcome.payload, job.messageId);
    const messageId = textAt(answered.response, 'Header', 'MessageID') ?? randomUUID();
    return {
      kind: 'reply' as const,
      destination: job.replyAddress,
      protocol: job.protocol,
      messageId,
      correlationId: message.header.correlationId ?? job.messageId,
      requestMessageId: job.messageId,
      soapAction: RESPONSE_ACTION,
      body: renderMessageXml(answered.response, message.rewrite),
    };
  };

  const runOne = async (job: InboundJob): Promise<void> => {
    const message = { ...(JSON.parse(job.message) as CimMessage), rewrite: { original: new Map(job.rewrite) } };
    const verb = message.header.verb as Verb;
    const noun = message.header.noun!;
    const found = registry.find(verb, noun);
    try {
      if ('code' in found) throw new Error(`(${verb}, ${noun}) no longer routed`);
      const outcome = await processor.execute(message, found.route, {
        verb, noun, messageId: job.messageId, source: job.source, correlationId: message.header.correlationId ?? job.messageId, async: true,
      });
      await store.finishJob(job.id, outcome.deferred ? undefined : replyFor(job, message, outcome), clock.now());
    } catch (err) {
      const final = job.attempts >= MAX_JOB_ATTEMPTS;
      log.error({ err, messageId: job.messageId, attempt: job.attempts, final }, 'async request failed');
      if (!final) return store.failJob(job.id, (err as Error).message, true);
      // The sender is told, rather than left waiting for an answer that will never come.
      const reply = failed(replyError('5.3', { details: `processing failed after ${job.attempts} attempts` }));
      await store.finishJob(job.id, replyFor(job, message, { reply }), clock.now());
    }
  };

  return async (): Promise<number> => {
    const jobs = await store.nextJobs(8, clock.now(), deps.leaseSeconds);
    for (const job of jobs) await runOne(job);
    return jobs.length;
  };
}
