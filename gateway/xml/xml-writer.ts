import type { XNode } from './xnode.js';

export interface WriteOptions {
  /** Prefixes for namespaces declared once on the root; other namespaces become a default xmlns where they start. */
  prefixes?: Readonly<Record<string, string>>;
  /** Maps a canonical namespace to the URI written out (to answer in the sender's spelling). */
  nsOut?: (canonical: string) => string;
  declaration?: boolean;
}

const SPECIAL = /[&<>'"]/;
const SPECIAL_ALL = /[&<>'"]/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&apos;', '"': '&quot;' };

/** The five XML entities in text and attribute values (what fast-xml-parser's builder wrote before: same bytes). */
function escape(value: string): string {
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (c) => ENTITY[c]!) : value;
}

/**
 * Serialises an XNode tree: every answer goes through here, so it writes the string directly
 * (the generic builder it replaces spent most of its time converting the tree and validating
 * names). Output is byte-for-byte what that builder wrote: empty elements self-close, the five
 * entities are escaped in text and attributes, no indentation.
 */
export function writeXml(root: XNode, options: WriteOptions = {}): string {
  const prefixes = options.prefixes ?? {};
  const nsOut = options.nsOut ?? ((ns: string) => ns);
  let rootDecls = '';
  for (const [ns, p] of Object.entries(prefixes)) rootDecls += ` xmlns:${p}="${escape(nsOut(ns))}"`;
  const parts: string[] = [];
  const write = (node: XNode, defaultNs: string, isRoot: boolean): void => {
    const prefix = prefixes[node.ns];
    const tag = prefix ? `${prefix}:${node.name}` : node.name;
    let open = `<${tag}`;
    if (isRoot) open += rootDecls;
    let childDefault = defaultNs;
    if (prefix === undefined && node.ns !== defaultNs) {
      open += ` xmlns="${escape(nsOut(node.ns))}"`;
      childDefault = node.ns;
    }
    if (node.attrs) for (const k in node.attrs) open += ` ${k}="${escape(node.attrs[k]!)}"`;
    const kids = node.children;
    if (kids && kids.length > 0) {
      parts.push(open, '>');
      for (const c of kids) write(c, childDefault, false);
      parts.push(`</${tag}>`);
    } else if (!kids && node.text !== undefined && node.text !== '') {
      parts.push(open, '>', escape(node.text), `</${tag}>`);
    } else {
      parts.push(open, '/>');
    }
  };
  write(root, '', true);
  const body = parts.join('');
  return options.declaration === false ? body : `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}
