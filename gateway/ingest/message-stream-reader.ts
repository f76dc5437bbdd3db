import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { ProtocolRejection } from '../cim/errors.js';
import { canonicalNs, SOAP11_NS, SOAP12_NS } from '../xml/namespaces.js';
import { BatchWriter, type BatchShape, type WrittenBatch } from './batch-writer.js';
import { PayloadScanner } from './payload-scanner.js';

const MR_NS = 'http://iec.ch/TC57/2011/MeterReadings#';

export interface StreamLimits {
  maxDepth: number;
  /** Elements allowed in one fragment (the buffered path bounds the whole message instead). */
  maxFragmentElements: number;
  /** Bytes of one MeterReadings child: what the scanner keeps at most. */
  maxFragmentBytes: number;
  /** Text kept before the payload's first element, and after MeterReadings; beyond it the message is not streamed. */
  maxHeadChars: number;
}

type Scope = Map<string, string>;

/**
 * Reads a 61968-100 message (bare or in a SOAP envelope) as it arrives. The head (everything
 * up to the MeterReadings start tag) is parsed with saxes and kept as text: it goes through the
 * normal checks as the skeleton. The MeterReadings content is then cut into fragments by the
 * PayloadScanner straight from the bytes, written into batches for validation; what follows
 * MeterReadings is kept as text and checked with the head at the end. Only the fragment being
 * read, the batches in flight and the head are ever held in memory.
 */
export class MessageStreamReader {
  private readonly parser = new SaxesParser({ xmlns: false, position: true });
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private buf = '';
  private depth = 0;
  private scopes: Scope[] = [new Map([['xml', 'http://www.w3.org/XML/1998/namespace']])];
  private readonly names: string[] = [];
  private messageDepth = 1;
  private phase: 'head' | 'payload' | 'other' = 'head';
  /** The raw bytes read while in the head: the scanner starts inside them. */
  private raw: Buffer[] = [];
  private rawBytes = 0;
  private bom = false;
  private startTag: { end: number; depth: number; qname: string; line: number; column: number; selfClosing: boolean } | undefined;
  private scanner: PayloadScanner | undefined;
  private writer: BatchWriter | undefined;
  private ended = false;
  private rootClosed = false;
  /** Namespace declarations in scope at MeterReadings, for the wrapper of each validated batch. */
  mrDeclarations = '';
  mrQName = '';

  constructor(private readonly source: AsyncIterator<Buffer>, private readonly limits: StreamLimits, private readonly shape: BatchShape) {
    this.parser.on('opentag', (t) => this.onOpen(t));
    this.parser.on('closetag', (t) => this.onClose(t));
    this.parser.on('doctype', () => { if (this.phase === 'head') this.reject(400, 'DTD not allowed', 'document type declarations (DTD, entities) are not accepted'); });
    this.parser.on('error', (err) => { if (this.phase !== 'payload') this.reject(400, 'Malformed XML', err.message.replace(/^[^:]*:\d+:\d+: /, '')); });
  }

  /** Reads until the MeterReadings content starts. Streamable only for a MeterReadings payload. */
  async readHead(): Promise<{ streamable: true; skeleton: string } | { streamable: false; text: string }> {
    while (this.phase === 'head' && !this.ended && this.buf.length <= this.limits.maxHeadChars) await this.pull();
    if (this.phase !== 'payload') {
      this.raw = [];
      return { streamable: false, text: this.buf };
    }
    return { streamable: true, skeleton: this.skeleton! };
  }

  /** The message with an empty MeterReadings: what the normal checks see. */
  private skeleton: string | undefined;

  /** The next batch of complete fragments; undefined once MeterReadings has closed and all were given. */
  async nextBatch(): Promise<WrittenBatch | undefined> {
    const writer = this.writer!;
    while (!writer.hasReady && !this.scanner!.closed && !this.ended) await this.pull();
    return writer.hasReady ? writer.take() : writer.flush();
  }

