import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XMLBuilder } from 'fast-xml-parser';
import { mulberry32 } from '../../gateway/adapters/hes-simulator/prng.js';
import { parseUntrusted, toXNode } from '../../gateway/xml/xml-parser.js';
import { writeXml, type WriteOptions } from '../../gateway/xml/xml-writer.js';
import type { XNode } from '../../gateway/xml/xnode.js';

/** The writer this one replaced (fast-xml-parser's builder): the output must stay byte-for-byte the same. */
function builderWriteXml(root: XNode, options: WriteOptions = {}): string {
  const builder = new XMLBuilder({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true, processEntities: true, format: false });
  const prefixes = options.prefixes ?? {};
  const nsOut = options.nsOut ?? ((ns: string) => ns);
  const convert = (node: XNode, defaultNs: string, isRoot: boolean): Record<string, unknown> => {
    const attrs: Record<string, string> = {};
    const prefix = prefixes[node.ns];
    let childDefault = defaultNs;
    if (isRoot) for (const [ns, p] of Object.entries(prefixes)) attrs[`@_xmlns:${p}`] = nsOut(ns);
    if (prefix === undefined && node.ns !== defaultNs) {
      attrs['@_xmlns'] = nsOut(node.ns);
      childDefault = node.ns;
    }
    for (const [k, v] of Object.entries(node.attrs ?? {})) attrs[`@_${k}`] = v;
    const tag = prefix ? `${prefix}:${node.name}` : node.name;
    const content = node.children ? node.children.map((c) => convert(c, childDefault, false)) : node.text !== undefined ? [{ '#text': node.text }] : [];
    const out: Record<string, unknown> = { [tag]: content };
    if (Object.keys(attrs).length > 0) out[':@'] = attrs;
    return out;
  };
  const body = builder.build([convert(root, '', true)]) as string;
  return options.declaration === false ? body : `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}

const NS = ['http://iec.ch/TC57/2011/schema/message', 'http://iec.ch/TC57/2011/EndDeviceControls#', 'urn:x&y"z', 'urn:other'];
const TEXTS = ['', 'plain', "it's", 'x>y', 'a & b', '<tag>', 'it\'s "quoted"', '&amp; already', '  spaced  ', 'é ü 中文', ']]>', '\n', '0'];

function randomTree(random: () => number, depth: number): XNode {
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
  const node: XNode = { ns: pick(NS), name: pick(['a', 'Header', 'mRID', 'x-y', 'n.1']) };
  if (random() < 0.4) node.attrs = Object.fromEntries(Array.from({ length: 1 + Math.floor(random() * 3) }, (_, i) => [`at${i}`, pick(TEXTS)]));
  const r = random();
  if (depth < 5 && r < 0.5) node.children = Array.from({ length: Math.floor(random() * 4) }, () => randomTree(random, depth + 1));
  else if (r < 0.9) node.text = pick(TEXTS);
  if (node.children && random() < 0.3) node.text = 'ignored when there are children';
  return node;
}

describe('XML writer', () => {
  it('writes what the generic builder wrote, byte for byte, for random trees, prefixes and namespace spellings', () => {
    const random = mulberry32(42);
    for (let i = 0; i < 2000; i++) {
      const tree = randomTree(random, 0);
      const options: WriteOptions = {
        ...(random() < 0.7 ? { prefixes: { [NS[0]!]: 'm', ...(random() < 0.5 ? { [NS[2]!]: 'tns' } : {}) } } : {}),
        ...(random() < 0.5 ? { nsOut: (ns: string) => (ns === NS[0] ? 'http://www.iec.ch/TC57/2011/schema/message' : ns) } : {}),
        ...(random() < 0.5 ? { declaration: false } : {}),
      };
      assert.equal(writeXml(tree, options), builderWriteXml(tree, options), `tree ${i}: ${JSON.stringify(tree)}`);
    }
  });

  it('round-trips text and attributes with every special character through a parser', () => {
    const tree: XNode = { ns: 'urn:t', name: 'r', attrs: { v: `<&>'"` }, children: [{ ns: 'urn:t', name: 'c', text: `a<b>&c'd"e ]]>` }, { ns: 'urn:u', name: 'e' }] };
    const doc = parseUntrusted(writeXml(tree));
    try {
      const back = toXNode(doc.root, { maxDepth: 10, maxElements: 10, maxAttributesPerElement: 5 });
      assert.equal(back.attrs!.v, `<&>'"`);
      assert.equal(back.children![0]!.text, `a<b>&c'd"e ]]>`);
      assert.equal(back.children![1]!.ns, 'urn:u');
    } finally {
      doc.dispose();
    }
  });
});
