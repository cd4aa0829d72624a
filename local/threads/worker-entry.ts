import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running the module `entry` (a path relative to `base`, without extension): the
 * compiled JavaScript beside the caller, or, when the caller runs as TypeScript (tests, `tsx`), the
 * TypeScript module loaded through tsx, which a worker does not inherit from its parent.
 */
export function startWorker(base: string, entry: string, options: WorkerOptions = {}): Worker {
  const compiled = !base.endsWith('.ts');
  const url = new URL(`${entry}${compiled ? '.js' : '.ts'}`, base);
  if (compiled) return new Worker(url, options);
  const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsx = pathToFileURL(join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;
  return new Worker(
    `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`,
    { ...options, eval: true },
  );
}
