import { gunzipSync } from 'node:zlib';
import type { XmlLimits } from '../xml/xml-parser.js';
import { parseUntrusted, toXNode } from '../xml/xml-parser.js';
import { MSG_NS, nounNs } from '../xml/namespaces.js';
import type { SchemaSet } from '../xml/schema-set.js';
import { child, el, text, type XNode } from '../xml/xnode.js';
import { CimError } from './errors.js';
import { replyError } from './reply.js';

export interface PayloadLimits extends XmlLimits {
  maxDecompressedBytes: number;
}

/**
 * Inflates a `Compressed` payload (base64 of gzip of the noun's XML) into a normal Payload,
 * validating the inner document like any other. The inflated size is capped (zip bombs).
 */
export function inflatePayload(payload: XNode, kind: string, schemas: SchemaSet, limits: PayloadLimits): XNode {
  const compressed = text(child(payload, 'Compressed', MSG_NS));
  if (compressed === undefined) return payload;
  const xpath = `/${kind}/Payload/Compressed`;
  const format = text(child(payload, 'Format', MSG_NS));
  if (format && format.toUpperCase() !== 'XML') {
    throw new CimError(replyError('1.8', { details: `Payload/Format ${format} is not supported; only XML`, xpath: `/${kind}/Payload/Format` }));
  }
  let inner: string;
  try {
    inner = gunzipSync(Buffer.from(compressed, 'base64'), { maxOutputLength: limits.maxDecompressedBytes }).toString('utf8');
  } catch (err) {
    const tooBig = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    throw new CimError(replyError('1.8', {
      details: tooBig ? `Compressed payload inflates beyond ${limits.maxDecompressedBytes} bytes` : `Compressed payload is not base64 gzip: ${(err as Error).message}`,
      xpath,
    }));
  }
  let doc;
  try {
    doc = parseUntrusted(inner);
  } catch (err) {
    throw new CimError(replyError('1.8', { details: `Compressed payload is not well-formed XML: ${(err as Error).message}`, xpath }));
  }
  try {
    const issues = schemas.validate(doc.root, inner);
    if (issues.length > 0) {
      throw new CimError(issues.slice(0, 20).map((i) => replyError('1.8', {
        details: `in Compressed payload${i.line ? `, line ${i.line}` : ''}: ${i.message}`, xpath: `${xpath}${i.xpath ?? ''}`,
      })));
    }
    return el(MSG_NS, 'Payload', [toXNode(doc.root, limits)]);
  } finally {
    doc.dispose();
  }
}

/** The noun element inside Payload; it must be the element the Header's Noun names. */
export function nounElement(payload: XNode | undefined, noun: string, kind: string): XNode | undefined {
  const first = payload?.children?.find((c) => c.ns !== MSG_NS);
  if (!first) return undefined;
  if (first.name !== noun || first.ns !== nounNs(noun)) {
    throw new CimError(replyError('1.8', {
      details: `Payload holds {${first.ns}}${first.name}, but Header/Noun is ${noun} (expected {${nounNs(noun)}}${noun})`,
      xpath: `/${kind}/Payload/${first.name}`,
    }));
  }
  return first;
}
