/**
 * The CLI tests run the `stepdeploy` bin, which runs the compiled JavaScript in dist/. Rebuilt here
 * when any source it compiles is newer than the last build, so every test run exercises the current
 * source (a fresh clone's `npm ci` builds it too, through `prepare`).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './cli/run-cli.js';

const SOURCES = ['functions', 'local', 'cli', 'statemachines', 'tsconfig.json', 'tsconfig.build.json'];
const STAMP = join(repoRoot, 'dist', '.built');

function newestChange(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, name)));
  return newest;
}

function builtAt(): number {
  try {
    return statSync(STAMP).mtimeMs;
  } catch {
    return 0;
  }
}

export default function setup(): void {
  const sources = Math.max(...SOURCES.map((name) => newestChange(join(repoRoot, name))));
  if (sources < builtAt()) return;
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
}
