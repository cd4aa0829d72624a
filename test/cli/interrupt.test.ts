/**
 * Ctrl-C (issue 13, point 4), on the compiled CLI in a process group of its own, signalled as a
 * terminal signals its foreground group: once, the deployment is stopped (StopDeployment: its hook's
 * process group ended, the deployment Stopped with MANUAL_STOP), everything stepdeploy started for it
 * ends, and the command exits 130 instead of waiting out the hook; twice, it exits at once and the
 * state directory is left recoverable. The same for `stepdeploy server` (SIGINT, SIGTERM) and for a
 * `deploy` that is a client of a running server. The time to exit is measured by
 * `npm run bench:interrupt`, not asserted here.
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

interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The compiled CLI as the leader of its own process group, as a shell runs a foreground job. */
function startCli(args: string[]): Running {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'stepdeploy.js'), ...args], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** What a terminal does on Ctrl-C: SIGINT to every process of the foreground group. */
function ctrlC(running: Running): void {
  process.kill(-running.child.pid!, 'SIGINT');
}

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Resolves with the exit, or fails if the process is still there after `ms` (it waited out the hook). */
async function exitWithin(running: Running, ms: number) {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`still running ${ms} ms after the signal`)), ms),
  );
  return Promise.race([running.exited, timeout]);
}

/** Whether a live (not zombie) process is in the group: /proc/<pid>/stat's state and pgrp. */
function groupAlive(pgid: number): boolean {
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

function newStateDir(prefix: string): string {
  const stateDir = join(tempDir(prefix), 'state');
  stateDirs.push(stateDir);
  return stateDir;
}

/**
 * A hook that would run for ten minutes, ignores SIGTERM, and leaves a child that ignores it too:
 * only its whole process group taken down with SIGKILL ends it.
 */
function stubbornRevision(): string {
  return writeTree(join(tempDir('sd-int-rev-'), 'stubborn'), {
    'appspec.yml':
      'version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: scripts/stubborn.sh\n      timeout: 900\n',
    'scripts/stubborn.sh': {
      content:
        '#!/bin/sh\ntrap "" TERM\n(trap "" TERM; sleep 600) &\n: > "$STEPDEPLOY_HOST_ROOT/started"\nwhile :; do sleep 1; done\n',
      mode: 0o755,
    },
  });
}

const started = (stateDir: string) => existsSync(join(stateDir, 'hosts', 'host-1', 'root', 'started'));
const serverFile = (stateDir: string) =>
  JSON.parse(readFileSync(join(stateDir, 'server.json'), 'utf8')) as { pid: number; endpoint: string };

async function statusOf(stateDir: string) {
  const result = await runCliAsync(['status', '--state-dir', stateDir, '--json']);
  return JSON.parse(result.stdout) as { status: string; errorCode: string | null };
}

describe.concurrent('Ctrl-C on deploy', () => {
  it('once: stops the deployment (Stopped, MANUAL_STOP), ends its hook and everything the command started, and exits 130', async () => {
    const stateDir = newStateDir('sd-int-once-');
    const deploy = startCli(['deploy', stubbornRevision(), '--state-dir', stateDir]);
    await until('the hook to start', () => started(stateDir));
    expect(hostProcesses(join(stateDir, 'hosts')).length).toBeGreaterThan(0);
    const watcher = Number(readFileSync(join(stateDir, 'running-events', 'watcher.pid'), 'utf8'));

    ctrlC(deploy);
    // Without the fix it waited out the ten-minute hook.
    const { code } = await exitWithin(deploy, 20_000);

    expect(code).toBe(130);
    // Nothing is left at the moment it exits: not the hook (which ignores SIGTERM), not its child,
    // not the event watcher, not a process of the command's own group (its server ran in it).
    expect(hostProcesses(join(stateDir, 'hosts'))).toEqual([]);
    expect(groupAlive(watcher)).toBe(false);
    expect(groupAlive(deploy.child.pid!)).toBe(false);
    expect(serverFile(stateDir)).toMatchObject({ pid: 0, endpoint: '' });
    expect(deploy.stderr()).toMatch(/interrupted: stopping d-[A-Z0-9]{9}/);
    expect(deploy.stderr()).not.toMatch(/\n\s+at /);
    expect(await statusOf(stateDir)).toMatchObject({ status: 'Stopped', errorCode: 'MANUAL_STOP' });
  });

  it('twice: exits at once, and the next commands find the directory recoverable', async () => {
    const stateDir = newStateDir('sd-int-twice-');
    const deploy = startCli(['deploy', stubbornRevision(), '--state-dir', stateDir]);
    await until('the hook to start', () => started(stateDir));

    ctrlC(deploy);
    // The second once the first is being handled (two signals sent at once arrive as one).
    await until('the first to be handled', () => deploy.stderr().includes('interrupted: stopping'));
    ctrlC(deploy);
    const { code } = await exitWithin(deploy, 20_000);
    expect(code).toBe(130);
    expect(deploy.stderr()).not.toMatch(/\n\s+at /);
    // No stale server.json blocks the next command.
    expect(serverFile(stateDir).pid).toBe(0);

    // The event watcher (or, were it gone too, the next command) ends the hook's groups.
    await until('the hook to be ended', () => hostProcesses(join(stateDir, 'hosts')).length === 0, 15_000);
    // The records are the next command's to open (the lock went with the process), and the deployment
    // has ended: Stopped if the first signal's stop got that far, else marked failed by that command.
    const status = await statusOf(stateDir);
    expect(['Stopped', 'Failed']).toContain(status.status);
  });
});

describe('signals with a running stepdeploy server', () => {
  it('Ctrl-C on a client deploy stops its deployment through the server, which runs on; SIGTERM then stops the server', async () => {
    const stateDir = newStateDir('sd-int-server-');
    const server = startCli(['server', '--state-dir', stateDir]);
    await until('the server', () => server.stderr().includes('ready in'));

    const deploy = startCli(['deploy', stubbornRevision(), '--state-dir', stateDir]);
    await until('the hook to start', () => started(stateDir));
    ctrlC(deploy);
    expect((await exitWithin(deploy, 20_000)).code).toBe(130);
    expect(deploy.stderr()).toMatch(/d-[A-Z0-9]{9} stopped\./);
    expect(await statusOf(stateDir)).toMatchObject({ status: 'Stopped', errorCode: 'MANUAL_STOP' });
    // The stop ended the hook's group (SIGTERM, then SIGKILL after the scripts' grace).
    await until('the hook to be ended', () => hostProcesses(join(stateDir, 'hosts')).length === 0, 15_000);
    expect(serverFile(stateDir).pid).toBe(server.child.pid);

    // A second deployment, interrupted by stopping the server itself.
    const second = startCli(['deploy', stubbornRevision(), '--state-dir', stateDir, '--json']);
    await until('the second hook to start', () => {
      const root = join(stateDir, 'hosts', 'host-1', 'root');
      return existsSync(join(root, 'started')) && hostProcesses(join(stateDir, 'hosts')).length > 0;
    });
    process.kill(server.child.pid!, 'SIGTERM');
    expect((await exitWithin(server, 20_000)).code).toBe(0);
    expect(server.stderr()).toMatch(/SIGTERM: stopping[\s\S]*stopped d-[A-Z0-9]{9}/);
    expect(hostProcesses(join(stateDir, 'hosts'))).toEqual([]);
    expect(serverFile(stateDir)).toMatchObject({ pid: 0, endpoint: '' });
    // Its client learns that its server went away, in a sentence.
    const client = await exitWithin(second, 20_000);
    expect(client.code).not.toBe(0);
    expect(second.stderr()).not.toMatch(/\n\s+at /);
    expect(await statusOf(stateDir)).toMatchObject({ status: 'Stopped', errorCode: 'MANUAL_STOP' });
  });
});

/** `npm run demo`'s command, as package.json has it. */
function demoCommand(): string[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return pkg.scripts.demo!.split(' ');
}

/** Live processes whose environment names a host root under `dir` (the demo's apps and scripts). */
function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').includes(`STEPDEPLOY_HOST_ROOT=${dir}`)) {
        pids.push(Number(entry));
      }
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

