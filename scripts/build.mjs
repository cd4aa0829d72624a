// Compiles the CLI and the runtime it loads into dist/ (tsconfig.build.json), and copies beside it the
// files they read at run time: the state machines. Plain JavaScript, so it runs without tsx.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
  cwd: root,
});
rmSync(join(root, 'dist', 'statemachines'), { recursive: true, force: true });
cpSync(join(root, 'statemachines'), join(root, 'dist', 'statemachines'), { recursive: true });
// Read by the test set-up, which rebuilds when a source is newer than this.
writeFileSync(join(root, 'dist', '.built'), `${new Date().toISOString()}\n`);
