import type { XmlDocument } from 'libxml2-wasm';
import { normaliseNamespaces, type NsRewrite } from '../xml/namespaces.js';
import { parseUntrusted } from '../xml/xml-parser.js';

export interface ParsedInbound {
  doc: XmlDocument;
  text: string;
  rewrite: NsRewrite;
}

/** Normalises namespace variants, then parses with the untrusted-input settings. Caller disposes. */
export function parseInbound(body: string): ParsedInbound {
  const { xml, rewrite } = normaliseNamespaces(body);
  return { doc: parseUntrusted(xml), text: xml, rewrite };
}

/** With a typed body parameter: the media type without parameters, lower-case. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}
