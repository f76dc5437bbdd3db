import { ProtocolRejection } from '../cim/errors.js';
import { El, ELEMENT_NAMES, Field, MeterReadingBuilder } from '../domain/readings/meter-reading-builder.js';
import type { ParsedMeterReading } from '../domain/readings/meter-reading.js';
import { parseTimestampBytes } from '../domain/readings/timestamp.js';
import { decodeAttribute, decodeCData, decodeText, parseDecimalBytes } from './xml-bytes.js';

/** One child element of the streamed MeterReadings, located in the sender's document. */
export interface FragmentInfo {
  /** Local name. */
  name: string;
  /** 1-based among the fragments of the same name. */
  index: number;
  /** Where the fragment's text starts: it includes what came between the previous element and this one. */
  line: number;
  column: number;
  /** Where the element's start tag is. */
  elementLine: number;
  elementColumn: number;
  /** The element or one below it declares namespaces (their URIs are normalised before validation). */
  declaresNamespaces: boolean;
  parsed?: ParsedMeterReading;
}

/** Receives each fragment's bytes; `bytes` is only valid during the call. */
export type FragmentSink = (info: FragmentInfo, bytes: Buffer, start: number, end: number) => void;

export interface ScanLimits {
  maxDepth: number;
  /** Elements allowed in one fragment. */
  maxFragmentElements: number;
  /** Bytes of one fragment (with what preceded it): the scanner's memory bound. */
  maxFragmentBytes: number;
  /** Bytes kept after MeterReadings closed (the rest of the message). */
  maxTailBytes: number;
}

export interface ScanStart {
  /** Depth of the MeterReadings element from the document root (1-based). */
  depth: number;
  /** Its qualified name as written, to match the end tag. */
  qname: string;
  /** Position of the first byte after its start tag. */
  line: number;
  column: number;
}

const LT = 0x3c, GT = 0x3e, SLASH = 0x2f, BANG = 0x21, QM = 0x3f, DQ = 0x22, SQ = 0x27, EQ = 0x3d;
const LF = 0x0a, COLON = 0x3a, DASH = 0x2d, LBRACKET = 0x5b;
const COMMENT_END = Buffer.from('-->');
const CDATA_END = Buffer.from(']]>');
const PI_END = Buffer.from('?>');
const CDATA_OPEN = Buffer.from('<![CDATA[');
/** libxml2 refuses longer names (XML_MAX_NAME_LENGTH) unless told otherwise. */
const MAX_NAME = 50_000;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
/** A byte that ends a name: whitespace, '/', '>', '=', quotes, '<'. Bytes of a malformed name are libxml2's to refuse. */
const endsName = (c: number) => c <= 0x20 || c === SLASH || c === GT || c === EQ || c === DQ || c === SQ || c === LT;

/**
 * Element names the mapping reads, keyed by length, first and last byte (unique among them): a
 * tag's name is matched with one lookup and one comparison, without making a string.
 */
const NAMES = new Map<number, { bytes: Buffer; el: El }>();
const nameKey = (length: number, first: number, last: number) => length * 65_536 + first * 256 + last;
for (const [name, el] of Object.entries(ELEMENT_NAMES)) {
  const key = nameKey(name.length, name.charCodeAt(0), name.charCodeAt(name.length - 1));
  if (NAMES.has(key)) throw new Error(`element name key clash: ${name}`);
  NAMES.set(key, { bytes: Buffer.from(name), el });
}

function elementAt(b: Buffer, start: number, end: number): El {
  if (end <= start) return El.Other;
  const known = NAMES.get(nameKey(end - start, b[start]!, b[end - 1]!));
  if (!known) return El.Other;
  const name = known.bytes;
  for (let i = 1; i < name.length - 1; i++) if (b[start + i] !== name[i]) return El.Other;
  return known.el;
}

/** Code points in UTF-8 bytes [start, end) (columns count characters, as libxml2's do). */
function chars(b: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if ((b[i]! & 0xc0) !== 0x80) n++;
  return n;
}

