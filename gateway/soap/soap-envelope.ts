import { SOAP11_NS, SOAP12_NS } from '../xml/namespaces.js';

export type SoapVersion = '1.1' | '1.2';

export const soapContentType = (v: SoapVersion): string =>
  v === '1.1' ? 'text/xml; charset=utf-8' : 'application/soap+xml; charset=utf-8';

/** Wraps a message (XML without declaration) in a SOAP envelope of the given version. */
export function wrapInEnvelope(bodyXml: string, version: SoapVersion): string {
  const ns = version === '1.1' ? SOAP11_NS : SOAP12_NS;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<soap:Envelope xmlns:soap="${ns}"><soap:Body>${bodyXml}</soap:Body></soap:Envelope>`;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A SOAP Fault for a message that could not be read as a 61968-100 message. The detail
 * carries a 61968-100 FaultMessage so CIM-aware peers get the usual code and position.
 */
export function faultEnvelope(version: SoapVersion, sender: boolean, reason: string, detailXml: string): string {
  if (version === '1.1') {
    const code = sender ? 'soap:Client' : 'soap:Server';
    return wrapInEnvelope(`<soap:Fault><faultcode>${code}</faultcode><faultstring>${escape(reason)}</faultstring><detail>${detailXml}</detail></soap:Fault>`, version);
  }
  const code = sender ? 'soap:Sender' : 'soap:Receiver';
  return wrapInEnvelope(`<soap:Fault><soap:Code><soap:Value>${code}</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">${escape(reason)}</soap:Text></soap:Reason><soap:Detail>${detailXml}</soap:Detail></soap:Fault>`, version);
}
