import type { Logger } from '../logging/logger.js';
import type { CimMessage } from '../cim/message.js';
import type { Reply } from '../cim/reply.js';
import type { Verb } from '../cim/verbs.js';
import type { XNode } from '../xml/xnode.js';

export interface HandlerContext {
  message: CimMessage;
  verb: Verb;
  noun: string;
  /** The request's MessageID, or the one the gateway assigned. */
  messageId: string;
  /** Header/Source, or 'anonymous' when the peer sent none. */
  source: string;
  /** What the final answer carries as CorrelationID. */
  correlationId: string;
  /** True when running from the async inbox (the reply goes to ReplyAddress). */
  async: boolean;
  log: Logger;
}

export interface HandlerOutcome {
  reply: Reply;
  /** The noun element answered in Payload. */
  payload?: XNode;
  /**
   * The final answer is produced later by the use case itself (e.g. commands finishing on the
   * head-end) and queued to ReplyAddress from there. Only meaningful for async requests.
   */
  deferred?: boolean;
  /**
   * The message was refused as a whole after it started running (a schema error found while
   * streaming its payload): its (Source, MessageID) is not remembered, so a corrected resend runs.
   */
  forget?: boolean;
}

export interface Route {
  handle(ctx: HandlerContext): Promise<HandlerOutcome>;
  /** Payload must be present (1.7 otherwise); defaults to true for every verb but get. */
  needsPayload?: boolean;
  /** Request must be present (1.6 otherwise). */
  needsRequest?: boolean;
  /** Element expected inside Request (e.g. GetMeterReadings), for the typed WSDL. */
  requestElement?: string;
}

export interface RouteInfo {
  noun: string;
  verb: Verb;
  route: Route;
}

export type Lookup = { route: Route } | { code: '2.5' | '2.9' };

/** Routes (verb, noun) to handlers; the one place that knows which pairs exist. */
export class HandlerRegistry {
  private readonly routes = new Map<string, Map<Verb, Route>>();

  register(noun: string, verb: Verb, route: Route): this {
    const verbs = this.routes.get(noun) ?? new Map<Verb, Route>();
    if (verbs.has(verb)) throw new Error(`(${verb}, ${noun}) registered twice`);
    verbs.set(verb, route);
    this.routes.set(noun, verbs);
    return this;
  }

  find(verb: string, noun: string): Lookup {
    const verbs = this.routes.get(noun);
    if (!verbs) return { code: '2.5' };
    const route = verbs.get(verb as Verb);
    return route ? { route } : { code: '2.9' };
  }

  nouns(): string[] {
    return [...this.routes.keys()].sort();
  }

  verbs(noun: string): Verb[] {
    return [...(this.routes.get(noun)?.keys() ?? [])];
  }

  all(): RouteInfo[] {
    return this.nouns().flatMap((noun) => this.verbs(noun).map((verb) => ({ noun, verb, route: this.routes.get(noun)!.get(verb)! })));
  }
}
