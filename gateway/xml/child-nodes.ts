import { XmlTreeNode, type XmlElement, type XmlNode } from 'libxml2-wasm';

/**
 * An element's children in document order. libxml2-wasm gives a processing instruction no
 * `next`, so walking siblings stops at one and silently loses what follows it (a reading after
 * `<?pi?>` was dropped while the message was answered OK); past one, the children come from XPath.
 */
export function childNodes(elem: XmlElement): XmlNode[] {
  const out: XmlNode[] = [];
  for (let c: XmlNode | null = elem.firstChild; c; c = c instanceof XmlTreeNode ? c.next : null) {
    if (!(c instanceof XmlTreeNode)) return elem.find('node()');
    out.push(c);
  }
  return out;
}
