/**
 * Expected conditions end in a sentence, never a stack trace (issue 13, point 5): commands racing for
 * one state directory, a closed pipe, a server.json left behind by a process that is gone (or whose
 * pid another process has now), a deployment that ended meanwhile. The compiled CLI, as a user runs it.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stopHostProcesses } from '../../local/hosts/processes.js';
import { tempDir, writeTree } from '../domain/instance-scripts/harness.js';
import { repoRoot, runCliAsync, type CliResult } from './run-cli.js';

const stateDirs: string[] = [];
const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) server.close();
  for (const stateDir of stateDirs) await stopHostProcesses(join(stateDir, 'hosts'), 0);
});

function newStateDir(prefix: string): string {
  const stateDir = join(tempDir(prefix), 'state');
  stateDirs.push(stateDir);
  return stateDir;
}

function revision(name: string, hookSeconds = 0): string {
  const hooks =
    hookSeconds > 0 ? `hooks:\n  AfterInstall:\n    - location: wait.sh\n      timeout: 60\n` : '';
  return writeTree(join(tempDir('sd-exp-rev-'), name), {
    'appspec.yml': `version: 0.0\nos: linux\n${hooks}`,
    'wait.sh': {
      content: `#!/bin/sh\nsleep ${hookSeconds}\n: > "$STEPDEPLOY_HOST_ROOT/hook-finished"\n`,
      mode: 0o755,
    },
  });
}

const STACK = /\n\s+at |Database is closed|node:internal/;

function expectNoStack(result: CliResult): void {
  expect(result.stderr).not.toMatch(STACK);
  expect(result.stdout).not.toMatch(STACK);
}

/**
 * The CLI in a shell pipeline whose reader has gone (`| true` reads nothing and exits at once, as
 * `head` does once it has its lines): `2>&1` sends the progress lines there too. Resolves with the
 * CLI's own exit status and what it wrote to the terminal otherwise.
 */
