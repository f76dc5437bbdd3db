import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SchemaSet } from '../../xml/schema-set.js';

export const SCHEMA_ROUTE = '/cim/xsd/';

/**
 * Publishes the active schema set (the one validation uses, replacements included) for WSDL
 * clients. Each schema's imports are rewritten to the published URL of the namespace they
 * import, so a utility's extra folder may import across folders and clients still resolve it.
 */
export class SchemaPublisher {
  private readonly byNs = new Map<string, string>();
  private readonly sources = new Map<string, string>();

  constructor(schemas: SchemaSet, folders: readonly string[]) {
    const roots = folders.map((f) => path.resolve(f));
    for (const f of schemas.files) {
      const root = roots.filter((r) => f.file.startsWith(r + path.sep)).pop() ?? path.dirname(f.file);
      this.byNs.set(f.namespace, path.relative(root, f.file).split(path.sep).join('/'));
    }
    for (const f of schemas.files) {
      const source = readFileSync(f.file, 'utf8').replace(
        /(<(?:xs|xsd):import\b[^>]*?\bnamespace\s*=\s*["'])([^"']+)(["'][^>]*?\bschemaLocation\s*=\s*["'])([^"']*)(["'])/g,
        (whole, a: string, ns: string, b: string, _loc: string, c: string) => {
          const rel = this.byNs.get(ns);
          return rel ? `${a}${ns}${b}${SCHEMA_ROUTE}${rel}${c}` : whole;
        });
      this.sources.set(this.byNs.get(f.namespace)!, source);
    }
  }

  /** Absolute path (on this server) of the schema for a namespace. */
  urlFor(namespace: string): string | undefined {
    const rel = this.byNs.get(namespace);
    return rel ? `${SCHEMA_ROUTE}${rel}` : undefined;
  }

  source(relativePath: string): string | undefined {
    return this.sources.get(relativePath);
  }
}
