import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { ProtocolRejection } from '../cim/errors.js';
import { canonicalNs, SOAP11_NS, SOAP12_NS } from '../xml/namespaces.js';
import { MeterReadingBuilder } from '../domain/readings/meter-reading-builder.js';
import type { ParsedMeterReading } from '../domain/readings/meter-reading.js';

const MR_NS = 'http://iec.ch/TC57/2011/MeterReadings#';

/** One child element of the streamed MeterReadings, as source text (for validation) and, for MeterReading, mapped. */
export interface Fragment {
  name: string;
  /** 1-based among the fragments of the same name. */
  index: number;
  text: string;
  line: number;
  column: number;
  parsed?: ParsedMeterReading;
}

export interface StreamLimits {
  maxDepth: number;
  /** Elements allowed in one fragment (the buffered path bounds the whole message instead). */
  maxFragmentElements: number;
  /** Text kept before the payload's first element; beyond it the message is not streamed. */
  maxHeadChars: number;
}

type Scope = Map<string, string>;

/**
 * Reads a 61968-100 message (bare or in a SOAP envelope) as it arrives, with saxes: first the
 * head (everything before the MeterReadings content) as text, then the MeterReadings children
 * one by one. Only the fragment being read and the head are ever held in memory.
 */
export class MessageStreamReader {
  private readonly parser = new SaxesParser({ xmlns: false, position: true });
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private buf = '';
  private bufStart = 0;
  private depth = 0;
  private scopes: Scope[] = [new Map([['xml', 'http://www.w3.org/XML/1998/namespace']])];
  private readonly names: string[] = [];
  private messageDepth = 1;
  private mrDepth = -1;
  private phase: 'head' | 'payload' | 'tail' | 'other' = 'head';
  private fragStart = -1;
  private frag: Omit<Fragment, 'text' | 'index'> | undefined;
  /** Maps the MeterReading being read straight from the parser's events: no tree, no object per reading. */
  private builder: MeterReadingBuilder | undefined;
  private fragElements = 0;
  private readonly counts = new Map<string, number>();
  private readonly ready: Fragment[] = [];
  private ended = false;
  private rootClosed = false;
  private tailStart = -1;
  /** Namespace declarations in scope at MeterReadings, for the wrapper of each validated batch. */
  mrDeclarations = '';
  mrQName = '';

  constructor(private readonly source: AsyncIterator<Buffer>, private readonly limits: StreamLimits) {
    this.parser.on('opentagstart', (t) => this.onOpenStart(t.name));
    this.parser.on('opentag', (t) => this.onOpen(t));
    this.parser.on('closetag', (t) => this.onClose(t));
    this.parser.on('text', (t) => this.onText(t));
    this.parser.on('doctype', () => this.reject(400, 'DTD not allowed', 'document type declarations (DTD, entities) are not accepted'));
    this.parser.on('error', (err) => this.reject(400, 'Malformed XML', err.message.replace(/^[^:]*:\d+:\d+: /, '')));
  }

  /** Reads until the MeterReadings content starts. Streamable only for a MeterReadings payload. */
  async readHead(): Promise<{ streamable: true; skeleton: string } | { streamable: false; text: string }> {
    while (this.phase === 'head' && !this.ended && this.buf.length <= this.limits.maxHeadChars) await this.pull();
    if (this.skeleton === undefined) return { streamable: false, text: this.buf };
    return { streamable: true, skeleton: this.skeleton };
  }

  /** The message with an empty MeterReadings: what the normal checks see. */
  private skeleton: string | undefined;
  /** The message up to and including an empty MeterReadings; what followed it completes it. */
  emptyHead = '';

  /** Up to `max` complete fragments; empty once MeterReadings has closed. */
  async next(max: number): Promise<Fragment[]> {
    while (this.ready.length < max && this.phase === 'payload' && !this.ended) await this.pull();
    return this.ready.splice(0, max);
  }

  /** Reads to the end of the document (well-formedness); returns what followed MeterReadings. */
  async finish(): Promise<string> {
    while (!this.ended) await this.pull();
    return this.tailStart < 0 ? '' : this.buf.slice(this.tailStart - this.bufStart);
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
    return this.counts.get(name) ?? 0;
  }