  /** Off once the message has failed: fragments are still cut and validated, no longer mapped. */
  set mapping(on: boolean) {
    if (this.scanner) this.scanner.mapping = on;
  }

  /**
   * Reads to the end of the body; returns the message without the fragments (head, what followed
   * the last fragment, the MeterReadings end tag and what followed it), for the final check.
   */
  async finish(): Promise<string> {
    while (!this.ended) await this.pull();
    const scanner = this.scanner!;
    let rest: string;
    try {
      rest = this.decoder.decode(scanner.rest());
    } catch {
      this.reject(400, 'Unreadable body', 'the body is not valid UTF-8');
    }
    const start = this.startTag!;
    const trailing = scanner.trailing ? this.decoder.decode(scanner.trailing) : '';
    return `${this.buf.slice(0, start.end)}${trailing}${start.selfClosing ? '' : `</${start.qname}>`}${rest}`;
  }

  /**
   * A position in finish()'s text → the same place in the sender's document: the fragments that
   * were cut out come back in between.
   */
  senderPosition(line: number | undefined, column: number | undefined): { line?: number; column?: number } {
    const start = this.startTag;
    const trailing = this.scanner?.trailingAt;
    if (line === undefined || !start || !trailing || line < start.line || (line === start.line && (column ?? 0) < start.column)) {
      return { ...(line !== undefined ? { line } : {}), ...(column !== undefined ? { column } : {}) };
    }
    if (line === start.line) return { line: trailing.line, ...(column !== undefined ? { column: trailing.column + column - start.column } : {}) };
    return { line: line + trailing.line - start.line, ...(column !== undefined ? { column } : {}) };
  }

  /** The whole body as text, for a message that is not streamed (read on unparsed, bounded). */
  async rest(maxChars: number): Promise<string> {
    for (;;) {
      if (this.buf.length > maxChars) throw new ProtocolRejection(413, 'Message too large', `the body exceeds ${maxChars} bytes`);
      const { value, done } = await this.source.next();
      if (done) return this.buf + this.decoder.decode();
      this.buf += this.decoder.decode(value, { stream: true });
    }
  }

  /** Discards the rest of the body unread (the answer did not need it). */
  async drain(): Promise<void> {
    while (!(await this.source.next()).done) { /* discard */ }
    this.ended = true;
  }

  count(name: string): number {
    return this.scanner?.count(name) ?? 0;
  }

  private async pull(): Promise<void> {
    const { value, done } = await this.source.next();
    if (this.scanner) {
      if (done) {
        this.ended = true;
        this.scanner.end();
      } else this.scanner.push(value);
      return;
    }
    if (!done) {
      if (this.rawBytes === 0 && value.length >= 3 && value[0] === 0xef && value[1] === 0xbb && value[2] === 0xbf) this.bom = true;
      this.raw.push(value);
      this.rawBytes += value.length;
    }
    let chunk: string;
    try {
      chunk = done ? this.decoder.decode() : this.decoder.decode(value, { stream: true });
    } catch {
      this.reject(400, 'Unreadable body', 'the body is not valid UTF-8');
    }
    this.buf += chunk;
    this.parser.write(chunk);
    if (done) {
      this.parser.close();
      this.ended = true;
      if (this.phase !== 'payload' && !this.rootClosed) this.reject(400, 'Malformed XML', 'the document ended before its root element closed');
    }
    if (this.phase === 'payload') this.startScanner();
  }

