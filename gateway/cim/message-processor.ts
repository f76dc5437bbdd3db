import { randomUUID } from 'node:crypto';
import type { XmlElement } from 'libxml2-wasm';
import type { GatewayConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { Clock } from '../ports/clock.port.js';
import type { MessageKey, MessageStore } from '../ports/message-store.port.js';
import type { HandlerContext, HandlerRegistry, Route } from '../registry/handler-registry.js';
import type { Caller, MessageSecurity } from '../security/message-security.js';
import type { Peer } from '../security/peer-identity.js';
import type { NsRewrite } from '../xml/namespaces.js';
import type { SchemaSet } from '../xml/schema-set.js';
import { toXNode } from '../xml/xml-parser.js';
import { child, children, textAt, type XNode } from '../xml/xnode.js';
import { classifyRoot, readMessage } from './envelope-reader.js';
import { CimError } from './errors.js';
import type { CimMessage } from './message.js';
import { missingHeader, revisionErrors, verbAndNounErrors } from './message-checks.js';
import { inflatePayload, nounElement } from './payload.js';
import { failed, ok, replyError, type Reply, type ReplyError } from './reply.js';
import { buildMessage } from './response-writer.js';
import { verbNeedsPayload, type Verb } from './verbs.js';

export interface InboundDocument {
  /** The 61968-100 message element (the SOAP Body child, or the document root). */
  element: XmlElement;
  /** The text it was parsed from, namespaces already normalised (for error columns). */
  sourceText?: string;
  rewrite: NsRewrite;
  transport: 'soap' | 'rest';
  /** Line/column refer to what the sender wrote (not so for JSON, which is converted first). */
  reportPositions: boolean;
  /** Who sent it, as the ingress established (authentication outcome, interface, address). */
  caller: Caller;
  /**
   * Set by the streaming ingress: `element` is then the message without its payload's content,
   * which the route reads from this object while it arrives (see gateway/ingest/).
   */
  streamed?: object;
}

export interface Processed {
  /** The answer: a ResponseMessage tree in the generic or typed form. */
  response: XNode;
  rewrite: NsRewrite;
  result: Reply['result'];
  acknowledged: boolean;
  /** What the request said it was, for logs and metrics. */
  verb?: string;
  noun?: string;
}

export interface ProcessorDeps {
  config: Readonly<GatewayConfig>;
  schemas: SchemaSet;
  registry: HandlerRegistry;
  store: MessageStore;
  clock: Clock;
  log: Logger;
  security: MessageSecurity;
}

const MAX_REPORTED_ERRORS = 20;

/**
 * Validate → route → run, for one message however it arrived. Transport concerns (SOAP
 * envelopes, media types, JSON) stay in ingress; functional failures come back as a Reply,
 * technical ones are thrown for the transport to turn into a fault.
 */
export class MessageProcessor {
  constructor(private readonly deps: ProcessorDeps) {}

  async process(input: InboundDocument): Promise<Processed> {
    const started = process.hrtime.bigint();
    const processed = await this.check(input);
    const header = processed.response.children?.[0];
    // One line per message, carrying the ids a support engineer searches by.
    this.deps.log.info({
      transport: input.transport,
      verb: processed.verb,
      noun: processed.noun,
      correlationId: textAt(header, 'CorrelationID'),
      replyMessageId: textAt(header, 'MessageID'),
      result: processed.result,
      codes: children(child(processed.response, 'Reply'), 'Error').map((e) => textAt(e, 'code')),
      ms: Number(process.hrtime.bigint() - started) / 1e6,
    }, 'message answered');
    return processed;
  }

  private async check(input: InboundDocument): Promise<Processed> {
    const { config, schemas } = this.deps;
    const root = toXNode(input.element, config.limits);
    const shape = classifyRoot(root.ns, root.name);
    const message = readMessage(root, input.rewrite);
    // MessageID is optional in the schema and real MDMs omit it: assign one at once so every
    // answer, even a rejection, carries a CorrelationID the sender can quote.
    const messageId = message.header.messageId ?? randomUUID();
    if (input.streamed) message.streamed = input.streamed;
    const answer = (reply: Reply, payload?: XNode) => this.answer(message, reply, payload, messageId);

    const missing = missingHeader(message);
    if (missing.length > 0) return answer(failed(...missing));

    // Authentication before validation: an unauthenticated sender costs no schema work.
    const kindName = message.typedName ?? message.kind;
    const identified = await this.deps.security.identify(input.caller, message, kindName, this.deps.clock.now());
    if ('errors' in identified) return answer(failed(...identified.errors));
    const { peer } = identified;

    const issues = schemas.validate(input.element, input.sourceText);
    if (!input.reportPositions) for (const i of issues) { delete i.line; delete i.column; }
    if (issues.length > 0) {
      return answer(failed(...issues.slice(0, MAX_REPORTED_ERRORS).map((i) => replyError('1.8', {
        details: [i.line && `line ${i.line}`, i.column && `column ${i.column}`].filter(Boolean).join(', ') + (i.line ? ': ' : '') + i.message,
        ...(i.xpath ? { xpath: i.xpath } : {}),
      }))));
    }

    const protocolErrors = [...verbAndNounErrors(message, shape), ...revisionErrors(message, config.protocol.acceptedRevisions)];
    if (protocolErrors.length > 0) return answer(failed(...protocolErrors));

    if (message.kind === 'ResponseMessage' || message.kind === 'FaultMessage') return this.acceptPeerReply(message);

    const refused = await this.deps.security.authorise(input.caller, peer, message, kindName, this.deps.clock.now());
    if (refused.length > 0) return answer(failed(...refused));

    const verb = message.header.verb as Verb;
    const noun = message.header.noun!;
    const found = this.deps.registry.find(verb, noun);
    if ('code' in found) {
      const xpath = `/${message.typedName ?? message.kind}/Header/${found.code === '2.5' ? 'Noun' : 'Verb'}`;
      const details = found.code === '2.5' ? `noun ${noun} is not served here` : `(${verb}, ${noun}) is not supported; ${noun} supports: ${this.deps.registry.verbs(noun).join(', ')}`;
      return answer(failed(replyError(found.code, { details, xpath })));
    }

    try {
      this.checkParts(message, found.route, verb, noun);
    } catch (err) {
      if (err instanceof CimError) return answer(failed(...err.errors));
      throw err;
    }
    return this.run(message, found.route, verb, noun, messageId, input.caller, peer);
  }

  /** Required parts, Compressed payloads and the payload's element, per route. */
  private checkParts(message: CimMessage, route: Route, verb: Verb, noun: string): void {
    const kind = message.typedName ?? message.kind;
    const needsPayload = route.needsPayload ?? verbNeedsPayload(verb);
    if (message.payload) message.payload = inflatePayload(message.payload, kind, this.deps.schemas, this.deps.config.limits);
    const nounNode = nounElement(message.payload, noun, kind);
    if (needsPayload && !nounNode) {
      throw new CimError(replyError('1.7', { details: `${verb} ${noun} needs a Payload with a ${noun} element`, xpath: `/${kind}/Payload` }));
    }
    if (route.needsRequest && !message.request) {
      throw new CimError(replyError('1.6', { details: `${verb} ${noun} needs a Request element`, xpath: `/${kind}/Request` }));
    }
  }

  private async run(message: CimMessage, route: Route, verb: Verb, noun: string, messageId: string, caller: Caller, peer: Peer): Promise<Processed> {
    const { header } = message;
    const kind = message.typedName ?? message.kind;
    const source = header.source ?? 'anonymous';
    if (!header.messageId && this.deps.config.protocol.requireMessageIdFrom.includes(source)) {
      return this.answer(message, failed(replyError('1.5', { details: `Source ${source} must send a MessageID`, xpath: `/${kind}/Header/MessageID` })));
    }
    if (header.asyncReplyFlag && !header.replyAddress) {
      return this.answer(message, failed(replyError('1.5', { details: 'AsyncReplyFlag is true but Header/ReplyAddress is missing', xpath: `/${kind}/Header/ReplyAddress` })));
    }
    const key: MessageKey = { source, messageId };
    const now = this.deps.clock.now();
    const claim = await this.deps.store.claim(key, { verb, noun }, now, this.deps.config.protocol.idempotencyLeaseSeconds);
    if (claim.state === 'done') return this.replay(message, claim.response.message);
    if (claim.state === 'in-progress') {
      return this.answer(message, failed(replyError('3.2', { details: `a message with Source ${source} and MessageID ${messageId} is still being processed; resend later for its answer` })), undefined, messageId);
    }

    const capped = await this.deps.security.admitEffects(caller, peer, message, now).catch(async (err: unknown) => {
      await this.deps.store.release(key);
      throw err;
    });
    if (capped.length > 0) {
      // Stored as the key's answer: a resend of the same message gets the same refusal, not a second count.
      const refusal = this.answer(message, failed(...capped), undefined, messageId);
      await this.deps.store.complete(key, { message: JSON.stringify(refusal.response) });
      return refusal;
    }

    const correlationId = header.correlationId ?? messageId;
    // A streamed payload exists only while its request is open, so it cannot wait in the inbox.
    if (header.asyncReplyFlag && !message.streamed) {
      const ack = this.answer(message, { result: 'OK', errors: [replyError('0.3', { reason: 'accepted, result will be sent to ReplyAddress' })] }, undefined, messageId);
      await this.deps.store.acceptAsync(key, { message: JSON.stringify(ack.response) }, {
        message: JSON.stringify({ ...message, rewrite: undefined }),
        replyAddress: header.replyAddress!,
        protocol: this.protocolFor(header.replyAddress!),
        typed: message.form === 'typed',
        rewrite: [...message.rewrite.original.entries()],
      }, now);
      return { ...ack, acknowledged: true };
    }

    try {
      const outcome = await this.execute(message, route, { verb, noun, messageId, source, correlationId, async: false });
      const answered = this.answer(message, outcome.reply, outcome.payload, messageId);
      if (outcome.forget) await this.deps.store.release(key);
      else await this.deps.store.complete(key, { message: JSON.stringify(answered.response) });
      return answered;
    } catch (err) {
      await this.deps.store.release(key);
      throw err;
    }
  }

  /** Runs a handler; a CimError is a functional answer, anything else propagates. */
  async execute(message: CimMessage, route: Route, ctx: Omit<HandlerContext, 'message' | 'log'>) {
    const log = this.deps.log.child({ messageId: ctx.messageId, correlationId: ctx.correlationId, verb: ctx.verb, noun: ctx.noun });
    try {
      return await route.handle({ ...ctx, message, log });
    } catch (err) {
      if (err instanceof CimError) return { reply: failed(...err.errors) };
      throw err;
    }
  }

  /** A peer's (async) ResponseMessage or FaultMessage to us: logged and acknowledged. */
  private acceptPeerReply(message: CimMessage): Processed {
    this.deps.log.info({ correlationId: message.header.correlationId, noun: message.header.noun, source: message.header.source }, 'peer reply received');
    return this.answer(message, ok());
  }

  private replay(message: CimMessage, stored: string): Processed {
    const response = JSON.parse(stored) as XNode;
    const result = (textAt(child(response, 'Reply'), 'Result') ?? 'OK') as Reply['result'];
    return { response, rewrite: message.rewrite, result, acknowledged: result === 'OK' && isAck(response), verb: message.header.verb, noun: message.header.noun };
  }

  answer(message: CimMessage, reply: Reply, payload?: XNode, messageId?: string): Processed {
    const { header } = message;
    const response = buildMessage({
      kind: 'ResponseMessage',
      verb: 'reply',
      noun: header.noun ?? '',
      source: this.deps.config.gateway.source,
      correlationId: header.correlationId ?? messageId ?? header.messageId,
      reply,
      ...(payload ? { payload } : {}),
      typed: message.form === 'typed' && Boolean(header.noun),
      timestamp: this.deps.clock.now(),
    });
    return { response, rewrite: message.rewrite, result: reply.result, acknowledged: false, verb: header.verb, noun: header.noun };
  }

  protocolFor(address: string): 'SOAP' | 'REST' {
    const rules = Object.entries(this.deps.config.replies.protocolByAddress).filter(([prefix]) => address.startsWith(prefix));
    rules.sort((a, b) => b[0].length - a[0].length);
    return rules[0]?.[1] ?? this.deps.config.replies.defaultProtocol;
  }
}

export type { ReplyError };

function isAck(response: XNode): boolean {
  return children(child(response, 'Reply'), 'Error').some((e) => textAt(e, 'code') === '0.3');
}