/**
 * Reads the content of a streamed MeterReadings from UTF-8 bytes, as they arrive, without an
 * XML parser: it finds where each child element (a *fragment*) starts and ends and, for a
 * MeterReading, feeds the mapping (`MeterReadingBuilder`) the few values it reads. It never
 * decides whether the message is acceptable: every byte between the MeterReadings tags goes to
 * libxml2 (fragment validation, and what follows the last fragment with the rest of the message),
 * which refuses anything malformed or invalid, and nothing is stored unless all of it passed.
 *
 * So it only has to be right on well-formed input, and never cut a fragment where libxml2 would
 * not: a cut is made only right after the `>` that closes an element at fragment depth 0, which
 * needs comments, CDATA sections, processing instructions and quoted attribute values recognised
 * exactly as XML does (a `<` or `>` inside them is no markup). Text directly inside MeterReadings
 * must be whitespace (checked here: that text joins no validated fragment's element).
 *
 * Input can stop anywhere (a chunk boundary): a token not complete in the window is read again
 * from its start when more bytes came, searches for its end resuming where they stopped, so the
 * work stays linear. Only the current fragment is kept (bounded by maxFragmentBytes).
 */
export class PayloadScanner {
  private buf: Buffer = Buffer.allocUnsafe(256 * 1024);
  /** The valid bytes of the window: buf[0, view.length). */
  private view: Buffer = this.buf.subarray(0, 0);
  /** Next byte to read. */
  private pos = 0;
  /** Start of the current fragment's text (the end of the previous one): nothing before it is needed. */
  private textStart = 0;
  private elementStart = 0;
  /** Where the search for the end of the token at `pos` resumes, -1: from the token's start. */
  private resume = -1;
  private resumeQuote = 0;
  /** Element depth inside the current fragment; 0 between fragments. */
  private depth = 0;
  private line: number;
  private column: number;
  private fragName = '';
  private fragElements = 0;
  private declaresNamespaces = false;
  private builder: MeterReadingBuilder | undefined;
  /** One builder for every MeterReading: its scratch columns are reused. */
  private readonly mapper = new MeterReadingBuilder();
  /** The field whose text follows its start tag directly (the fast path reads it from the bytes). */
  private freshField = Field.None;
  private readonly counts = new Map<string, number>();
  private readonly qname: Buffer;
  private closedAt = -1;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  /** What followed the last fragment before the end tag (whitespace, comments, processing instructions). */
  trailing: Buffer | undefined;
  /** Where `trailing` starts in the sender's document. */
  trailingAt = { line: 0, column: 0 };
  /** Off: fragments are only cut (the message failed already; mapping it would be wasted). */
  mapping = true;

  constructor(private readonly start: ScanStart, private readonly limits: ScanLimits, private readonly sink: FragmentSink) {
    this.qname = Buffer.from(start.qname);
    this.line = start.line;
    this.column = start.column;
  }

  get closed(): boolean {
    return this.closedAt >= 0;
  }

  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  /** What followed the MeterReadings end tag. */
  rest(): Buffer {
    return Buffer.concat(this.tail, this.tailBytes);
  }

  /** The MeterReadings element was empty (`<MeterReadings/>`): everything from here is the rest of the message. */
  closeEmpty(): void {
    this.trailingAt = { line: this.line, column: this.column };
    this.closedAt = 0;
  }

  /** Appends bytes and reads as far as they go. */
  push(chunk: Uint8Array): void {
    if (this.closed) {
      this.keepTail(chunk);
      return;
    }
    const len = this.view.length;
    if (len + chunk.length > this.buf.length) this.compact(chunk.length);
    this.buf.set(chunk, this.view.length);
    this.view = this.buf.subarray(0, this.view.length + chunk.length);
    this.scan();
    // What is kept now is one unfinished fragment (and what preceded it): bounded, whatever the message size.
    if (!this.closed && this.view.length - this.textStart > this.limits.maxFragmentBytes) {
      this.reject(413, 'Fragment too large', `a ${this.depth > 0 ? this.fragName : 'MeterReadings child'} exceeds ${this.limits.maxFragmentBytes} bytes`);
    }
  }

  /** No more bytes: the MeterReadings element must have closed. */
  end(): void {
    if (!this.closed) this.reject(400, 'Malformed XML', 'the document ended before its root element closed', this.pos);
  }

