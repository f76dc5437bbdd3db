import { randomUUID } from 'node:crypto';
import { ProtocolRejection } from '../../cim/errors.js';
import type { MessageProcessor, Processed } from '../../cim/message-processor.js';
import { renderMessageXml } from '../../cim/response-writer.js';
import type { Logger } from '../../logging/logger.js';
import type { Authenticator } from '../../security/authenticator.js';
import type { Credentials } from '../../security/peer-identity.js';
import { jsonToXnode, xnodeToJson } from '../../xml/json-mapping.js';
import { MSG_NS } from '../../xml/namespaces.js';
import type { SchemaSet } from '../../xml/schema-set.js';
import { writeXml } from '../../xml/xml-writer.js';
import { child, children, textAt } from '../../xml/xnode.js';
import { mediaType, parseInbound, type HttpAnswer } from '../inbound-xml.js';
import { problem, rejectionProblem } from './problem.js';

type Format = 'xml' | 'json';

export interface RestRequest {
  body: string;
  contentType?: string;
  accept?: string;
  /** What the connection presented: client certificate, bearer token. */
  credentials: Credentials;
  /** The payload content still arriving (streaming ingress); `body` is then the message without it. */
  streamed?: object;
}

function formatOf(type: string): Format | undefined {
  if (type === 'application/xml' || type === 'text/xml' || /^application\/[\w.+-]*\+xml$/.test(type)) return 'xml';
  if (type === 'application/json' || /^application\/[\w.+-]*\+json$/.test(type)) return 'json';
  return undefined;
}

/** Accept negotiation between the two formats, defaulting to the request's. */
function answerFormat(accept: string | undefined, requestFormat: Format): Format | undefined {
  if (!accept || accept.trim() === '') return requestFormat;
  const ranges = accept.split(',').map((r) => {
    const [type, ...params] = r.split(';').map((s) => s.trim().toLowerCase());
    const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? '1');
    return { type: type!, q: Number.isFinite(q) ? q : 1 };
  }).filter((r) => r.q > 0).sort((a, b) => b.q - a.q);
  for (const r of ranges) {
    if (r.type === '*/*' || r.type === 'application/*') return requestFormat;
    const f = formatOf(r.type);
    if (f) return f;
  }
  return undefined;
}

/**
 * HTTP status for a Reply: the body is always the ResponseMessage, the status lets plain
 * REST clients branch without reading it (docs/protocol.md has the table).
 */
export function statusFor(processed: Processed): number {
  if (processed.acknowledged) return 202;
  if (processed.result !== 'FAILED') return 200;
  const code = textAt(children(child(processed.response, 'Reply'), 'Error', MSG_NS)[0], 'code') ?? '';
  const [major, minor] = code.split('.');
  if (major === '1') return 400;
  if (major === '2') return 422;
  if (code === '3.1') return 413;
  if (code === '3.2') return 409;
  if (code === '4.1') return 504;
  if (major === '5') return minor === '1' ? 503 : 500;
  if (major === '6') return 409;
  if (major === '7') return minor === '2' || minor === '4' || minor === '1' ? 401 : 403;
  return 400;
}

/** The REST binding, socket-free: same messages as SOAP, in XML or in the documented JSON form. */
export class RestIngress {
  constructor(
    private readonly processor: Pick<MessageProcessor, 'process'>,
    private readonly schemas: SchemaSet,
    private readonly maxJsonDepth: number,
    private readonly log: Logger,
    private readonly authenticator: Authenticator,
    private readonly onRejected: (reason: string) => void = () => undefined,
  ) {}

  async handle(req: RestRequest): Promise<HttpAnswer> {
    const requestFormat = formatOf(mediaType(req.contentType));
    if (!requestFormat) {
      return problem(415, 'Unsupported media type', `send application/xml (or text/xml) or application/json; got '${req.contentType ?? 'none'}'`);
    }
    const format = answerFormat(req.accept, requestFormat);
    if (!format) return problem(406, 'Not acceptable', `answers are application/xml or application/json; Accept was '${req.accept}'`);
    try {
      const xml = requestFormat === 'json' ? this.jsonAsXml(req.body) : req.body;
      const parsed = parseInbound(xml);
      try {
        const auth = await this.authenticator.authenticate(req.credentials, 'i6-rest');
        const caller = { auth, iface: 'i6-rest' as const, ...(req.credentials.remoteAddress ? { remoteAddress: req.credentials.remoteAddress } : {}) };
        const processed = await this.processor.process({ element: parsed.doc.root, sourceText: parsed.text, rewrite: parsed.rewrite, transport: 'rest', reportPositions: requestFormat === 'xml', caller, ...(req.streamed ? { streamed: req.streamed } : {}) });
        const status = statusFor(processed);
        if (format === 'json') {
          return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(xnodeToJson(processed.response, this.schemas.repeatable)) };
        }
        return { status, contentType: 'application/xml; charset=utf-8', body: renderMessageXml(processed.response, processed.rewrite) };
      } finally {
        parsed.doc.dispose();
      }
    } catch (err) {
      if (err instanceof ProtocolRejection) {
        this.onRejected(err.title);
      this.log.warn({ transport: 'rest', title: err.title, detail: err.message, ...err.where }, 'message rejected');
        return rejectionProblem(err);
      }
      const reference = randomUUID();
      this.log.error({ err, reference }, 'technical failure on REST request');
      return problem(500, 'Internal error', `the message was not processed; reference ${reference}`, { reference });
    }
  }

  private jsonAsXml(body: string): string {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (err) {
      throw new ProtocolRejection(400, 'Malformed JSON', `the body is not valid JSON: ${(err as Error).message}`);
    }
    const root = jsonToXnode(value, this.maxJsonDepth);
    return writeXml(root, { prefixes: { [MSG_NS]: 'm' } });
  }
}
