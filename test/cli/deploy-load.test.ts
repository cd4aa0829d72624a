/**
 * Issue 13, point 2: validating a huge AppSpec must not stall the load balancer. A deployment of a
 * revision whose (valid) AppSpec has 90,000 unknown keys (about 890 KB, seconds of validation) runs
 * with --load-balancer while the test sends steady traffic through it, from the moment the host that
 * was in service serves again until the host's first lifecycle event begins (it is then taken out of
 * service for its new version): Prepare validates the AppSpec in between. No request may fail or pass its 1 s
 * deadline. (That in-place deployments behind the load balancer fail no request at all is shown by
 * the demo and test/local/flows/server-deployment.test.ts.)
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
 * `deploy` in the background (progress lines on stderr, one per change); `blocking` resolves when
 * the host's first event begins (the first may take it out of service), or when the process ends.
 */
function deployInBackground(args: string[]): { blocking: Promise<void>; exited: Promise<CliResult> } {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'stepdeploy.js'), 'deploy', ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
  });
  let stdout = '';
  let stderr = '';
  let announce: () => void = () => undefined;
  const blocking = new Promise<void>((resolve) => (announce = resolve));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (/host-1=BeforeBlockTraffic|^Deployment d-\w+: (Succeeded|Failed|Stopped)/m.test(stderr)) announce();
  });
  const exited = new Promise<CliResult>((resolve) =>
    child.on('close', (code) => {
      announce();
      resolve({ code, stdout, stderr });
    }),
  );
  return { blocking, exited };
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
    // Version 1: the app runs and is in service; the next process puts it back behind its load
    // balancer. Its BeforeBlockTraffic hook (run from it, the last successful revision) waits 3 s.
    const v1 = join(work, 'webapp-v1');
    cpSync(join(repoRoot, 'examples', 'webapp'), v1, { recursive: true });
    const traffic1 = join(v1, 'scripts', 'traffic.sh');
    writeFileSync(
      traffic1,
      readFileSync(traffic1, 'utf8').replace(
        'set -eu\n',
        'set -eu\nif [ "$LIFECYCLE_EVENT" = BeforeBlockTraffic ]; then sleep 3; fi\n',
      ),
    );
    const first = runCli(
      ['deploy', v1, '--application', 'webapp', '--load-balancer', '--state-dir', stateDir, '--json'],
      { timeoutMs: 120_000 },
    );
    expect(JSON.parse(first.stdout).status).toBe('Succeeded');

    const revision = join(work, 'webapp-huge');
    cpSync(join(repoRoot, 'examples', 'webapp'), revision, { recursive: true });
    const appspec = readFileSync(join(revision, 'appspec.yml'), 'utf8');
    const keys = Array.from({ length: 90_000 }, (_, i) => `k${String(i)}: 1`).join('\n');
    writeFileSync(join(revision, 'appspec.yml'), `${appspec.trimEnd()}\n${keys}\n`);
    expect(readFileSync(join(revision, 'appspec.yml')).length).toBeGreaterThan(850_000);

    const deployment = deployInBackground([
      revision,
      '--application',
      'webapp',
      '--load-balancer',
      '--state-dir',
      stateDir,
    ]);
    const serverFile = join(stateDir, 'server.json');
    const url = () => {
      if (!existsSync(serverFile)) return undefined;
      try {
        const file = JSON.parse(readFileSync(serverFile, 'utf8')) as {
          loadBalancers?: Record<string, string>;
        };
        return file.loadBalancers?.local;
      } catch {
        return undefined; // being written
      }
    };
    const traffic = await steadyTraffic(url, deployment.blocking);
    const result = await deployment.exited;

    expect(result.code).toBe(0);
    // The load balancer's address is printed (and was in server.json, where the traffic found it).
    expect(result.stderr).toMatch(
      /^load balancer: http:\/\/127\.0\.0\.1:\d+ \(while this deployment runs; also in .*server\.json\)$/m,
    );
    // Traffic ran through Prepare (seconds of validation), not only through the set-up.
    expect(result.stderr).toMatch(/host-1=/);
    expect(traffic.requests).toBeGreaterThan(150);
    expect(traffic.failures).toEqual([]);
  });
});
