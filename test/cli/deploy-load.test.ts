/**
 * Issue 13, point 2: validating a huge AppSpec must not stall the load balancer. A deployment of a
 * revision whose (valid) AppSpec has 90,000 unknown keys (about 890 KB, seconds of validation) runs
 * with --load-balancer while a client in another process sends steady traffic through it; no
 * request may fail or pass its 1 s deadline.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stopHostProcesses } from '../../local/hosts/processes.js';
import { tempDir } from '../domain/instance-scripts/harness.js';
import { repoRoot, runCli, type CliResult } from './run-cli.js';

const work = tempDir('sd-load-');
const stateDir = join(work, 'state');
afterAll(async () => {
  await stopHostProcesses(join(stateDir, 'hosts'), 0);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Traffic {
  requests: number;
  failures: string[];
}

/**
 * `deploy` in the background; `ended` resolves when it prints the deployment's final status, which it
 * does before it closes its load balancer (requests after that would meet a closed listener).
 */
function deployInBackground(args: string[]): { ended: Promise<void>; exited: Promise<CliResult> } {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'stepdeploy.js'), 'deploy', ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
  });
  let stdout = '';
  let stderr = '';
  let announce: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (announce = resolve));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (/^Deployment d-\w+: (Succeeded|Failed|Stopped)/m.test(stderr)) announce();
  });
  const exited = new Promise<CliResult>((resolve) =>
    child.on('close', (code) => {
      announce();
      resolve({ code, stdout, stderr });
    }),
  );
  return { ended, exited };
}

/** One request every 10 ms from the first 200 on, each with a 1 s deadline, until `done` resolves. */
async function steadyTraffic(url: () => string | undefined, done: Promise<unknown>): Promise<Traffic> {
  let finished = false;
  void done.finally(() => (finished = true));
  const traffic: Traffic = { requests: 0, failures: [] };
  let serving = false;
  const inFlight: Array<Promise<void>> = [];
  while (!finished) {
    const target = url();
    if (target !== undefined) {
      const request = fetch(target, { signal: AbortSignal.timeout(1000) }).then(
        async (response) => {
          await response.arrayBuffer();
          if (response.status === 200) serving = true;
          if (!serving) return;
          traffic.requests++;
          if (response.status !== 200) traffic.failures.push(`HTTP ${String(response.status)}`);
        },
        (error: unknown) => {
          if (!serving) return;
          traffic.requests++;
          traffic.failures.push((error as Error).name);
        },
      );
      inFlight.push(request);
    }
    await sleep(10);
  }
  await Promise.all(inFlight);
  return traffic;
}

describe('a huge AppSpec deployed behind the load balancer under steady load', () => {
  it('fails and delays no request while it is validated and deployed', async () => {
    // Version 1: the apps run and are in service; the next process puts them back behind its load balancer.
    const first = runCli(
      [
        'deploy',
        'examples/webapp',
        '--application',
        'webapp',
        '--hosts',
        '2',
        '--load-balancer',
        '--config',
        'CodeDeployDefault.AllAtOnce',
        '--state-dir',
        stateDir,
        '--json',
      ],
      { timeoutMs: 120_000 },
    );
    expect(JSON.parse(first.stdout).status).toBe('Succeeded');

    const revision = join(work, 'webapp-huge');
    cpSync(join(repoRoot, 'examples', 'webapp'), revision, { recursive: true });
    const appspec = readFileSync(join(revision, 'appspec.yml'), 'utf8');
    const keys = Array.from({ length: 90_000 }, (_, i) => `k${String(i)}: 1`).join('\n');
    writeFileSync(join(revision, 'appspec.yml'), `${appspec.trimEnd()}\n${keys}\n`);
    expect(readFileSync(join(revision, 'appspec.yml')).length).toBeGreaterThan(850_000);

    // OneAtATime: one of the two hosts is in service at every moment.
    const deployment = deployInBackground([
      revision,
      '--application',
      'webapp',
      '--hosts',
      '2',
      '--load-balancer',
      '--state-dir',
      stateDir,
    ]);
    const runtime = join(stateDir, 'runtime.json');
    const url = () => {
      if (!existsSync(runtime)) return undefined;
      try {
        return (JSON.parse(readFileSync(runtime, 'utf8')) as { loadBalancerUrl?: string }).loadBalancerUrl;
      } catch {
        return undefined; // being written
      }
    };
    const traffic = await steadyTraffic(url, deployment.ended);
    const result = await deployment.exited;

    expect(result.code).toBe(0);
    // The load balancer's address is printed (and was in runtime.json, where the traffic found it).
    expect(result.stderr).toMatch(
      /^load balancer: http:\/\/127\.0\.0\.1:\d+ \(while this deployment runs; also in .*runtime\.json\)$/m,
    );
    expect(traffic.requests).toBeGreaterThan(300);
    expect(traffic.failures).toEqual([]);
  });
});
