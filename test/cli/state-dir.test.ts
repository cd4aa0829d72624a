/**
 * Opening a state directory (issue 13, point 5 of the hardening brief): every command that opens it
 * first ends what a killed run left of its lifecycle events (the run and its event watcher both killed
 * with SIGKILL, so nothing else would end them); and the load balancers' URLs live in server.json,
 * where a later run finds them and listens on the same ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostProcesses, stopHostProcesses } from '../../local/hosts/processes.js';
import { tempDir, writeTree } from '../domain/instance-scripts/harness.js';
import { repoRoot, runCliAsync } from './run-cli.js';

const children: ChildProcess[] = [];
const stateDirs: string[] = [];
const blockers: Server[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const blocker of blockers) blocker.close();
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

const quick = () =>
  writeTree(join(tempDir('sd-sdir-rev-'), 'quick'), { 'appspec.yml': 'version: 0.0\nos: linux\n' });

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
    it('deploy', async () => {
      const stateDir = newStateDir('sd-sdir-deploy-');
      await killedRun(stateDir);
      const next = await runCliAsync(['deploy', quick(), '--state-dir', stateDir, '--json']);
      expect(JSON.parse(next.stdout)).toMatchObject({ status: 'Succeeded' });
      expect(hostProcesses(join(stateDir, 'hosts'))).toEqual([]);
      expect(recordedGroups(stateDir)).toEqual([]);
    });

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

describe('the load balancer’s URL', () => {
  const urlIn = (stderr: string) => /load balancer: (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
  const serverFile = (stateDir: string) =>
    JSON.parse(readFileSync(join(stateDir, 'server.json'), 'utf8')) as {
      pid: number;
      loadBalancers: Record<string, string>;
    };

  // The example web app: its /health answers, so the load balancer's health checks pass.
  const webapp = join(repoRoot, 'examples', 'webapp');
  const deployBehind = (stateDir: string) =>
    runCliAsync(['deploy', webapp, '--state-dir', stateDir, '--load-balancer'], { timeoutMs: 120_000 });

  it('is printed, kept in server.json when the run ends, and the same on the next run; a taken port gets another', async () => {
    const stateDir = newStateDir('sd-sdir-lb-');
    const first = await deployBehind(stateDir);
    expect(first.code).toBe(0);
    const url = urlIn(first.stderr);
    expect(url).toBeDefined();
    expect(serverFile(stateDir)).toMatchObject({ pid: 0, loadBalancers: { local: url } });

    const second = await deployBehind(stateDir);
    expect(second.code).toBe(0);
    expect(urlIn(second.stderr)).toBe(url);

    // Another process has the port now: the next run listens elsewhere, and says where.
    const blocker = createServer();
    blockers.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(Number(new URL(url!).port), '127.0.0.1', resolve));
    const third = await deployBehind(stateDir);
    expect(third.code).toBe(0);
    const moved = urlIn(third.stderr);
    expect(moved).toBeDefined();
    expect(moved).not.toBe(url);
    expect(serverFile(stateDir).loadBalancers).toEqual({ local: moved });
  }, 300_000);
});