function runIntoClosedPipe(args: string[], both: boolean): Promise<CliResult> {
  const cli = [process.execPath, join(repoRoot, 'bin', 'stepdeploy.js'), ...args]
    .map((word) => `'${word.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  return new Promise((resolve, reject) => {
    const shell = spawn('bash', ['-c', `${cli} ${both ? '2>&1 ' : ''}| true; exit \${PIPESTATUS[0]}`], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    shell.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    shell.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    shell.on('error', reject);
    shell.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.concurrent('commands racing for one state directory', () => {
  it('two deploys started together both deploy (the second through the first one’s server); status and list meanwhile answer', async () => {
    {
      const stateDir = newStateDir('sd-exp-race-');
      const [first, second, status, list] = await Promise.all([
        runCliAsync(['deploy', revision('a', 1), '--state-dir', stateDir, '--json'], { timeoutMs: 120_000 }),
        runCliAsync(
          ['deploy', revision('b', 1), '--deployment-group', 'other', '--state-dir', stateDir, '--json'],
          {
            timeoutMs: 120_000,
          },
        ),
        new Promise((resolve) => setTimeout(resolve, 300)).then(() =>
          runCliAsync(['status', '--state-dir', stateDir, '--json']),
        ),
        new Promise((resolve) => setTimeout(resolve, 100)).then(() =>
          runCliAsync(['list', '--state-dir', stateDir, '--json']),
        ),
      ]);
      for (const result of [first, second, status, list]) expectNoStack(result);
      expect(first.stderr).toBe('');
      expect(second.stderr).toBe('');
      expect(JSON.parse(first.stdout)).toMatchObject({ status: 'Succeeded' });
      expect(JSON.parse(second.stdout)).toMatchObject({ status: 'Succeeded' });
      // Before the first deployment exists, status says so (exit 2); after, it shows it.
      if (status.code === 2) expect(status.stderr).toBe(`stepdeploy: no deployments in ${stateDir}\n`);
      else expect(JSON.parse(status.stdout)).toHaveProperty('deploymentId');
      expect(list.code).toBe(0);
      expect(Array.isArray(JSON.parse(list.stdout))).toBe(true);
    }
  });
});

describe.concurrent('a closed pipe', () => {
  it('`stepdeploy server | head`: the server serves on once its reader has gone', async () => {
    const stateDir = newStateDir('sd-exp-pipe-server-');
    const cli = `'${process.execPath}' '${join(repoRoot, 'bin', 'stepdeploy.js')}' server --state-dir '${stateDir}'`;
    // It writes its export lines to the closed pipe first.
    const shell = spawn('bash', ['-c', `${cli} | true`], { cwd: repoRoot, stdio: 'ignore' });
    const serverPid = () => {
      try {
        return (JSON.parse(readFileSync(join(stateDir, 'server.json'), 'utf8')) as { pid: number }).pid;
      } catch {
        return 0;
      }
    };
    const deadline = Date.now() + 30_000;
    while (serverPid() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const pid = serverPid();
    expect(pid).toBeGreaterThan(0);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      // Another command finds it alive and goes through it.
      const listed = await runCliAsync(['list', '--state-dir', stateDir, '--json']);
      expect(listed.stderr).toBe('');
      expect(JSON.parse(listed.stdout)).toEqual([]);
      expect(serverPid()).toBe(pid);
      const lock = JSON.parse(readFileSync(join(stateDir, 'run', 'lock-holder.json'), 'utf8')) as {
        pid: number;
      };
      expect(lock.pid).toBe(pid);
    } finally {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // it had died
      }
      if (shell.exitCode === null) await new Promise((resolve) => shell.once('exit', resolve));
    }
  });

  it('`stepdeploy list | head`: the command exits quietly', async () => {
    const stateDir = newStateDir('sd-exp-pipe-');
    for (const args of [['list'], ['list', '--json']]) {
      const result = await runIntoClosedPipe([...args, '--state-dir', stateDir], false);
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
    }
  });

  it('`deploy ... 2>&1 | head`: the deployment runs to its end all the same', async () => {
    const stateDir = newStateDir('sd-exp-pipe-deploy-');
    const result = await runIntoClosedPipe(['deploy', revision('slow', 2), '--state-dir', stateDir], true);
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(existsSync(join(stateDir, 'hosts', 'host-1', 'root', 'hook-finished'))).toBe(true);
    const status = await runCliAsync(['status', '--state-dir', stateDir, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'Succeeded' });
  });
});

/** An HTTP server that answers every request as another service would: not this state directory's. */
async function unrelatedListener(): Promise<string> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end('{"__type":"UnrecognizedClientException","message":"not yours"}');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The pid of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe.concurrent('a server.json left behind', () => {
  it('by a process that is gone, or whose pid another process has now (another service on its port): recognised as stale', async () => {
    const stateDir = newStateDir('sd-exp-stale-');
    // A working state directory first: its key is the one the stale file keeps.
    const first = await runCliAsync(['deploy', revision('quick'), '--state-dir', stateDir, '--json']);
    expect(first.code).toBe(0);
    const file = join(stateDir, 'server.json');
    const leaveStale = (pid: number, endpoint: string) => {
      const current = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      writeFileSync(file, JSON.stringify({ ...current, endpoint, s3Endpoint: endpoint, pid }), {
        mode: 0o600,
      });
    };

    // Dead pid, nothing listening.
    leaveStale(await deadPid(), 'http://127.0.0.1:9');
    const status = await runCliAsync(['status', '--state-dir', stateDir, '--json']);
    expectNoStack(status);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'Succeeded' });
    // Whoever opened the directory left the file saying that no server runs.
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: 0, endpoint: '' });

    // A live pid that is not a stepdeploy server (this test's), and another service on the port.
    leaveStale(process.pid, await unrelatedListener());
    const deployed = await runCliAsync(['deploy', revision('quick'), '--state-dir', stateDir, '--json']);
    expect(deployed.stderr).toBe('');
    expect(JSON.parse(deployed.stdout)).toMatchObject({ status: 'Succeeded' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: 0, endpoint: '' });
  });
});

describe.concurrent('a deployment that ended meanwhile', () => {
  it('stop and continue answer in a sentence, with or without a running server', async () => {
    const stateDir = newStateDir('sd-exp-ended-');
    const deployed = await runCliAsync(['deploy', revision('quick'), '--state-dir', stateDir, '--json']);
    const { deploymentId } = JSON.parse(deployed.stdout) as { deploymentId: string };

    const stopped = await runCliAsync(['stop', deploymentId, '--state-dir', stateDir]);
    expect(stopped).toMatchObject({
      code: 1,
      stderr: `stepdeploy: deployment ${deploymentId} is not running: Succeeded\n`,
    });

    const server = spawn(
      process.execPath,
      [join(repoRoot, 'bin', 'stepdeploy.js'), 'server', '--state-dir', stateDir],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let log = '';
    server.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    try {
      const deadline = Date.now() + 30_000;
      while (!log.includes('ready in') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const viaServer = await runCliAsync(['stop', deploymentId, '--state-dir', stateDir]);
      expectNoStack(viaServer);
      expect(viaServer.code).toBe(1);
      expect(viaServer.stderr).toMatch(new RegExp(`^stepdeploy: .*${deploymentId}.*completed`));
      const continued = await runCliAsync(['continue', deploymentId, '--state-dir', stateDir]);
      expectNoStack(continued);
      expect(continued.code).toBe(1);
      expect(continued.stderr).toMatch(/^stepdeploy: /);
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
  });
});
