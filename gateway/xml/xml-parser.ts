import { ParseOption, XmlCData, XmlDocument, XmlElement, XmlParseError, XmlText } from 'libxml2-wasm';
import { ProtocolRejection } from '../cim/errors.js';
import { childNodes } from './child-nodes.js';
import type { XNode } from './xnode.js';

export interface XmlLimits {
  maxDepth: number;
  maxElements: number;
  maxAttributesPerElement: number;
  /** Optional so socket-free callers keep working; the gateway always sets them from config. */
  maxAttributeValueChars?: number;
  maxTextChars?: number;
}

// The base64 of a Compressed payload is the one legitimately huge text node.
const UNBOUNDED_TEXT = new Set(['Compressed']);

// No network, no external entities, CDATA folded into text. DTD loading and entity
// substitution stay off (their flags are simply not set); a DOCTYPE is refused before parsing.
const PARSE_OPTIONS = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE | ParseOption.XML_PARSE_NOCDATA;

/** Position (1-based line/column) of a string offset. */
function position(xml: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = xml.indexOf('\n'); i !== -1 && i < offset; i = xml.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Refuses any document type declaration. Internal entities are the billion-laughs vector and
 * external ones the XXE vector; no 61968-100 peer needs either.
 */
export function refuseDoctype(xml: string): void {
  const at = xml.search(/<!DOCTYPE/i);
  if (at === -1) return;
  const firstElement = xml.search(/<[A-Za-z_]/);
  if (firstElement === -1 || at < firstElement) {
    throw new ProtocolRejection(400, 'DTD not allowed', 'document type declarations (DTD, entities) are not accepted', position(xml, at));
  }
}

/** Parses untrusted XML. The caller owns the returned document and must dispose it. */
export function parseUntrusted(xml: string): XmlDocument {
  refuseDoctype(xml);
  try {
    // The same UTF-8 bytes fromString would produce (both let libxml2 read the declaration), but
    // encoded natively instead of by libxml2-wasm's JavaScript loop: a fifth of a small message's parse.
    return XmlDocument.fromBuffer(Buffer.from(xml, 'utf8'), { option: PARSE_OPTIONS });
  } catch (err) {
    if (err instanceof XmlParseError) {
      const d = err.details[0];
      const message = d?.message.trim() ?? err.message;
      const deep = /Excessive depth/.test(message);
      throw new ProtocolRejection(deep ? 400 : 400, deep ? 'XML too deep' : 'Malformed XML', message, { line: d?.line, column: d?.col });
    }
    throw err;
  }
}

/**
 * Converts an element subtree, enforcing the configured structural limits on the way. Every
 * property of a libxml2-wasm node is a call into wasm (and a string copy): each is read once,
 * and the element's path is only spelt out for an error.
 */
export function toXNode(root: XmlElement, limits: XmlLimits): XNode {
  let count = 0;
  const names: string[] = [];
  const here = () => `/${names.join('/')}`;
  const convert = (elem: XmlElement, depth: number): XNode => {
    const name = elem.name;
    const line = elem.line;
    names.push(name);
    if (depth > limits.maxDepth) {
      throw new ProtocolRejection(400, 'XML too deep', `element nesting exceeds ${limits.maxDepth} levels`, { line, xpath: here() });
    }
    if (++count > limits.maxElements) {
      throw new ProtocolRejection(413, 'Too many elements', `message has more than ${limits.maxElements} elements`, { line });
    }
    const node: XNode = { ns: elem.namespaceUri, name, line };
    const attrs = elem.attrs;
    if (attrs.length > limits.maxAttributesPerElement) {
      throw new ProtocolRejection(400, 'Too many attributes', `element ${name} has ${attrs.length} attributes`, { line, xpath: here() });
    }
    if (attrs.length > 0) {
      node.attrs = {};
      for (const a of attrs) {
        const value = a.value;
        const attrName = a.name;
        if (limits.maxAttributeValueChars !== undefined && value.length > limits.maxAttributeValueChars) {
          throw new ProtocolRejection(413, 'Attribute too long', `attribute ${attrName} of ${name} exceeds ${limits.maxAttributeValueChars} characters`, { line, xpath: here() });
        }
        node.attrs[attrName] = value;
      }
    }
    let text = '';
    const kids: XNode[] = [];
    for (const c of childNodes(elem)) {
      if (c instanceof XmlElement) kids.push(convert(c, depth + 1));
      else if (c instanceof XmlText || c instanceof XmlCData) text += c.content;
    }
    if (limits.maxTextChars !== undefined && text.length > limits.maxTextChars && !UNBOUNDED_TEXT.has(name)) {
      throw new ProtocolRejection(413, 'Text too long', `text of ${name} exceeds ${limits.maxTextChars} characters`, { line, xpath: here() });
    }
    if (kids.length > 0) node.children = kids;
    else if (text !== '') node.text = text;
    names.pop();
    return node;
  };
  return convert(root, 1);
}
