/**
 * `npm run demo`: validates every AppSpec under examples/ and shows what each would do.
 * (The end-to-end Server demo replaces this once local hosts and the load balancer land.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { validateAppSpec } from '../functions/domain/appspec/index.js';
import { printVerdict } from '../cli/commands/appspec.js';

const examples = join(import.meta.dirname, '..', 'examples');

function appSpecFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return appSpecFiles(path);
    return /^appspec\.(ya?ml|json)$/.test(entry.name) ? [path] : [];
  });
}

let invalid = 0;
for (const file of appSpecFiles(examples).sort()) {
  const verdict = validateAppSpec(readFileSync(file, 'utf8'));
  printVerdict(relative(process.cwd(), file), verdict);
  console.log();
  if (!verdict.valid) invalid++;
}
process.exitCode = invalid === 0 ? 0 : 1;
