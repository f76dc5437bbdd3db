#!/usr/bin/env node
// openapi/i8.yaml is the contract; the router's types are generated from it. `--check` (CI)
// fails when the committed file differs from what the spec generates, i.e. is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const spec = path.join(root, 'openapi', 'i8.yaml');
const out = path.join(root, 'gateway', 'i8', 'generated', 'i8-types.ts');
const banner = '// Generated from openapi/i8.yaml by scripts/generate-i8-types.mjs (npm run i8:types). Do not edit.\n\n';

const ast = await openapiTS(pathToFileURL(spec));
const generated = banner + astToString(ast);

if (process.argv.includes('--check')) {
  let current = '';
  try { current = readFileSync(out, 'utf8'); } catch { /* missing counts as stale */ }
  if (current !== generated) {
    console.error(`${path.relative(root, out)} is stale: run \`npm run i8:types\` and commit the result`);
    process.exit(1);
  }
  console.log(`${path.relative(root, out)} is up to date`);
} else {
  writeFileSync(out, generated);
  console.log(`wrote ${path.relative(root, out)}`);
}
