// `npm run bench [-- name…]`: runs every bench/*.bench.ts (or those named) one after the other
// and prints what each measured. Each benchmark reports ratios against a baseline it measured
// in the same run, so numbers from different machines or days are never compared directly.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort()
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)));

for (const file of files) {
  const mod = (await import(pathToFileURL(path.join(here, file)).href)) as { run: () => Promise<Record<string, number | string>> };
  const started = Date.now();
  console.log(`\n## ${file}`);
  const results = await mod.run();
  const width = Math.max(...Object.keys(results).map((k) => k.length));
  for (const [k, v] of Object.entries(results)) {
    console.log(`  ${k.padEnd(width)}  ${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(3)) : v}`);
  }
  console.log(`  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
