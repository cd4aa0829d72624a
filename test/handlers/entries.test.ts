/**
 * The Lambda entry files are generated from the flow registry by one convention (one small file per
 * function, so that CDK bundles each with its own step only): the set of files is exactly the
 * registry's functions, each file is exactly what the generator writes, and each exports the handler.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FLOWS } from '../../functions/flows/registry.js';
import { entrySource, kebabCase, lambdaFunctions } from '../../functions/handlers/wiring/functions.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const handlersDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../functions/handlers');
const entryFiles = readdirSync(handlersDir)
  .filter((name) => name.endsWith('.ts'))
  .sort();
const REGENERATE = 'run `npx tsx scripts/generate-handlers.ts`';

describe('Lambda entry files', () => {
  it('are exactly one per step of a flow and one per event target', () => {
    const functions = lambdaFunctions();
    expect(entryFiles, REGENERATE).toEqual(functions.map((fn) => `${fn.file}.ts`).sort());
    for (const flow of FLOWS) {
      for (const step of [flow.prepare, ...flow.steps])
        expect(entryFiles).toContain(`${kebabCase(step.name)}.ts`);
    }
    expect(new Set(functions.map((fn) => fn.spec.name)).size).toBe(functions.length);
  });

  it('are each exactly what the generator writes from the registry', () => {
    for (const fn of lambdaFunctions()) {
      expect(readFileSync(join(handlersDir, `${fn.file}.ts`), 'utf8'), `${fn.file}.ts: ${REGENERATE}`).toBe(
        entrySource(fn),
      );
    }
  });

  it('export the handler of their function, named after the function', async () => {
    for (const fn of lambdaFunctions()) {
      const module = (await import(join(handlersDir, `${fn.file}.ts`))) as { handler?: unknown };
      expect(typeof module.handler, fn.file).toBe('function');
    }
    expect(kebabCase('PrepareServerInPlace')).toBe('prepare-server-in-place');
    expect(kebabCase('CodeDeployApi')).toBe('code-deploy-api');
  });
});
