import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../gateway/config/config.js';

export const MSG = 'http://iec.ch/TC57/2011/schema/message';

/** A shared sample message (../shared/docs/samples). */
export function sample(name: string): string {
  return readFileSync(path.join(repoRoot, '..', 'shared', 'docs', 'samples', name), 'utf8');
}

export interface HeaderFields {
  verb?: string;
  noun?: string;
  source?: string;
  messageId?: string;
  correlationId?: string;
  asyncReplyFlag?: boolean;
  replyAddress?: string;
  revision?: string;
}

export function header(h: HeaderFields): string {
  const f = (name: string, v: unknown) => (v === undefined ? '' : `<m:${name}>${String(v)}</m:${name}>`);
  return `<m:Header>${f('Verb', h.verb)}${f('Noun', h.noun)}${f('Revision', h.revision)}<m:Timestamp>2026-11-20T08:00:00-03:00</m:Timestamp>${f('Source', h.source ?? 'MDM')}${f('AsyncReplyFlag', h.asyncReplyFlag)}${f('ReplyAddress', h.replyAddress)}${f('MessageID', h.messageId)}${f('CorrelationID', h.correlationId)}</m:Header>`;
}

/** A generic RequestMessage / EventMessage around the given parts. */
export function message(kind: 'RequestMessage' | 'EventMessage' | 'ResponseMessage', h: HeaderFields, body = '', ns = MSG): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<m:${kind} xmlns:m="${ns}">${header(h)}${body}</m:${kind}>`;
}

export function soap11(inner: string): string {
  return `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>${inner.replace(/^<\?xml[^>]*>\s*/, '')}</soapenv:Body></soapenv:Envelope>`;
}

export function soap12(inner: string): string {
  return `<?xml version="1.0"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>${inner.replace(/^<\?xml[^>]*>\s*/, '')}</env:Body></env:Envelope>`;
}

export const edcPayload = (mrid = 'MTR-000101', code = '3.31.0.23') => `<m:Payload><c:EndDeviceControls xmlns:c="http://iec.ch/TC57/2011/EndDeviceControls#"><c:EndDeviceControl><c:mRID>ctl-1</c:mRID><c:EndDeviceControlType ref="${code}"/><c:EndDevices><c:mRID>${mrid}</c:mRID></c:EndDevices></c:EndDeviceControl></c:EndDeviceControls></m:Payload>`;

/** Pulls Reply fields out of an XML ResponseMessage without depending on prefixes. */
export function replyOf(xml: string) {
  const decode = (t: string) => t.replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const all = (tag: string) => [...xml.matchAll(new RegExp(`<(?:\\w+:)?${tag}>([^<]*)</(?:\\w+:)?${tag}>`, 'g'))].map((m) => decode(m[1]!));
  return { result: all('Result')[0], codes: all('code'), xpaths: all('xpath'), details: all('details'), correlationId: all('CorrelationID')[0], messageId: all('MessageID')[0], verb: all('Verb')[0], noun: all('Noun')[0] };
}
