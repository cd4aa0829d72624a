/**
 * How long Ctrl-C takes to end a command (issue 13, point 4): the compiled `stepdeploy` in a process
 * group of its own, signalled as a terminal signals its foreground job, in the middle of a hook that
 * would run ten minutes. Printed: the time from the signal to the process' exit, its exit code, and
 * how many processes of the hosts are left at that moment and 5 s later. Cases: `deploy` with its own server (a
 * hook that exits on SIGTERM, and one that ignores it), `deploy` as the client of a running server,
 * `stepdeploy server` itself, and the second Ctrl-C.
 *
 *   npm run build && npx tsx scripts/bench-interrupt.ts [runs]      (or: npm run bench:interrupt)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { hostProcesses, stopHostProcesses } from '../local/hosts/processes.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 3);
const work = mkdtempSync(join(tmpdir(), 'stepdeploy-bench-interrupt-'));

function revision(name: string, script: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'appspec.yml'),
    'version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: hook.sh\n      timeout: 900\n',
  );
  writeFileSync(join(dir, 'hook.sh'), `#!/bin/sh\n: > "$STEPDEPLOY_HOST_ROOT/started"\n${script}\n`, {
    mode: 0o755,
  });
  return dir;
}

const PLAIN = revision('plain', 'sleep 600');
const STUBBORN = revision('stubborn', 'trap "" TERM\n(trap "" TERM; sleep 600) &\nwhile :; do sleep 1; done');

interface Cli {
  child: ChildProcess;
  exited: Promise<number | null>;
  log(): string;
}

function cli(args: string[]): Cli {
  const child = spawn(process.execPath, [join(root, 'bin', 'stepdeploy.js'), ...args], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, log: () => stderr };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const started = (stateDir: string) => existsSync(join(stateDir, 'hosts', 'host-1', 'root', 'started'));

/** Signals `target`'s group once (or twice) and measures until it exits. */
async function interrupt(target: Cli, twice = false) {
  const start = performance.now();
  process.kill(-target.child.pid!, 'SIGINT');
  if (twice) {
    // Once the first is being handled: two signals sent at once arrive as one.
    await until(() => target.log().includes('interrupted: stopping'));
    process.kill(-target.child.pid!, 'SIGINT');
  }
  const code = await target.exited;
  return { ms: performance.now() - start, code };
}

interface Case {
  name: string;
  run(stateDir: string): Promise<{ ms: number; code: number | null }>;
}

const CASES: Case[] = [
  {
    name: 'deploy, own server, hook exits on SIGTERM',
    async run(stateDir) {
      const deploy = cli(['deploy', PLAIN, '--state-dir', stateDir]);
      await until(() => started(stateDir));
      return interrupt(deploy);
    },
  },
  {
    name: 'deploy, own server, hook ignores SIGTERM',
    async run(stateDir) {
      const deploy = cli(['deploy', STUBBORN, '--state-dir', stateDir]);
      await until(() => started(stateDir));
      return interrupt(deploy);
    },
  },
  {
    name: 'deploy, own server, Ctrl-C twice',
    async run(stateDir) {
      const deploy = cli(['deploy', STUBBORN, '--state-dir', stateDir]);
      await until(() => started(stateDir));
      return interrupt(deploy, true);
    },
  },
  {
    name: 'deploy, client of a running server',
    async run(stateDir) {
      const server = cli(['server', '--state-dir', stateDir]);
      await until(() => server.log().includes('ready in'));
      const deploy = cli(['deploy', PLAIN, '--state-dir', stateDir]);
      await until(() => started(stateDir));
      const result = await interrupt(deploy);
      process.kill(server.child.pid!, 'SIGTERM');
      await server.exited;
      return result;
    },
  },
  {
    name: 'stepdeploy server, during a deployment',
    async run(stateDir) {
      const server = cli(['server', '--state-dir', stateDir]);
      await until(() => server.log().includes('ready in'));
      const deploy = cli(['deploy', PLAIN, '--state-dir', stateDir]);
      await until(() => started(stateDir));
      const result = await interrupt(server);
      await deploy.exited;
      return result;
    },
  },
];

console.log(`Time from Ctrl-C (SIGINT to the process group) to exit, ${runs} runs each`);
console.log(
  `${'case'.padEnd(44)} ${'exit'.padStart(5)} ${'min ms'.padStart(7)} ${'median'.padStart(7)} ${'max ms'.padStart(7)} ${'left at exit'.padStart(12)} ${'5 s later'.padStart(9)}`,
);
for (const test of CASES) {
  const times: number[] = [];
  const codes = new Set<number | null>();
  let left = 0;
  let leftLater = 0;
  for (let run = 0; run < runs; run++) {
    const stateDir = join(work, `${CASES.indexOf(test)}-${run}`, 'state');
    const { ms, code } = await test.run(stateDir);
    times.push(ms);
    codes.add(code);
    left = Math.max(left, hostProcesses(join(stateDir, 'hosts')).length);
    // What the event watcher (a second Ctrl-C leaves it the work) has not ended 5 s later.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    leftLater = Math.max(leftLater, hostProcesses(join(stateDir, 'hosts')).length);
    await stopHostProcesses(join(stateDir, 'hosts'), 0);
  }
  times.sort((a, b) => a - b);
  console.log(
    `${test.name.padEnd(44)} ${[...codes].join(',').padStart(5)} ${times[0]!.toFixed(0).padStart(7)} ${times[Math.floor(times.length / 2)]!.toFixed(0).padStart(7)} ${times.at(-1)!.toFixed(0).padStart(7)} ${String(left).padStart(12)} ${String(leftLater).padStart(9)}`,
  );
}
rmSync(work, { recursive: true, force: true });
