/**
 * No process of an unfinished lifecycle event outlives its deployment: `deploy` is killed with
 * SIGKILL in the middle of a hook and in the middle of Install, and what is left of the event's
 * processes is counted afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostProcesses, stopHostProcesses } from '../../local/hosts/processes.js';
import { tempDir } from '../domain/instance-scripts/harness.js';
import { repoRoot, runCliAsync } from './run-cli.js';

const started: ChildProcess[] = [];
const stateDirs: string[] = [];
afterAll(async () => {
  for (const child of started) child.kill('SIGKILL');
  for (const stateDir of stateDirs) await stopHostProcesses(join(stateDir, 'hosts'), 0);
});

function deployInBackground(revision: string, stateDir: string): ChildProcess {
  stateDirs.push(stateDir);
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'bin', 'stepdeploy.js'), 'deploy', revision, '--state-dir', stateDir, '--json'],
    { cwd: repoRoot, stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } },
  );
  started.push(child);
  return child;
}

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function killed(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

// Each test has its own state directory: they run side by side.
describe.concurrent('deploy killed with SIGKILL', () => {
  it('its watcher ends a running hook that ignores SIGTERM: nothing of the event is left 5 s later', async () => {
    const work = tempDir('sd-kill-hook-');
    const revision = join(work, 'app');
    mkdirSync(join(revision, 'scripts'), { recursive: true });
    writeFileSync(
      join(revision, 'appspec.yml'),
      'version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: scripts/stubborn.sh\n      timeout: 300\n',
    );
    writeFileSync(
      join(revision, 'scripts', 'stubborn.sh'),
      '#!/bin/sh\ntrap "" TERM\n(sleep 120) &\n: > "$STEPDEPLOY_HOST_ROOT/started"\nwhile :; do sleep 1; done\n',
      { mode: 0o755 },
    );
    const stateDir = join(work, 'state');
    const deploy = deployInBackground(revision, stateDir);
    const marker = join(stateDir, 'hosts', 'host-1', 'root', 'started');
    await until('the hook to start', () => existsSync(marker));
    expect(hostProcesses(join(stateDir, 'hosts')).length).toBeGreaterThan(0);

    await killed(deploy);
    await sleep(5000);

    expect(hostProcesses(join(stateDir, 'hosts'))).toEqual([]);
    // Recovery by the next command marks the deployment failed.
    const status = await runCliAsync(['status', '--state-dir', stateDir, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'Failed', errorCode: 'INTERNAL_ERROR' });
  });

  it('with its watcher killed too, during Install: the next command (status) ends what is left', async () => {
    const work = tempDir('sd-kill-install-');
    const revision = join(work, 'many');
    mkdirSync(join(revision, 'files'), { recursive: true });
    for (let i = 0; i < 4000; i++) writeFileSync(join(revision, 'files', `f${String(i)}`), `${String(i)}\n`);
    writeFileSync(
      join(revision, 'appspec.yml'),
      'version: 0.0\nos: linux\nfiles:\n  - source: files\n    destination: /srv/many\n',
    );
    const stateDir = join(work, 'state');
    const deploy = deployInBackground(revision, stateDir);
    const root = join(stateDir, 'hosts', 'host-1', 'root');
    // `<group id>-cleanup`: the group's id is a UUID (the group was created through the API).
    const instructions = join(root, 'opt/codedeploy-agent/deployment-root/deployment-instructions');
    await until(
      'Install to start copying',
      () => existsSync(instructions) && readdirSync(instructions).some((name) => name.endsWith('-cleanup')),
    );

    const watcher = Number(readFileSync(join(stateDir, 'running-events', 'watcher.pid'), 'utf8'));
    process.kill(watcher, 'SIGKILL');
    await killed(deploy);
    await sleep(1000);
    // The Install script is still copying: nothing else would end it.
    const left = hostProcesses(join(stateDir, 'hosts'));
    expect(left.length).toBeGreaterThan(0);

    const status = await runCliAsync(['status', '--state-dir', stateDir, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'Failed', errorCode: 'INTERNAL_ERROR' });
    expect(hostProcesses(join(stateDir, 'hosts'))).toEqual([]);
  });
});

describe('two deploy commands on one state directory', () => {
  it('the second deploys through the server the first started, which stays until the second is done', async () => {
    const work = tempDir('sd-two-deploys-');
    const stateDir = join(work, 'state');
    stateDirs.push(stateDir);
    const revision = (name: string, seconds: number) => {
      const dir = join(work, name);
      mkdirSync(join(dir, 'scripts'), { recursive: true });
      writeFileSync(
        join(dir, 'appspec.yml'),
        'version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: scripts/wait.sh\n      timeout: 60\n',
      );
      writeFileSync(join(dir, 'scripts', 'wait.sh'), `#!/bin/sh\nsleep ${seconds}\n`, { mode: 0o755 });
      return dir;
    };
    let firstEnded = 0;
    const first = runCliAsync(['deploy', revision('first', 2), '--state-dir', stateDir, '--json'], {
      timeoutMs: 120_000,
    }).then((result) => {
      firstEnded = Date.now();
      return result;
    });
    // The first one's server announces itself in server.json; the second finds it there.
    const serverFile = join(stateDir, 'server.json');
    await until('the first server', () => {
      try {
        return Number((JSON.parse(readFileSync(serverFile, 'utf8')) as { pid: number }).pid) > 0;
      } catch {
        return false;
      }
    });
    const second = await runCliAsync(
      ['deploy', revision('second', 5), '--deployment-group', 'other', '--state-dir', stateDir, '--json'],
      { timeoutMs: 120_000 },
    );
    const secondEnded = Date.now();
    const firstResult = await first;
    expect(JSON.parse(firstResult.stdout)).toMatchObject({ status: 'Succeeded' });
    expect(second.stderr).toBe('');
    expect(JSON.parse(second.stdout)).toMatchObject({ status: 'Succeeded' });
    // The second was a client: the first process's server ran its deployment to the end (its own,
    // with a shorter hook, had ended seconds before), and only then did the first process end.
    expect(firstEnded).toBeGreaterThanOrEqual(secondEnded - 1000);
    expect(JSON.parse(readFileSync(serverFile, 'utf8'))).toMatchObject({ pid: 0, endpoint: '' });
  });
});
