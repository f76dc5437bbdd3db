/** The published 61968-100 message namespace; everything is normalised to it internally. */
export const MSG_NS = 'http://iec.ch/TC57/2011/schema/message';
export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';

export const nounNs = (noun: string): string => `http://iec.ch/TC57/2011/${noun}#`;
export const typedNs = (noun: string): string => `http://iec.ch/TC57/2011/${noun}Message`;

/**
 * Field variants of IEC namespaces: the EPRI harness's draft-era `www.iec.ch` spelling and
 * wrappers carrying a later year. Both are different namespaces to a validator, so they are
 * rewritten to the 2011 published form before parsing and restored in the answer.
 */
const VARIANT = /^http:\/\/(www\.)?iec\.ch\/TC57\/(\d{4})\/(schema\/message|[A-Za-z]+Message|[A-Za-z]+#)$/;

export function canonicalNs(uri: string): string | undefined {
  const m = VARIANT.exec(uri);
  if (!m) return undefined;
  const [, www, year, rest] = m;
  // A noun namespace of another year is another schema (a utility may load it); only the
  // message and wrapper namespaces are year-tolerant, any IEC namespace is www-tolerant.
  const isNoun = rest!.endsWith('#');
  if (isNoun && year !== '2011' && !www) return undefined;
  const canonical = `http://iec.ch/TC57/${isNoun ? year : '2011'}/${rest}`;
  return canonical === uri ? undefined : canonical;
}

export interface NsRewrite {
  /** canonical URI → the URI the sender used */
  readonly original: ReadonlyMap<string, string>;
}

const XMLNS_DECL = /(\sxmlns(?::[\w.-]+)?\s*=\s*)(["'])([^"']*)\2/g;

/**
 * Rewrites namespace declarations to their canonical form. The replacement keeps every
 * character offset (padding with spaces between attributes, which XML allows) so line and
 * column numbers reported to the sender still point into what the sender wrote.
 */
export function normaliseNamespaces(xml: string): { xml: string; rewrite: NsRewrite } {
  const original = new Map<string, string>();
  const out = xml.replace(XMLNS_DECL, (whole, lead: string, quote: string, uri: string) => {
    const canonical = canonicalNs(uri);
    if (!canonical) return whole;
    original.set(canonical, uri);
    const replaced = `${lead}${quote}${canonical}${quote}`;
    const pad = whole.length - replaced.length;
    // A later year is the same length; only the shorter canonical form needs padding.
    return pad >= 0 ? replaced + ' '.repeat(pad) : replaced;
  });
  return { xml: out, rewrite: { original } };
}

/** The URI to answer with for a canonical namespace, honouring what the sender used. */
export function answerNs(rewrite: NsRewrite | undefined, canonical: string): string {
  return rewrite?.original.get(canonical) ?? canonical;
}