  /** From here on the bytes go to the scanner; saxes has read the chunk to its end but its events are ignored. */
  private startScanner(): void {
    const start = this.startTag!;
    this.writer = new BatchWriter(`<${this.mrQName}${this.mrDeclarations}>`, `</${this.mrQName}>`, this.shape);
    this.scanner = new PayloadScanner(
      { depth: start.depth, qname: start.qname, line: start.line, column: start.column },
      { maxDepth: this.limits.maxDepth, maxFragmentElements: this.limits.maxFragmentElements, maxFragmentBytes: this.limits.maxFragmentBytes, maxTailBytes: this.limits.maxHeadChars },
      (info, bytes, from, to) => this.writer!.add(info, bytes, from, to),
    );
    const offset = Buffer.byteLength(this.buf.slice(0, start.end)) + (this.bom ? 3 : 0);
    const raw = Buffer.concat(this.raw, this.rawBytes);
    this.raw = [];
    if (start.selfClosing) this.scanner.closeEmpty();
    this.scanner.push(raw.subarray(offset));
    if (this.ended) this.scanner.end();
  }

  private reject(status: number, title: string, detail: string): never {
    throw new ProtocolRejection(status, title, detail, { line: this.parser.line, column: this.parser.column + 1 });
  }

  private resolve(qname: string, scope: Scope): { ns: string; local: string } {
    const colon = qname.indexOf(':');
    const prefix = colon === -1 ? '' : qname.slice(0, colon);
    return { ns: scope.get(prefix) ?? '', local: colon === -1 ? qname : qname.slice(colon + 1) };
  }

  private onOpen(tag: SaxesTagPlain): void {
    if (this.phase === 'payload') return;
    this.depth++;
    if (this.depth > this.limits.maxDepth) this.reject(400, 'XML too deep', `element nesting exceeds ${this.limits.maxDepth} levels`);
    let scope = this.scopes[this.scopes.length - 1]!;
    for (const key in tag.attributes) {
      if (key === 'xmlns' || key.startsWith('xmlns:')) {
        if (scope === this.scopes[this.scopes.length - 1]) scope = new Map(scope);
        const value = tag.attributes[key]!;
        scope.set(key === 'xmlns' ? '' : key.slice(6), canonicalNs(value) ?? value);
      }
    }
    this.scopes.push(scope);
    if (this.phase === 'head') {
      const { ns, local } = this.resolve(tag.name, scope);
      if (this.onHeadElement(tag, ns, local, scope)) return;
    }
    if (!tag.isSelfClosing && this.depth <= this.messageDepth + 2) this.names.push(tag.name);
  }

  /** True when this element is the streamed MeterReadings: the payload starts after it. */
  private onHeadElement(tag: SaxesTagPlain, ns: string, local: string, scope: Scope): boolean {
    if (this.depth === 1 && local === 'Envelope' && (ns === SOAP11_NS || ns === SOAP12_NS)) this.messageDepth = 3;
    if (this.depth !== this.messageDepth + 2) return false;
    const parent = this.names[this.messageDepth];
    if (!parent || !parent.endsWith('Payload')) return false;
    if (local !== 'MeterReadings' || ns !== MR_NS) {
      this.phase = 'other';
      return false;
    }
    this.phase = 'payload';
    this.mrQName = tag.name;
    const end = this.parser.position;
    this.startTag = { end, depth: this.depth, qname: tag.name, line: this.parser.line, column: this.parser.column + 1, selfClosing: tag.isSelfClosing };
    const closers = this.names.slice(0, this.depth - 1).reverse().map((n) => `</${n}>`).join('');
    this.skeleton = `${this.buf.slice(0, end)}${tag.isSelfClosing ? '' : `</${tag.name}>`}${closers}`;
    this.mrDeclarations = [...scope].filter(([p]) => p !== 'xml').map(([p, uri]) => ` ${p === '' ? 'xmlns' : `xmlns:${p}`}="${uri}"`).join('');
    return true;
  }

  private onClose(tag: SaxesTagPlain): void {
    if (this.phase === 'payload') return;
    if (this.depth <= this.messageDepth + 2 && !tag.isSelfClosing) this.names.pop();
    this.scopes.pop();
    this.depth--;
    if (this.depth === 0) this.rootClosed = true;
  }
}
