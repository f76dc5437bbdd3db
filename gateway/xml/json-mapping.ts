import { ProtocolRejection } from '../cim/errors.js';
import { MSG_NS, nounNs } from './namespaces.js';
import type { XNode } from './xnode.js';

/**
 * The documented JSON form of a 61968-100 message (docs/json-mapping.md):
 * the root element's name is the top key, element names are keys, elements the schema
 * declares repeatable are always arrays, attributes are "@name", text beside attributes is
 * "#text", and namespaces follow from position. "@xmlns" appears only where an element's
 * namespace differs from the one its position implies, which keeps the mapping lossless.
 */

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

const WRAPPER_PARTS = new Set(['Header', 'Request', 'Reply', 'Payload']);
const REQUEST_FIELDS = new Set(['StartTime', 'EndTime', 'Option', 'ID']);
const PAYLOAD_FIELDS = new Set(['Compressed', 'Format']);

/** The namespace an element gets from its position under its parent. */
function impliedNs(parent: XNode, depth: number, name: string, messageNs: string): string {
  if (depth === 1) return messageNs; // Header, Request, Reply, Payload of the wrapper
  if (depth === 2 && WRAPPER_PARTS.has(parent.name) && (parent.ns === messageNs || parent.ns === MSG_NS)) {
    if (parent.name === 'Request' && !REQUEST_FIELDS.has(name)) return nounNs(name);
    if (parent.name === 'Payload' && !PAYLOAD_FIELDS.has(name)) return nounNs(name);
    // Typed wrappers declare their Request/Payload fields locally, in the wrapper namespace.
    if ((parent.name === 'Request' || parent.name === 'Payload') && messageNs !== MSG_NS) return messageNs;
    return MSG_NS;
  }
  return parent.ns;
}

/** Namespace of a message root given its name: the four generic roots or a typed wrapper. */
function rootNs(name: string): string {
  if (['RequestMessage', 'ResponseMessage', 'EventMessage', 'FaultMessage'].includes(name)) return MSG_NS;
  const m = /^(?:Get|Create|Change|Cancel|Close|Delete|Execute|Created|Changed|Canceled|Closed|Deleted|Executed)([A-Z]\w+)$/.exec(name)
    ?? /^([A-Z]\w+?)(?:ResponseMessage|FaultMessage)$/.exec(name);
  if (!m) throw new ProtocolRejection(400, 'Not a 61968-100 message', `top-level key "${name}" is not a 61968-100 message name`, { xpath: '/' });
  return `http://iec.ch/TC57/2011/${m[1]}Message`;
}

export function xnodeToJson(root: XNode, repeatable: ReadonlySet<string>): Record<string, Json> {
  const messageNs = root.ns;
  const convert = (node: XNode, depth: number, implied: string): Json => {
    const obj: Record<string, Json> = {};
    if (node.ns !== implied) obj['@xmlns'] = node.ns;
    for (const [k, v] of Object.entries(node.attrs ?? {})) obj[`@${k}`] = v;
    if (!node.children) {
      if (Object.keys(obj).length === 0) return node.text ?? '';
      if (node.text !== undefined) obj['#text'] = node.text;
      return obj;
    }
    const counts = new Map<string, number>();
    for (const c of node.children) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
    for (const c of node.children) {
      const value = convert(c, depth + 1, impliedNs(node, depth + 1, c.name, messageNs));
      const asArray = repeatable.has(`{${c.ns}}${c.name}`) || (counts.get(c.name) ?? 0) > 1;
      if (asArray) ((obj[c.name] ??= []) as Json[]).push(value);
      else obj[c.name] = value;
    }
    return obj;
  };
  return { [root.name]: convert(root, 0, messageNs) };
}

function wrongShape(detail: string, path: string): never {
  throw new ProtocolRejection(400, 'JSON does not have the message shape', detail, { xpath: path });
}

export function jsonToXnode(input: unknown, maxDepth: number): XNode {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) wrongShape('the body must be a JSON object with one key, the message name', '/');
  const keys = Object.keys(input);
  if (keys.length !== 1) wrongShape(`the body must have exactly one top-level key (the message name), found ${keys.length}`, '/');
  const rootName = keys[0]!;
  const messageNs = rootNs(rootName);

  const build = (name: string, value: Json, ns: string, depth: number, path: string): XNode => {
    if (depth > maxDepth) wrongShape(`nesting exceeds ${maxDepth} levels`, path);
    if (value === null || typeof value !== 'object') return { ns, name, text: String(value ?? '') };
    if (Array.isArray(value)) wrongShape('an array must be the value of an element key, not nested in another array', path);
    const explicitNs = value['@xmlns'];
    if (explicitNs !== undefined && typeof explicitNs !== 'string') wrongShape('"@xmlns" must be a string', path);
    const node: XNode = { ns: explicitNs ?? ns, name };
    for (const [k, v] of Object.entries(value)) {
      if (k === '@xmlns') continue;
      if (k.startsWith('@')) {
        if (typeof v === 'object' && v !== null) wrongShape(`attribute ${k} must be a string, number or boolean`, `${path}/${k}`);
        (node.attrs ??= {})[k.slice(1)] = String(v);
      } else if (k === '#text') {
        if (typeof v === 'object' && v !== null) wrongShape('"#text" must be a string, number or boolean', `${path}/#text`);
        node.text = String(v);
      } else {
        if (!/^[A-Za-z_][\w.-]*$/.test(k)) wrongShape(`"${k}" is not an XML element name`, `${path}/${k}`);
        const childNs = impliedNs(node, depth + 1, k, messageNs);
        const items = Array.isArray(v) ? v : [v];
        items.forEach((item, i) => {
          const child = build(k, item, childNs, depth + 1, `${path}/${k}${Array.isArray(v) ? `[${i + 1}]` : ''}`);
          (node.children ??= []).push(child);
        });
      }
    }
    if (node.children && node.text !== undefined && node.text.trim() !== '') wrongShape('an element cannot have both "#text" and child elements', path);
    return node;
  };
  return build(rootName, (input as Record<string, Json>)[rootName]!, messageNs, 0, `/${rootName}`);
}
