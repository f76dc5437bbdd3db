import type { IncomingMessage } from 'node:http';
import { availableParallelism } from 'node:os';
import type { GatewayConfig } from '../config/config.js';
import { ProtocolRejection } from '../cim/errors.js';
import { replyError, type ReplyError } from '../cim/reply.js';
import type { HttpAnswer } from '../ingress/inbound-xml.js';
import { mediaType, parseInbound } from '../ingress/inbound-xml.js';
import { XmlElement } from 'libxml2-wasm';
import { rejectionProblem } from '../ingress/rest/problem.js';
import type { RestIngress } from '../ingress/rest/rest-ingress.js';
import type { SoapIngress } from '../ingress/soap/soap-ingress.js';
import type { Logger } from '../logging/logger.js';
import { SOAP11_NS, SOAP12_NS } from '../xml/namespaces.js';
import type { SchemaSet } from '../xml/schema-set.js';
import { inlineValidator, workerValidator, type FragmentValidator } from './fragment-validator.js';
import { MessageStreamReader } from './message-stream-reader.js';
import { StreamedMeterReadings } from './streamed-meter-readings.js';
import { transportCredentials } from '../security/transport-credentials.js';

export type Binding = 'rest' | 'soap';

export interface StreamingDeps {
  config: Readonly<GatewayConfig>;
  schemas: SchemaSet;
  soap: SoapIngress;
  rest: RestIngress;
  log: Logger;
}

const XML_TYPES = new Set(['application/xml', 'text/xml', 'application/soap+xml']);

/**
 * Large XML bodies are not buffered: the head is read first and handed (with an empty
 * MeterReadings) to the same ingress cores and message processor as any message, so every check,
 * the routing and idempotency are the usual ones; the route then reads the MeterReadings content
 * from the stream. A large body that is not a MeterReadings payload is buffered as before.
 */
export class StreamingIngress {
  private readonly validator: FragmentValidator;

  constructor(private readonly deps: StreamingDeps) {
    const s = deps.config.readings.streaming;
    // The request thread validates a batch itself when every worker already has the others in flight waiting.
    this.workers = s.worker ? s.validationWorkers ?? Math.max(1, availableParallelism() - 1) : 0;
    this.inFlightBatches = s.inFlightBatches ?? (deps.config.profile === 'cluster' ? 5 : 3);
    this.validator = this.workers > 0
      ? workerValidator(deps.config.schemas.folders, { workers: this.workers, inline: { schemas: deps.schemas, queue: Math.max(1, this.inFlightBatches - 1) } })
      : inlineValidator(deps.schemas);
  }

  private readonly workers: number;
  private readonly inFlightBatches: number;

  /** Starts the validation threads now (called when the gateway starts listening) unless configured to start on first use. */
  warm(): Promise<void> {
    const { config } = this.deps;
    const warm = config.readings.streaming.warmWorkers ?? config.profile === 'cluster';
    return warm ? this.validator.warm() : Promise.resolve();
  }

  /** Over the threshold, or of unknown length (chunked), and XML. */
  wants(req: IncomingMessage): boolean {
    if (!XML_TYPES.has(mediaType(req.headers['content-type']))) return false;
    if (req.headers['content-encoding'] && req.headers['content-encoding'] !== 'identity') return false;
    const length = req.headers['content-length'];
    if (length === undefined) return req.headers['transfer-encoding'] !== undefined;
    return Number(length) > this.deps.config.readings.streaming.thresholdBytes;
  }

  async handle(req: IncomingMessage, binding: Binding): Promise<HttpAnswer> {
    const { config } = this.deps;
    const limit = config.readings.streaming.maxBytes;
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      req.resume();
      return this.reject(binding, req, new ProtocolRejection(413, 'Message too large', `the body exceeds ${limit} bytes`));
    }
    const s = config.readings.streaming;
    const reader = new MessageStreamReader(bounded(req, limit), {
      maxDepth: config.limits.maxDepth, maxFragmentElements: config.limits.maxElements, maxFragmentBytes: s.maxFragmentBytes, maxHeadChars: 1024 * 1024,
    }, { fragments: s.fragmentsPerBatch, bytes: s.batchBytes, buffer: (min) => this.validator.buffer(min), release: (b) => this.validator.release(b) });
    const common = { contentType: req.headers['content-type'], credentials: transportCredentials(req), ...(binding === 'rest' ? { accept: req.headers.accept } : { soapAction: req.headers.soapaction as string | undefined }) };
    const run = (body: string, streamed?: StreamedMeterReadings) =>
      binding === 'rest' ? this.deps.rest.handle({ body, ...common, ...(streamed ? { streamed } : {}) }) : this.deps.soap.handle({ body, ...common, ...(streamed ? { streamed } : {}) });
    let streamed: StreamedMeterReadings | undefined;
    try {
      const head = await reader.readHead();
      if (!head.streamable) return await run(await reader.rest(config.limits.maxBodyBytes));
      streamed = new StreamedMeterReadings(reader, this.validator, {
        // Each further worker gets its own batches in flight.
        inFlightBatches: this.inFlightBatches + Math.max(0, this.workers - 1),
        stagingFragments: s.stagingFragments ?? (config.profile === 'cluster' ? 100 : s.fragmentsPerBatch),
        checkRest: (rest) => this.checkRest(rest),
      });
      return await run(head.skeleton, streamed);
    } catch (err) {
      if (err instanceof ProtocolRejection) return this.reject(binding, req, err);
      throw err;
    } finally {
      // Whatever the answer, the sender's body is read to its end so the answer reaches it.
      if (!req.readableEnded) await reader.drain().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.validator.close();
  }

  /**
   * The message around the payload, complete now (head, MeterReadings without its fragments, what
   * followed), against the schemas; parseInbound throws the buffered path's 400 when it is not well-formed.
   */
  private checkRest(whole: string): ReplyError[] {
    const parsed = parseInbound(whole);
    try {
      let root = parsed.doc.root;
      if (root.name === 'Envelope' && (root.namespaceUri === SOAP11_NS || root.namespaceUri === SOAP12_NS)) {
        const message = root.find('./*[local-name()="Body"]/*')[0];
        if (message instanceof XmlElement) root = message;
      }
      return this.deps.schemas.validate(root, whole).slice(0, 20).map((i) => replyError('1.8', {
        details: [i.line && `line ${i.line}`, i.column && `column ${i.column}`].filter(Boolean).join(', ') + (i.line ? ': ' : '') + i.message,
        ...(i.xpath ? { xpath: i.xpath } : {}),
      }));
    } finally {
      parsed.doc.dispose();
    }
  }

  private reject(binding: Binding, req: IncomingMessage, err: ProtocolRejection): HttpAnswer {
    if (binding === 'rest') return rejectionProblem(err);
    return this.deps.soap.fault(mediaType(req.headers['content-type']) === 'application/soap+xml' ? '1.2' : '1.1', err);
  }
}

/** The request body as Buffers, refusing more than `limit` bytes. */
async function* bounded(req: IncomingMessage, limit: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > limit) throw new ProtocolRejection(413, 'Message too large', `the body exceeds ${limit} bytes`);
    yield chunk as Buffer;
  }
}
