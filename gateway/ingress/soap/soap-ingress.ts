import { randomUUID } from 'node:crypto';
import { XmlElement } from 'libxml2-wasm';
import { CimError, ProtocolRejection } from '../../cim/errors.js';
import type { MessageProcessor } from '../../cim/message-processor.js';
import { failed, replyError } from '../../cim/reply.js';
import { buildMessage, renderMessageXml } from '../../cim/response-writer.js';
import type { Logger } from '../../logging/logger.js';
import type { Authenticator } from '../../security/authenticator.js';
import type { Credentials } from '../../security/peer-identity.js';
import { readWsSecurity } from '../../security/ws-security.js';
import { childNodes } from '../../xml/child-nodes.js';
import { toXNode, type XmlLimits } from '../../xml/xml-parser.js';
import { faultEnvelope, soapContentType, wrapInEnvelope, type SoapVersion } from '../../soap/soap-envelope.js';
import { SOAP11_NS, SOAP12_NS } from '../../xml/namespaces.js';
import { mediaType, parseInbound, type HttpAnswer } from '../inbound-xml.js';
import { acceptableActions } from './soap-actions.js';

export interface SoapRequest {
  body: string;
  contentType?: string;
  soapAction?: string;
  /** What the connection presented (certificate, Authorization); the WS-Security header is read here. */
  credentials: Credentials;
  /** The payload content still arriving (streaming ingress); `body` is then the message without it. */
  streamed?: object;
}

function elementChildren(node: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of childNodes(node)) if (c instanceof XmlElement) out.push(c);
  return out;
}

/** The action a request names: the SOAPAction header (1.1) or the action parameter (1.2). */
function requestedAction(req: SoapRequest): string | undefined {
  const fromType = /;\s*action\s*=\s*"?([^";]*)"?/i.exec(req.contentType ?? '')?.[1];
  const raw = req.soapAction ?? fromType;
  const action = raw?.trim().replace(/^"|"$/g, '');
  return action === '' ? undefined : action;
}

/**
 * The SOAP binding, socket-free: `handle(body, headers) → {status, contentType, body}`.
 * Only a broken envelope is a Fault; everything inside a readable message gets a Reply.
 */
export class SoapIngress {
  constructor(
    private readonly processor: Pick<MessageProcessor, 'process'>,
    private readonly source: string,
    private readonly log: Logger,
    private readonly authenticator: Authenticator,
    private readonly limits: XmlLimits,
    private readonly onRejected: (reason: string) => void = () => undefined,
  ) {}

  async handle(req: SoapRequest): Promise<HttpAnswer> {
    const type = mediaType(req.contentType);
    const version: SoapVersion | undefined = type === 'text/xml' ? '1.1' : type === 'application/soap+xml' ? '1.2' : undefined;
    if (!version) {
      return this.fault('1.1', new ProtocolRejection(415, 'Unsupported media type',
        `SOAP 1.1 needs Content-Type text/xml, SOAP 1.2 application/soap+xml; got '${req.contentType ?? 'none'}'`));
    }
    let parsed;
    try {
      parsed = parseInbound(req.body);
    } catch (err) {
      return this.fault(version, err);
    }
    try {
      const envelope = parsed.doc.root;
      const envNs = envelope.namespaceUri;
      if (envelope.name !== 'Envelope' || (envNs !== SOAP11_NS && envNs !== SOAP12_NS)) {
        throw new ProtocolRejection(400, 'Not a SOAP envelope', `root element is {${envNs}}${envelope.name}, expected a SOAP 1.1 or 1.2 Envelope`, { line: envelope.line, xpath: `/${envelope.name}` });
      }
      if ((envNs === SOAP11_NS) !== (version === '1.1')) {
        return this.fault(version, new ProtocolRejection(400, 'VersionMismatch', `a SOAP ${envNs === SOAP11_NS ? '1.1' : '1.2'} envelope was sent with Content-Type ${type}`), 'VersionMismatch');
      }
      const body = elementChildren(envelope).find((c) => c.name === 'Body' && c.namespaceUri === envNs);
      const parts = body ? elementChildren(body) : [];
      if (parts.length !== 1) {
        throw new ProtocolRejection(400, 'Broken SOAP Body', `the SOAP Body must hold exactly one message element, found ${parts.length}`, { line: body?.line ?? envelope.line, xpath: '/Envelope/Body' });
      }
      const message = parts[0]!;
      const action = requestedAction(req);
      const acceptable = acceptableActions(message.namespaceUri, message.name);
      if (action && acceptable.length > 0 && !acceptable.includes(action)) {
        throw new ProtocolRejection(400, 'SOAPAction mismatch', `SOAPAction '${action}' does not match the body element ${message.name}; expected '${acceptable[0]}'`, { line: message.line });
      }
      const soapHeader = elementChildren(envelope).find((c) => c.name === 'Header' && c.namespaceUri === envNs);
      const credentials = { ...req.credentials, ...readWsSecurity(soapHeader ? toXNode(soapHeader, this.limits) : undefined) };
      const auth = await this.authenticator.authenticate(credentials, 'i6-soap');
      const caller = { auth, iface: 'i6-soap' as const, ...(credentials.remoteAddress ? { remoteAddress: credentials.remoteAddress } : {}) };
      const processed = await this.processor.process({ element: message, sourceText: parsed.text, rewrite: parsed.rewrite, transport: 'soap', reportPositions: true, caller, ...(req.streamed ? { streamed: req.streamed } : {}) });
      const xml = renderMessageXml(processed.response, processed.rewrite, false);
      return { status: 200, contentType: soapContentType(version), body: wrapInEnvelope(xml, version) };
    } catch (err) {
      return this.fault(version, err);
    } finally {
      parsed.doc.dispose();
    }
  }

  /** A SOAP Fault for a rejection (also used by the streaming ingress before this core runs). */
  fault(version: SoapVersion, err: unknown, code?: 'VersionMismatch'): HttpAnswer {
    if (err instanceof ProtocolRejection) {
      this.onRejected(err.title);
      this.log.warn({ transport: 'soap', title: err.title, detail: err.message, ...err.where }, 'message rejected');
      const where = [err.where.line && `line ${err.where.line}`, err.where.column && `column ${err.where.column}`].filter(Boolean).join(', ');
      const details = where ? `${where}: ${err.message}` : err.message;
      const faultMessage = buildMessage({ kind: 'ResponseMessage', verb: 'reply', noun: '', source: this.source, reply: failed(replyError(err.code as '1.8', { reason: err.title, details, ...(err.where.xpath ? { xpath: err.where.xpath } : {}) })) });
      const detail = renderMessageXml({ ...faultMessage, name: 'FaultMessage', children: faultMessage.children?.filter((c) => c.name === 'Reply') }, undefined, false);
      const status = err.status === 413 || err.status === 415 ? err.status : version === '1.1' ? 500 : 400;
      const reason = code === 'VersionMismatch' ? `VersionMismatch: ${err.message}` : `${err.title}: ${details}`;
      return { status, contentType: soapContentType(version), body: faultEnvelope(version, true, reason, detail) };
    }
    if (err instanceof CimError) return this.fault(version, new ProtocolRejection(400, 'Rejected', err.message));
    const reference = randomUUID();
    this.log.error({ err, reference }, 'technical failure on SOAP request');
    return { status: 500, contentType: soapContentType(version), body: faultEnvelope(version, false, `internal error, reference ${reference}`, '') };
  }
}

