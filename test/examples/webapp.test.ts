/**
 * examples/webapp, the Server revision a new user deploys first: its AppSpec validates cleanly, and
 * its hook scripts work when run by hand in a host root the way a local-host deployment runs them
 * (STEPDEPLOY_HOST_ROOT and PORT in the environment, stdin from /dev/null, real processes).
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../local/hosts/hosts.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const example = join(repoRoot, 'examples', 'webapp');
const scriptsDir = join(example, 'scripts');

const HOOKABLE_EVENTS = [
  'ApplicationStop',
  'BeforeInstall',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
];

interface Host {
  root: string;
  port: number;
  pidFile: string;
}

const roots: string[] = [];
const pids = new Set<number>();

async function newHost(config: { healthy: boolean }): Promise<Host> {
  const root = mkdtempSync(join(tmpdir(), 'stepdeploy-webapp-'));
  roots.push(root);
  // What the Install event does with the AppSpec's files section, under the host root.
  cpSync(join(example, 'app'), join(root, 'opt', 'webapp'), { recursive: true });
  mkdirSync(join(root, 'etc', 'webapp'), { recursive: true });
  writeFileSync(join(root, 'etc', 'webapp', 'webapp.json'), `${JSON.stringify(config)}\n`);
  return { root, port: await freePort(), pidFile: join(root, 'var', 'run', 'webapp.pid') };
}

interface HookRun {
  code: number | null;
  output: string;
  ms: number;
}

/** Runs a hook script as the deployment does: executed directly, env set, stdin closed, a timeout. */
function runHook(host: Host, script: string, event: string, timeoutMs = 30_000): HookRun {
  const started = Date.now();
  const result = spawnSync(join(scriptsDir, script), [], {
    cwd: tmpdir(),
    env: {
      ...process.env,
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      STEPDEPLOY_HOST_ROOT: host.root,
      STEPDEPLOY_HOST_ID: 'host-test',
      PORT: String(host.port),
      LIFECYCLE_EVENT: event,
      DEPLOYMENT_ID: 'd-TEST00001',
      APPLICATION_NAME: 'webapp',
      DEPLOYMENT_GROUP_NAME: 'webapp-local',
      DEPLOYMENT_GROUP_ID: '00000000-0000-4000-8000-000000000001',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  rememberPid(host);
  return { code: result.status, output: `${result.stdout}${result.stderr}`, ms: Date.now() - started };
}

function rememberPid(host: Host): void {
  if (!existsSync(host.pidFile)) return;
  const pid = Number(readFileSync(host.pidFile, 'utf8').trim());
  if (Number.isInteger(pid) && pid > 0) pids.add(pid);
}

/**
 * Whether a process runs. An exited process that no one has reaped (a zombie: this sandbox's init
 * never reaps orphans) still answers kill -0, so its state in /proc decides.
 */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function killAll(): void {
  for (const pid of pids) {
    try {
      if (running(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  pids.clear();
}

afterEach(() => {
  killAll();
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});
afterAll(killAll);

function installHooks(host: Host): void {
  for (const [script, event] of [
    ['before-install.sh', 'BeforeInstall'],
    ['after-install.sh', 'AfterInstall'],
  ] as const) {
    const run = runHook(host, script, event);
    expect(run.code, run.output).toBe(0);
  }
}

describe('examples/webapp', () => {
  it('has a valid Server AppSpec with a script for every one of the 9 hookable events and no warnings', () => {
    const code = `
      import { readFileSync } from 'node:fs';
      import { validateAppSpec } from '../../functions/domain/appspec/index.js';
      const verdict = validateAppSpec(readFileSync(${JSON.stringify(join(example, 'appspec.yml'))}, 'utf8'));
      delete verdict.appSpec;
      console.log(JSON.stringify(verdict));
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: here,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const verdict = JSON.parse(result.stdout);
    expect(verdict).toMatchObject({ valid: true, platform: 'server', errors: [], warnings: [] });
    expect(verdict.summary).toMatchObject({
      os: 'linux',
      fileExistsBehavior: 'OVERWRITE',
      files: [
        { source: 'app', destination: '/opt/webapp' },
        { source: 'config/webapp.json', destination: '/etc/webapp' },
      ],
    });
    const hooks: Array<{
      event: string;
      scripts: Array<{ location: string; timeout: number; runas?: string }>;
    }> = verdict.summary.hooks;
    expect(hooks.map((hook) => hook.event).sort()).toEqual([...HOOKABLE_EVENTS].sort());
    for (const hook of hooks) {
      for (const script of hook.scripts) {
        expect(existsSync(join(example, script.location)), script.location).toBe(true);
        expect(script.timeout).toBeLessThanOrEqual(60);
        expect(script.runas).toBeUndefined();
      }
    }
  });

  it('starts, validates, answers with its version, and stops by pid file in a host root', async () => {
    const host = await newHost({ healthy: true });
    installHooks(host);
    expect(readFileSync(join(host.root, 'opt', 'webapp', 'installed_at'), 'utf8')).toContain('version=1');

    // A daemon that kept the hook's stdout open would hold this call until its timeout.
    const start = runHook(host, 'start.sh', 'ApplicationStart', 20_000);
    expect(start.code, start.output).toBe(0);
    expect(start.ms).toBeLessThan(10_000);
    const pid = Number(readFileSync(host.pidFile, 'utf8').trim());
    expect(running(pid)).toBe(true);

    const validate = runHook(host, 'validate.sh', 'ValidateService');
    expect(validate.code, validate.output).toBe(0);
    expect(validate.output).toContain(`http://127.0.0.1:${host.port}/health`);

    const response = await fetch(`http://127.0.0.1:${host.port}/`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ version: '1', host: 'host-test' });

    for (const event of ['BeforeAllowTraffic', 'AfterAllowTraffic']) {
      const traffic = runHook(host, 'traffic.sh', event);
      expect(traffic.code, traffic.output).toBe(0);
      expect(traffic.output).toContain(event);
      expect(traffic.output).toContain('d-TEST00001');
    }

    const stop = runHook(host, 'stop.sh', 'ApplicationStop');
    expect(stop.code, stop.output).toBe(0);
    expect(running(pid)).toBe(false);
    expect(existsSync(host.pidFile)).toBe(false);
    expect(readFileSync(join(host.root, 'var', 'log', 'webapp', 'app.log'), 'utf8')).toContain('SIGTERM');

    // Stopping an app that is not running succeeds.
    const again = runHook(host, 'stop.sh', 'ApplicationStop');
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain('not running');
  });

  it("fails ApplicationStart, with the app's own reason, when the app exits at once (its port is taken)", async () => {
    const host = await newHost({ healthy: true });
    installHooks(host);
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(host.port, '127.0.0.1', resolve));
    try {
      const start = runHook(host, 'start.sh', 'ApplicationStart', 20_000);
      expect(start.code).toBe(1);
      expect(start.output).toContain('the app exited at once');
      expect(start.output).toMatch(/cannot listen on 127\.0\.0\.1:\d+/);
      expect(existsSync(host.pidFile)).toBe(false);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('fails ValidateService within 20 s, saying why, when the config says healthy: false', async () => {
    const host = await newHost({ healthy: false });
    installHooks(host);
    const start = runHook(host, 'start.sh', 'ApplicationStart', 20_000);
    expect(start.code, start.output).toBe(0);

    const validate = runHook(host, 'validate.sh', 'ValidateService', 30_000);
    expect(validate.code).not.toBe(0);
    expect(validate.code).not.toBeNull(); // it ended by itself, not by the timeout
    expect(validate.ms).toBeLessThan(20_000);
    expect(validate.output).toContain('HTTP 503');
    expect(validate.output).toContain('"healthy" is false');
    expect(validate.output).toMatch(/did not answer 200 within 15 s/);

    const stop = runHook(host, 'stop.sh', 'ApplicationStop');
    expect(stop.code, stop.output).toBe(0);
  });

  const shellFiles = [
    ...readdirSync(scriptsDir).map((name) => join(scriptsDir, name)),
    join(example, 'app', 'bin', 'webapp-status'),
  ];

  it('has POSIX sh scripts: sh -n passes, and dash -n where dash exists', () => {
    const hasDash = spawnSync('sh', ['-c', 'command -v dash'], { encoding: 'utf8' }).status === 0;
    for (const file of shellFiles) {
      const text = readFileSync(file, 'utf8');
      if (!file.endsWith('common.sh')) {
        expect(text.startsWith('#!/bin/sh\n'), file).toBe(true);
        expect(text, file).toMatch(/^set -eu$/m);
      }
      for (const shell of hasDash ? ['sh', 'dash'] : ['sh']) {
        const check = spawnSync(shell, ['-n', file], { encoding: 'utf8' });
        expect(check.status, `${shell} -n ${file}: ${check.stderr}`).toBe(0);
      }
    }
  });

  it('prefixes every absolute path with the host root, and starts the app with its output redirected', () => {
    for (const file of shellFiles) {
      const code = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => !/^\s*#/.test(line))
        .join('\n');
      const unprefixed = code
        .replaceAll('${STEPDEPLOY_HOST_ROOT:-}/', '')
        .match(/(?<![\w}])\/(opt|etc|var)\/\S*/g);
      expect(unprefixed ?? [], `${file}: absolute paths without \${STEPDEPLOY_HOST_ROOT:-}`).toEqual([]);
    }

    const startLines = readFileSync(join(scriptsDir, 'start.sh'), 'utf8')
      .split('\n')
      .filter((line) => !/^\s*#/.test(line) && /\bnode\b.*server\.js/.test(line));
    expect(startLines).toHaveLength(1);
    const line = startLines[0] ?? '';
    expect(line).toMatch(/\bnohup\b/);
    expect(line).toMatch(/>>?\s*"\$APP_LOG"/);
    expect(line).toMatch(/2>&1/);
    expect(line).toMatch(/<\s*\/dev\/null/);
    expect(line).toMatch(/&\s*$/);
    // Every background job in every script has its output redirected.
    for (const file of shellFiles) {
      for (const background of readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => !/^\s*#/.test(l) && /[^&]&\s*$/.test(l))) {
        expect(background, file).toMatch(/>.*2>&1.*<\s*\/dev\/null/);
      }
    }
  });
});
