import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../gateway/config/config.js';
import { parseInbound } from '../../gateway/ingress/inbound-xml.js';
import { SchemaSet } from '../../gateway/xml/schema-set.js';

/**
 * The schema set the gateway compiles at start, against the shared samples and the schema
 * fixtures (`invalid-*` must be refused): the same check as scripts/check-xsd.sh, through the
 * gateway's own validator, so it needs no system xmllint.
 */
describe('XSD set against samples and schema fixtures', () => {
  const schemas = new SchemaSet([path.join(repoRoot, 'xsd')]);
  const folders = [path.join(repoRoot, '..', 'shared', 'docs', 'samples'), path.join(repoRoot, 'tests', 'fixtures', 'xsd')];
  const files = folders.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.xml')).map((f) => path.join(d, f)));

  it('has documents to check', () => assert.ok(files.length >= 15));
  for (const file of files) {
    const invalid = path.basename(file).startsWith('invalid-');
    it(`${invalid ? 'refuses' : 'accepts'} ${path.basename(file)}`, () => {
      const parsed = parseInbound(readFileSync(file, 'utf8'));
      try {
        const issues = schemas.validate(parsed.doc.root, parsed.text);
        if (invalid) assert.ok(issues.length > 0, 'expected schema errors');
        else assert.deepEqual(issues, []);
      } finally {
        parsed.doc.dispose();
      }
    });
  }
});
