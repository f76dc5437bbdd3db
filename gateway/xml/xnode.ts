/**
 * A plain, namespace-resolved element tree. Everything past validation works on this
 * (never on a live libxml2 document), so the wasm memory of a parse is freed at once
 * and handlers stay independent of the parser.
 */
export interface XNode {
  ns: string;
  name: string;
  attrs?: Record<string, string>;
  children?: XNode[];
  text?: string;
  /** Source line, when the node came from a parse (for error reports). */
  line?: number;
}

export type XChild = XNode | null | undefined | false;

/** Builds an element; string content becomes text, undefined children are dropped. */
export function el(ns: string, name: string, content?: string | number | boolean | XChild[] | null, attrs?: Record<string, string>): XNode {
  const node: XNode = { ns, name };
  if (attrs && Object.keys(attrs).length > 0) node.attrs = attrs;
  if (Array.isArray(content)) {
    const kids = content.filter((c): c is XNode => Boolean(c));
    if (kids.length > 0) node.children = kids;
  } else if (content !== undefined && content !== null) {
    node.text = String(content);
  }
  return node;
}

/** An element with text, or nothing when the value is absent (optional CIM elements). */
export function opt(ns: string, name: string, value: string | number | boolean | null | undefined): XNode | undefined {
  return value === undefined || value === null || value === '' ? undefined : el(ns, name, value);
}

export function children(node: XNode | undefined, name?: string, ns?: string): XNode[] {
  if (!node?.children) return [];
  return node.children.filter((c) => (name === undefined || c.name === name) && (ns === undefined || c.ns === ns));
}

export function child(node: XNode | undefined, name: string, ns?: string): XNode | undefined {
  return node?.children?.find((c) => c.name === name && (ns === undefined || c.ns === ns));
}

/** Text of a child element, trimmed; undefined when absent or empty. */
export function text(node: XNode | undefined, name?: string): string | undefined {
  const target = name === undefined ? node : child(node, name);
  const t = target?.text?.trim();
  return t === undefined || t === '' ? undefined : t;
}

/** Text at a path of child names. */
export function textAt(node: XNode | undefined, ...names: string[]): string | undefined {
  let cur = node;
  for (const n of names.slice(0, -1)) cur = child(cur, n);
  return text(cur, names[names.length - 1]);
}

export function attr(node: XNode | undefined, name: string): string | undefined {
  return node?.attrs?.[name];
}

/** Copies a subtree into another namespace (used to re-home typed-message children). */
export function rehome(node: XNode, fromNs: string, toNs: string): XNode {
  const out: XNode = { ...node, ns: node.ns === fromNs ? toNs : node.ns };
  if (node.children) out.children = node.children.map((c) => rehome(c, fromNs, toNs));
  return out;
}