  private compact(incoming: number): void {
    const shift = this.textStart;
    const kept = this.view.length - shift;
    if (kept + incoming > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, kept + incoming));
      this.buf.copy(bigger, 0, shift, this.view.length);
      this.buf = bigger;
    } else {
      this.buf.copyWithin(0, shift, this.view.length);
    }
    this.view = this.buf.subarray(0, kept);
    this.pos -= shift;
    this.textStart = 0;
    this.elementStart -= shift;
    if (this.resume >= 0) this.resume -= shift;
  }

  private keepTail(bytes: Uint8Array): void {
    this.tailBytes += bytes.length;
    if (this.tailBytes > this.limits.maxTailBytes) throw new ProtocolRejection(413, 'Message too large', 'too much content after MeterReadings');
    this.tail.push(Buffer.from(bytes));
  }

  private scan(): void {
    const b = this.view;
    while (!this.closed) {
      const p = this.pos;
      const len = b.length;
      if (p >= len) return;
      let next: number;
      if (b[p] !== LT) next = this.text(b, p);
      else if (p + 1 >= len) return;
      else {
        const c = b[p + 1]!;
        next = c === SLASH ? this.endTag(b, p) : c === BANG ? this.bang(b, p) : c === QM ? this.instruction(b, p) : this.startTag(b, p);
      }
      if (next < 0) return;
      this.pos = next;
      this.resume = -1;
      this.resumeQuote = 0;
    }
  }

  /** Character data at p up to the next '<'. */
  private text(b: Buffer, p: number): number {
    const len = b.length;
    let lt = b.indexOf(LT, this.resume >= 0 ? this.resume : p);
    if (this.depth === 0) {
      const end = lt === -1 ? len : lt;
      for (let i = p; i < end; i++) {
        if (!isSpace(b[i]!)) this.reject(400, 'Malformed payload', 'MeterReadings holds text outside its elements', i);
      }
      return end;
    }
    const field = this.freshField;
    if (field === Field.None && !this.builder?.inField) return lt === -1 ? len : lt; // text the mapping does not read
    // A field's text is read whole (a reference or a multi-byte character may straddle chunks).
    if (lt === -1 || lt + 1 >= len) {
      this.resume = lt === -1 ? len : lt;
      return -1;
    }
    this.freshField = Field.None;
    const builder = this.builder!;
    if (b[lt + 1] === SLASH && (field === Field.TimeStamp || field === Field.Reported || field === Field.Value)) {
      const v = field === Field.Value ? parseDecimalBytes(b, p, lt) : parseTimestampBytes(b, p, lt);
      if (!Number.isNaN(v)) {
        builder.parsed(v);
        return lt;
      }
    }
    builder.text(decodeText(b, p, lt));
    return lt;
  }

  private startTag(b: Buffer, p: number): number {
    const len = b.length;
    let i = p + 1;
    let local = i;
    for (; i < len; i++) {
      const c = b[i]!;
      if (endsName(c)) break;
      if (c === COLON) local = i + 1;
    }
    if (i - p > MAX_NAME) this.reject(400, 'Malformed XML', 'name too long', p);
    if (i >= len) return -1;
    if (i === p + 1) this.reject(400, 'Malformed XML', 'StartTag: invalid element name', p);
    const nameEnd = i;
    let end: number;
    let selfClosing = false;
    let ref: string | undefined;
    let declares = false;
    if (b[i] === GT) end = i + 1;
    else {
      const close = this.tagEnd(b, i);
      if (close < 0) return -1;
      // Attributes: name = "value", separated by whitespace; only `ref` is read, xmlns* noted.
      let k = i;
      for (;;) {
        const spaced = isSpace(b[k]!);
        while (isSpace(b[k]!)) k++;
        const c = b[k]!;
        if (c === GT) { end = k + 1; break; }
        if (c === SLASH) {
          if (b[k + 1] !== GT) this.reject(400, 'Malformed XML', 'expected \'>\' after \'/\' in a start tag', k);
          selfClosing = true;
          end = k + 2;
          break;
        }
        if (!spaced) this.reject(400, 'Malformed XML', 'attributes must be separated by whitespace', k);
        const nameStart = k;
        let attrLocal = k;
        while (!endsName(b[k]!)) { if (b[k] === COLON) attrLocal = k + 1; k++; }
        const attrEnd = k;
        if (attrEnd === nameStart) this.reject(400, 'Malformed XML', 'attribute without a name', k);
        while (isSpace(b[k]!)) k++;
        if (b[k] !== EQ) this.reject(400, 'Malformed XML', 'attribute without a value', k);
        k++;
        while (isSpace(b[k]!)) k++;
        const q = b[k]!;
        if (q !== DQ && q !== SQ) this.reject(400, 'Malformed XML', 'attribute value not quoted', k);
        const valueEnd = b.indexOf(q, k + 1);
        const isXmlns = (attrLocal === nameStart && attrEnd - nameStart === 5 && b.toString('latin1', nameStart, attrEnd) === 'xmlns')
          || (attrLocal - nameStart === 6 && b.toString('latin1', nameStart, attrLocal) === 'xmlns:');
        if (isXmlns) declares = true;
        else if (attrEnd - attrLocal === 3 && b[attrLocal] === 0x72 && b[attrLocal + 1] === 0x65 && b[attrLocal + 2] === 0x66) {
          ref = decodeAttribute(b, k + 1, valueEnd);
        }
        k = valueEnd + 1;
        if (k > close) this.reject(400, 'Malformed XML', 'unterminated start tag', p);
      }
    }
    if (this.depth === 0) this.beginFragment(b, p, local, nameEnd);
    if (declares) this.declaresNamespaces = true;
    if (++this.fragElements > this.limits.maxFragmentElements) {
      this.reject(413, 'Too many elements', `a ${this.fragName} has more than ${this.limits.maxFragmentElements} elements`, p);
    }
    this.depth++;
    if (this.start.depth + this.depth > this.limits.maxDepth) this.reject(400, 'XML too deep', `element nesting exceeds ${this.limits.maxDepth} levels`, p);
    const builder = this.builder;
    if (builder) {
      const field = builder.open(elementAt(b, local, nameEnd), ref);
      this.freshField = field;
    }
    if (selfClosing) {
      this.freshField = Field.None;
      builder?.close();
      if (--this.depth === 0) this.completeFragment(b, end);
    }
    return end;
  }

  /**
   * The '>' ending the start tag whose attributes begin at i, outside quoted values; -1 when it has
   * not arrived yet (the search resumes there, inside or outside a quote, with the next bytes).
   */
  private tagEnd(b: Buffer, i: number): number {
    const len = b.length;
    let k = this.resume >= 0 ? this.resume : i;
    let quote = this.resumeQuote;
    while (k < len) {
      if (quote !== 0) {
        const close = b.indexOf(quote, k);
        if (close === -1) { k = len; break; }
        k = close + 1;
        quote = 0;
        continue;
      }
      const c = b[k]!;
      if (c === GT) return k;
      if (c === DQ || c === SQ) quote = c;
      else if (c === LT) this.reject(400, 'Malformed XML', 'unterminated start tag', k);
      k++;
    }
    this.resume = k;
    this.resumeQuote = quote;
    return -1;
  }

  private endTag(b: Buffer, p: number): number {
    const len = b.length;
    let i = p + 2;
    while (i < len && !endsName(b[i]!)) i++;
    if (i - p > MAX_NAME) this.reject(400, 'Malformed XML', 'name too long', p);
    const nameEnd = i;
    while (i < len && isSpace(b[i]!)) i++;
    if (i >= len) return -1;
    if (b[i] !== GT) this.reject(400, 'Malformed XML', 'expected \'>\' ending an end tag', i);
    const end = i + 1;
    if (this.depth === 0) {
      if (nameEnd - p - 2 !== this.qname.length || b.compare(this.qname, 0, this.qname.length, p + 2, nameEnd) !== 0) {
        this.reject(400, 'Malformed XML', `Opening and ending tag mismatch: ${this.start.qname} and ${b.toString('utf8', p + 2, nameEnd)}`, p);
      }
      this.close(b, p, end);
      return end;
    }
    this.freshField = Field.None;
    this.builder?.close();
    if (--this.depth === 0) this.completeFragment(b, end);
    return end;
  }

  /** `<!--` comment, `<![CDATA[` section; anything else starting `<!` (a DOCTYPE, a declaration) is not content. */
  private bang(b: Buffer, p: number): number {
    const len = b.length;
    if (p + 3 >= len) return -1;
    if (b[p + 2] === DASH && b[p + 3] === DASH) return this.until(b, p + 4, COMMENT_END);
    if (b[p + 2] === LBRACKET) {
      for (let i = 3; i < CDATA_OPEN.length; i++) {
        if (p + i >= len) return -1;
        if (b[p + i] !== CDATA_OPEN[i]) this.reject(400, 'Malformed XML', 'malformed CDATA section', p);
      }
      if (this.depth === 0) this.reject(400, 'Malformed payload', 'MeterReadings holds text outside its elements', p);
      const end = this.until(b, p + CDATA_OPEN.length, CDATA_END);
      if (end < 0) return -1;
      this.freshField = Field.None;
      if (this.builder?.inField) this.builder.text(decodeCData(b, p + CDATA_OPEN.length, end - CDATA_END.length));
      return end;
    }
    return this.reject(400, 'Malformed XML', 'markup declarations (DOCTYPE, ENTITY) are not allowed in content', p);
  }

  private instruction(b: Buffer, p: number): number {
    return this.until(b, p + 2, PI_END);
  }

  /** The end of a token closed by `terminator`, searching from `from`; -1 (and where to resume) when not there yet. */
  private until(b: Buffer, from: number, terminator: Buffer): number {
    const at = b.indexOf(terminator, this.resume >= 0 ? this.resume : from);
    if (at === -1) {
      this.resume = Math.max(from, b.length - terminator.length + 1);
      return -1;
    }
    // A comment or processing instruction splits a field's text: the fast path no longer applies.
    this.freshField = Field.None;
    return at + terminator.length;
  }

  private beginFragment(b: Buffer, p: number, local: number, nameEnd: number): void {
    this.elementStart = p;
    this.fragName = b.toString('utf8', local, nameEnd);
    this.fragElements = 0;
    this.declaresNamespaces = false;
    this.builder = undefined;
    if (this.mapping && this.fragName === 'MeterReading') {
      this.mapper.reset();
      this.builder = this.mapper;
    }
  }

  private completeFragment(b: Buffer, end: number): void {
    const index = (this.counts.get(this.fragName) ?? 0) + 1;
    this.counts.set(this.fragName, index);
    const line = this.line;
    const column = this.column;
    this.advance(b, this.textStart, this.elementStart);
    const elementLine = this.line;
    const elementColumn = this.column;
    this.advance(b, this.elementStart, end);
    const info: FragmentInfo = { name: this.fragName, index, line, column, elementLine, elementColumn, declaresNamespaces: this.declaresNamespaces };
    if (this.builder) info.parsed = this.builder.result(index);
    this.builder = undefined;
    this.sink(info, b, this.textStart, end);
    this.textStart = end;
  }

  private close(b: Buffer, p: number, end: number): void {
    this.trailingAt = { line: this.line, column: this.column };
    if (p > this.textStart) this.trailing = Buffer.from(b.subarray(this.textStart, p));
    this.closedAt = end;
    if (end < b.length) this.keepTail(b.subarray(end));
  }

  /** Moves the line / column from `start` to `end`. */
  private advance(b: Buffer, start: number, end: number): void {
    const at = positionAfter(b, start, end, this.line, this.column);
    this.line = at.line;
    this.column = at.column;
  }

  /** Refuses with the position of byte `at` (default: the current token). */
  private reject(status: number, title: string, detail: string, at = this.pos): never {
    const where = at >= this.textStart && at <= this.view.length
      ? positionAfter(this.view, this.textStart, at, this.line, this.column)
      : { line: this.line, column: this.column };
    throw new ProtocolRejection(status, title, detail, where);
  }
}

/** Line and column after bytes [start, end), given those of `start`. */
function positionAfter(b: Buffer, start: number, end: number, line: number, column: number): { line: number; column: number } {
  let lines = 0;
  let last = -1;
  for (let i = b.indexOf(LF, start); i !== -1 && i < end; i = b.indexOf(LF, i + 1)) {
    lines++;
    last = i;
  }
  return lines === 0 ? { line, column: column + chars(b, start, end) } : { line: line + lines, column: chars(b, last + 1, end) + 1 };
}
