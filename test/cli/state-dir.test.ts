/**
 * Opening a state directory: every command that opens it first ends what a killed run left of its
 * lifecycle events (the run and its event watcher both killed with SIGKILL, so nothing else would
 * end them). `server` stands for `deploy` too (both open it by starting a server); `status` is in
 * deploy-processes.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostProcesses, stopHostProcesses } from '../../local/hosts/processes.js';
import { tempDir, writeTree } from '../domain/instance-scripts/harness.js';
import { repoRoot, runCliAsync } from './run-cli.js';

const children: ChildProcess[] = [];
const stateDirs: string[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const stateDir of stateDirs) await stopHostProcesses(join(stateDir, 'hosts'), 0);
});

function newStateDir(prefix: string): string {
  const stateDir = join(tempDir(prefix), 'state');
  stateDirs.push(stateDir);
  return stateDir;
}

function cli(args: string[]): { child: ChildProcess; stderr(): string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'stepdeploy.js'), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const recordedGroups = (stateDir: string) =>
  readdirSync(join(stateDir, 'running-events')).filter((name) => name.endsWith('.pgids'));

/**
 * A run killed in the middle of a hook that ignores SIGTERM, its event watcher killed too: the hook
 * and its child go on, and their process groups are still recorded in running-events.
 */
async function killedRun(stateDir: string): Promise<void> {
  const revision = writeTree(join(tempDir('sd-sdir-rev-'), 'stubborn'), {
    'appspec.yml':
      'version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: stubborn.sh\n      timeout: 900\n',
    'stubborn.sh': {
      content:
        '#!/bin/sh\ntrap "" TERM\n(trap "" TERM; sleep 600) &\n: > "$STEPDEPLOY_HOST_ROOT/started"\nwhile :; do sleep 1; done\n',
      mode: 0o755,
    },
  });
  const deploy = cli(['deploy', revision, '--state-dir', stateDir, '--json']);
  await until('the hook', () => existsSync(join(stateDir, 'hosts', 'host-1', 'root', 'started')));
  const watcher = Number(readFileSync(join(stateDir, 'running-events', 'watcher.pid'), 'utf8'));
  process.kill(-watcher, 'SIGKILL');
  deploy.child.kill('SIGKILL');
  await deploy.exited;
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(hostProcesses(join(stateDir, 'hosts')).length).toBeGreaterThan(0);
  expect(recordedGroups(stateDir).length).toBeGreaterThan(0);
}

describe.concurrent(
  'a killed run’s lifecycle processes are ended by the next command to open the directory',
  () => {
    it('server', async () => {
      const stateDir = newStateDir('sd-sdir-server-');
      await killedRun(stateDir);
      const server = cli(['server', '--state-dir', stateDir]);
      await until('the server', () => server.stderr().includes('ready in'));
      expect(hostProcesses(join(stateDir, 'hosts'))).toEqual([]);
      expect(recordedGroups(stateDir)).toEqual([]);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    });

    it('hosts stop', async () => {
      const stateDir = newStateDir('sd-sdir-hosts-');
      await killedRun(stateDir);
      const stopped = await runCliAsync(['hosts', 'stop', '--state-dir', stateDir]);
      expect(stopped.code).toBe(0);
      expect(hostProcesses(join(stateDir, 'hosts'))).toEqual([]);
      expect(recordedGroups(stateDir)).toEqual([]);
    });
  },
);
