import { XMLBuilder } from 'fast-xml-parser';
import type { XNode } from './xnode.js';

type FxpNode = Record<string, unknown>;

const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
  processEntities: true,
  format: false,
});

export interface WriteOptions {
  /** Prefixes for namespaces declared once on the root; other namespaces become a default xmlns where they start. */
  prefixes?: Readonly<Record<string, string>>;
  /** Maps a canonical namespace to the URI written out (to answer in the sender's spelling). */
  nsOut?: (canonical: string) => string;
  declaration?: boolean;
}

/** Serialises an XNode tree. fast-xml-parser does the escaping; this only places namespaces. */
export function writeXml(root: XNode, options: WriteOptions = {}): string {
  const prefixes = options.prefixes ?? {};
  const nsOut = options.nsOut ?? ((ns: string) => ns);
  const convert = (node: XNode, defaultNs: string, isRoot: boolean): FxpNode => {
    const attrs: Record<string, string> = {};
    const prefix = prefixes[node.ns];
    let childDefault = defaultNs;
    if (isRoot) {
      for (const [ns, p] of Object.entries(prefixes)) attrs[`@_xmlns:${p}`] = nsOut(ns);
    }
    if (prefix === undefined && node.ns !== defaultNs) {
      attrs['@_xmlns'] = nsOut(node.ns);
      childDefault = node.ns;
    }
    for (const [k, v] of Object.entries(node.attrs ?? {})) attrs[`@_${k}`] = v;
    const tag = prefix ? `${prefix}:${node.name}` : node.name;
    const content: FxpNode[] = node.children
      ? node.children.map((c) => convert(c, childDefault, false))
      : node.text !== undefined ? [{ '#text': node.text }] : [];
    const out: FxpNode = { [tag]: content };
    if (Object.keys(attrs).length > 0) out[':@'] = attrs;
    return out;
  };
  const body = builder.build([convert(root, '', true)]) as string;
  return options.declaration === false ? body : `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}
