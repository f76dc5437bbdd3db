import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { XmlDocument, XmlElement, XmlValidateError, XsdValidator, type XmlNode } from 'libxml2-wasm';
import { xmlRegisterFsInputProviders } from 'libxml2-wasm/lib/nodejs.mjs';
import { childNodes } from './child-nodes.js';

export interface ValidationIssue {
  message: string;
  line?: number;
  column?: number;
  /** Element path from the message root, local names, `[n]` where siblings share a name. */
  xpath?: string;
}

export interface SchemaFile {
  namespace: string;
  file: string;
  imports: number;
}

const XS = 'http://www.w3.org/2001/XMLSchema';
let fsProvidersRegistered = false;

function xsdFiles(folder: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(folder).sort()) {
    const full = path.join(folder, entry);
    if (statSync(full).isDirectory()) out.push(...xsdFiles(full));
    else if (entry.endsWith('.xsd')) out.push(full);
  }
  return out;
}

/** Namespace → file over all folders; a later folder replaces an earlier one's namespace. */
export function discoverSchemas(folders: readonly string[]): SchemaFile[] {
  const byNs = new Map<string, SchemaFile>();
  for (const folder of folders) {
    for (const file of xsdFiles(path.resolve(folder))) {
      const source = readFileSync(file, 'utf8');
      const ns = /targetNamespace\s*=\s*["']([^"']+)["']/.exec(source)?.[1];
      if (!ns) continue;
      byNs.set(ns, { namespace: ns, file, imports: (source.match(/<(?:xs|xsd):import\b/g) ?? []).length });
    }
  }
  // Dependencies first: libxml2 keeps the first import of a namespace, so a replaced base
  // schema must be imported before the schemas that import it by relative location.
  return [...byNs.values()].sort((a, b) => a.imports - b.imports || a.namespace.localeCompare(b.namespace));
}

function bundleSource(files: SchemaFile[]): string {
  const imports = files.map((f) => `  <xs:import namespace="${f.namespace}" schemaLocation="${f.file}"/>`).join('\n');
  return `<xs:schema xmlns:xs="${XS}" targetNamespace="urn:cim-gateway:bundle">\n${imports}\n</xs:schema>`;
}

/** `{ns}local` → `local`: the namespace is in the path already and makes reasons unreadable. */
function readable(message: string): string {
  return message.trim().replace(/\{[^}]*\}/g, '');
}

/** libxml2 names steps with the document's own prefixes, which a fresh XPath context lacks. */
function prefixFree(xpath: string): string {
  // XML names go far beyond \w (any letter of any script): match everything but the step syntax.
  return xpath.replace(/(^|\/)([^/[\]:']+):([^/[\]:']+)/g, "$1*[local-name()='$3']");
}

/** The node an error names; a path we cannot evaluate only costs the report its xpath. */
function locate(root: XmlElement, xpath: string): XmlNode | null {
  try {
    return root.doc.get(prefixFree(xpath));
  } catch {
    return null;
  }
}

/** Path of an element relative to the message root, in the form peers expect. */
export function elementPath(node: XmlElement, root: XmlElement): string {
  const parts: string[] = [];
  for (let cur: XmlElement | null = node; cur; cur = cur.parent) {
    let index = 1;
    let same = 0;
    for (const s of cur.parent ? childNodes(cur.parent) : []) {
      if (s instanceof XmlElement && s.name === cur.name && s.namespaceUri === cur.namespaceUri) {
        same++;
        if (s.isSameNode(cur)) index = same;
      }
    }
    parts.unshift(same > 1 ? `${cur.name}[${index}]` : cur.name);
    if (cur.isSameNode(root)) break;
  }
  return '/' + parts.join('/');
}

/** Column of an element's start tag on its line: libxml2 reports none for validity errors. */
function startTagColumn(sourceLines: string[] | undefined, line: number, node: XmlElement): number | undefined {
  const src = sourceLines?.[line - 1];
  if (!src) return undefined;
  const tag = node.prefix ? `${node.prefix}:${node.name}` : node.name;
  const re = new RegExp(`<${tag.replace(/[.-]/g, '\\$&')}(?=[\\s/>])`);
  const at = src.search(re);
  return at === -1 ? undefined : at + 1;
}

/** The compiled schema set: compiled once at start, shared by every request. */
export class SchemaSet {
  private readonly validator: XsdValidator;
  readonly files: SchemaFile[];
  /** `{ns}local` of every element declared repeatable (maxOccurs > 1) in any schema. */
  readonly repeatable: ReadonlySet<string>;
  /** `{ns}local` of every global element. */
  readonly globalElements: ReadonlySet<string>;

  constructor(folders: readonly string[]) {
    if (!fsProvidersRegistered) {
      xmlRegisterFsInputProviders();
      fsProvidersRegistered = true;
    }
    this.files = discoverSchemas(folders);
    if (this.files.length === 0) throw new Error(`no XSD files in ${folders.join(', ')}`);
    const bundle = XmlDocument.fromString(bundleSource(this.files), { url: path.join(path.resolve(folders[0]!), '__bundle__.xsd') });
    try {
      this.validator = XsdValidator.fromDoc(bundle);
    } finally {
      bundle.dispose();
    }
    const { repeatable, globals } = this.declarations();
    this.repeatable = repeatable;
    this.globalElements = globals;
  }

  /** Validates an element subtree (the CIM message inside whatever carried it); the source text is only read on failure. */
  validate(root: XmlElement, source?: string | (() => string)): ValidationIssue[] {
    try {
      this.validator.validate(root);
      return [];
    } catch (err) {
      if (!(err instanceof XmlValidateError)) throw err;
      const lines = (typeof source === 'function' ? source() : source)?.split('\n');
      return err.details.map((d) => {
        const issue: ValidationIssue = { message: readable(d.message) };
        if (d.line) issue.line = d.line;
        const node = d.xpath ? locate(root, d.xpath) : null;
        if (node instanceof XmlElement) {
          issue.xpath = elementPath(node, root);
          const column = d.col || startTagColumn(lines, d.line, node);
          if (column) issue.column = column;
        }
        return issue;
      });
    }
  }

  private declarations(): { repeatable: Set<string>; globals: Set<string> } {
    const repeatable = new Set<string>();
    const globals = new Set<string>();
    for (const f of this.files) {
      const doc = XmlDocument.fromString(readFileSync(f.file, 'utf8'));
      try {
        const ns = { xs: XS };
        for (const node of doc.find('/xs:schema/xs:element[@name]', ns)) {
          if (node instanceof XmlElement) globals.add(`{${f.namespace}}${node.attr('name')!.value}`);
        }
        for (const node of doc.find('//xs:element[@maxOccurs]', ns)) {
          if (!(node instanceof XmlElement)) continue;
          const max = node.attr('maxOccurs')!.value;
          if (max === '0' || max === '1') continue;
          const name = node.attr('name')?.value;
          const ref = node.attr('ref')?.value;
          if (name) repeatable.add(`{${f.namespace}}${name}`);
          else if (ref) {
            const [prefix, local] = ref.includes(':') ? ref.split(':') : ['', ref];
            const refNs = node.namespaceForPrefix(prefix!) ?? f.namespace;
            repeatable.add(`{${refNs}}${local}`);
          }
        }
      } finally {
        doc.dispose();
      }
    }
    return { repeatable, globals };
  }
}