  private async pull(): Promise<void> {
    const { value, done } = await this.source.next();
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
      if (!this.rootClosed) this.reject(400, 'Malformed XML', 'the document ended before its root element closed');
    }
    // Keep only what is still needed: the head (until decided), the open fragment, the tail.
    if (this.phase === 'tail' && this.buf.length - (this.tailStart - this.bufStart) > this.limits.maxHeadChars) {
      this.reject(413, 'Message too large', 'too much content after MeterReadings');
    }
    if (this.phase === 'payload') {
      // Outside a fragment keep from the last '<': a chunk may end inside the next start tag's name.
      const lastTag = this.bufStart + this.buf.lastIndexOf('<');
      const keep = this.fragStart >= 0 ? this.fragStart : Math.min(this.parser.position, lastTag < this.bufStart ? this.parser.position : lastTag);
      this.buf = this.buf.slice(keep - this.bufStart);
      this.bufStart = keep;
    }
  }

  private reject(status: number, title: string, detail: string): never {
    throw new ProtocolRejection(status, title, detail, { line: this.parser.line, column: this.parser.column + 1 });
  }

  private resolve(qname: string, scope: Scope): { ns: string; local: string } {
    const colon = qname.indexOf(':');
    const prefix = colon === -1 ? '' : qname.slice(0, colon);
    return { ns: scope.get(prefix) ?? '', local: colon === -1 ? qname : qname.slice(colon + 1) };
  }

  private onOpenStart(qname: string): void {
    if (this.phase === 'payload' && this.depth === this.mrDepth) {
      const at = this.buf.lastIndexOf('<', this.parser.position - 1 - this.bufStart);
      this.fragStart = this.bufStart + at;
      this.frag = { name: qname, line: this.parser.line, column: this.parser.column - (this.parser.position - this.fragStart) + 1 };
      this.fragElements = 0;
    }
  }

  private onOpen(tag: SaxesTagPlain): void {
    this.depth++;
    if (this.depth > this.limits.maxDepth) this.reject(400, 'XML too deep', `element nesting exceeds ${this.limits.maxDepth} levels`);
    let scope = this.scopes[this.scopes.length - 1]!;
    let attrs: Record<string, string> | undefined;
    for (const key in tag.attributes) {
      const value = tag.attributes[key]!;
      if (key === 'xmlns' || key.startsWith('xmlns:')) {
        if (scope === this.scopes[this.scopes.length - 1]) scope = new Map(scope);
        scope.set(key === 'xmlns' ? '' : key.slice(6), canonicalNs(value) ?? value);
      } else {
        (attrs ??= {})[key.slice(key.indexOf(':') + 1)] = value;
      }
    }
    this.scopes.push(scope);
    if (this.phase === 'head') {
      const { ns, local } = this.resolve(tag.name, scope);
      this.onHeadElement(tag, ns, local, scope);
    } else if (this.frag) {
      if (++this.fragElements > this.limits.maxFragmentElements) this.reject(413, 'Too many elements', `a ${this.frag.name} has more than ${this.limits.maxFragmentElements} elements`);
      // The mapping reads local names only (as the buffered path's); the namespaces are the validator's business.
      const local = tag.name.slice(tag.name.indexOf(':') + 1);
      if (this.depth === this.mrDepth + 1 && local === 'MeterReading') this.builder = new MeterReadingBuilder();
      this.builder?.open(local, attrs);
    }
    if (tag.isSelfClosing) return;
    if (this.depth <= this.messageDepth + 2) this.names.push(tag.name);
  }

  private onHeadElement(tag: SaxesTagPlain, ns: string, local: string, scope: Scope): void {
    if (this.depth === 1 && local === 'Envelope' && (ns === SOAP11_NS || ns === SOAP12_NS)) this.messageDepth = 3;
    if (this.depth !== this.messageDepth + 2) return;
    const parent = this.names[this.messageDepth];
    if (!parent || !parent.endsWith('Payload')) return;
    if (local !== 'MeterReadings' || ns !== MR_NS) {
      this.phase = 'other';
      return;
    }
    this.phase = 'payload';
    this.mrDepth = this.depth;
    this.mrQName = tag.name;
    const closers = this.names.slice(0, this.mrDepth - 1).reverse().map((n) => `</${n}>`).join('');
    this.emptyHead = `${this.buf.slice(0, this.parser.position - this.bufStart)}${tag.isSelfClosing ? '' : `</${tag.name}>`}`;
    this.skeleton = this.emptyHead + closers;
    this.mrDeclarations = [...scope].filter(([p]) => p !== 'xml').map(([p, uri]) => ` ${p === '' ? 'xmlns' : `xmlns:${p}`}="${uri}"`).join('');
    if (tag.isSelfClosing) {
      this.phase = 'tail';
      this.tailStart = this.parser.position;
    }
  }

  private onText(text: string): void {
    if (this.builder) this.builder.text(text);
    else if (this.phase === 'payload' && this.depth === this.mrDepth && text.trim() !== '') {
      this.reject(400, 'Malformed payload', 'MeterReadings holds text outside its elements');
    }
  }

  private onClose(tag: SaxesTagPlain): void {
    if (this.frag) {
      this.builder?.close();
      if (this.depth === this.mrDepth + 1) {
        const end = this.parser.position;
        const index = (this.counts.get(this.frag.name) ?? 0) + 1;
        this.counts.set(this.frag.name, index);
        const text = this.buf.slice(this.fragStart - this.bufStart, end - this.bufStart);
        this.ready.push({ ...this.frag, index, text, ...(this.builder ? { parsed: this.builder.result(index) } : {}) });
        this.builder = undefined;
        this.frag = undefined;
        this.fragStart = -1;
      }
    }
    if (this.phase === 'payload' && this.depth === this.mrDepth) {
      this.phase = 'tail';
      this.tailStart = this.parser.position;
    }
    if (this.depth <= this.messageDepth + 2 && !tag.isSelfClosing) this.names.pop();
    this.scopes.pop();
    this.depth--;
    if (this.depth === 0) this.rootClosed = true;
  }
}