describe.concurrent('Ctrl-C on the demo (npm run demo)', () => {
  /**
   * The demo as `npm run demo` runs it (its package.json command, which must leave no process between
   * the terminal and the demo that could answer a slow Ctrl-C with SIGKILL, as tsx's own runner does),
   * with its temporary files in a directory of the test's.
   */
  function startDemo(...args: string[]) {
    const tmp = tempDir('sd-int-demo-');
    const [program, ...demoArgs] = demoCommand();
    expect(program).toBe('node');
    const child = spawn(process.execPath, [...demoArgs, ...args], {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', TMPDIR: tmp },
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('close', (code, signal) => resolve({ code, signal })),
    );
    const running: Running = { child, stdout: () => stdout, stderr: () => stderr, exited };
    return { running, tmp };
  }

  async function expectCleanedUp(demo: { running: Running; tmp: string }) {
    const { code } = await exitWithin(demo.running, 20_000);
    expect(code).toBe(130);
    expect(processesUnder(demo.tmp)).toEqual([]);
    expect(groupAlive(demo.running.child.pid!)).toBe(false);
    // Its directory (records, hosts, revisions) is gone; tsx's own cache may stay.
    expect(readdirSync(demo.tmp).filter((name) => !name.startsWith('tsx-'))).toEqual([]);
    expect(demo.running.stderr()).not.toMatch(/Database is closed|demo failed|\n\s+at /);
  }

  it('while its first deployment runs (the demo would go on to the next one)', async () => {
    const demo = startDemo();
    await until('the first deployment', () => /Deployment d-[A-Z0-9]{9}/.test(demo.running.stderr()));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    ctrlC(demo.running);
    await expectCleanedUp(demo);
  });

  // Its other parts have servers, hosts and tasks of their own: each ends with the demo.
  for (const part of ['ecs', 'blue-green']) {
    it(`while the ${part} part deploys`, async () => {
      const demo = startDemo('--only', part);
      await until(`the ${part} deployment`, () => /Deployment d-[A-Z0-9]{9}/.test(demo.running.stderr()));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      ctrlC(demo.running);
      await expectCleanedUp(demo);
    });
  }

  it('while a deployment runs under load, its apps serving through the load balancer', async () => {
    const demo = startDemo();
    await until('the deployment under load', () => demo.running.stdout().includes('under load'), 90_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(processesUnder(demo.tmp).length).toBeGreaterThan(0);
    ctrlC(demo.running);
    await expectCleanedUp(demo);
  });
});
