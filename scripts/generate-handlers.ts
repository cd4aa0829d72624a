/**
 * Writes functions/handlers/<name>.ts for every Lambda function of the flow registry (and removes the
 * entries of functions that no longer exist): run it after adding a flow or a step.
 * `npx tsx scripts/generate-handlers.ts`
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { entrySource, lambdaFunctions } from '../functions/handlers/wiring/functions.js';

const dir = join(import.meta.dirname, '..', 'functions', 'handlers');
const functions = lambdaFunctions();
const wanted = new Set(functions.map((fn) => `${fn.file}.ts`));
for (const name of readdirSync(dir)) {
  if (name.endsWith('.ts') && !wanted.has(name)) {
    rmSync(join(dir, name));
    console.log(`removed ${name}`);
  }
}
for (const fn of functions) writeFileSync(join(dir, `${fn.file}.ts`), entrySource(fn));
console.log(`${functions.length} entries written to functions/handlers/`);
