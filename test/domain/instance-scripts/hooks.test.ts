import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ServerAppSpec, ServerHookScript } from '../../../functions/domain/appspec/model.js';
import { KILL_GRACE_SECONDS } from '../../../functions/domain/instance-scripts/preamble.js';
import {
  APPSPEC_TEXT,
  appSpec,
  Deployment,
  GROUP_ID,
  markedProcesses,
  pack,
  ROOT,
  tempDir,
  writeTree,
  type TreeEntry,
} from './harness.js';

const script = (body: string): TreeEntry => ({ content: `#!/bin/sh\n${body}\n`, mode: 0o755 });
const hook = (location: string, timeout = 10, extra: Partial<ServerHookScript> = {}): ServerHookScript => ({
  location,
  timeout,
  sudo: false,
  ...extra,
});

/** Downloads (and installs) a revision whose AppSpec has these hooks. */
async function prepared(
  host: string,
  id: string,
  hooks: ServerAppSpec['hooks'],
  tree: Record<string, TreeEntry>,
  options: ConstructorParameters<typeof Deployment>[4] = {},
): Promise<Deployment> {
  const bundle = pack(writeTree(tempDir(), { 'appspec.yml': APPSPEC_TEXT, ...tree }), 'tar');
  const d = new Deployment(host, id, appSpec({ hooks }), { ...bundle, ...options.bundleExtra }, options);
  for (const event of ['DownloadBundle', 'Install'] as const) {
    expect((await d.run(event)).diagnostics.errorCode).toBe('Success');
  }
  return d;
}

/** True while the process exists and is not a zombie (a zombie waits only for its parent to reap it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

describe('hook scripts', () => {
  it("run with CodeDeploy's environment, the transport's variables, stdin from /dev/null, and log lines", async () => {
    const host = tempDir();
    const out = join(tempDir(), 'env.txt');
    const d = await prepared(
      host,
      'd-HOOKENV01',
      { AfterInstall: [hook('/scripts/env.sh'), hook('scripts/second.sh')] },
      {
        'scripts/env.sh': script(
          `env | grep -E '^(LIFECYCLE_EVENT|DEPLOYMENT_|APPLICATION_NAME|BUNDLE_|PORT)' | sort > "$OUT"\nread line && echo "stdin had $line"\necho "cwd $(pwd -P)"`,
        ),
        // Not executable in the bundle: the agent makes it so.
        'scripts/second.sh': { content: '#!/bin/sh\necho warning >&2\n', mode: 0o644 },
      },
      { bundleExtra: { s3: { bucket: 'my-bucket', key: 'apps/app.tar', eTag: 'e1' } } },
    );
    const result = await d.run('AfterInstall', { PORT: '8123', OUT: out });
    expect(result.diagnostics).toEqual({
      errorCode: 'Success',
      scriptName: '',
      message: 'Succeeded: ',
      logTail: `LifecycleEvent - AfterInstall\nScript - /scripts/env.sh\n[stdout]cwd ${host}\nScript - scripts/second.sh\n[stderr]warning\n`,
    });
    expect(readFileSync(out, 'utf8').trim().split('\n')).toEqual([
      'APPLICATION_NAME=my-app',
      'BUNDLE_BUCKET=my-bucket',
      'BUNDLE_ETAG=e1',
      'BUNDLE_KEY=apps/app.tar',
      `DEPLOYMENT_GROUP_ID=${GROUP_ID}`,
      'DEPLOYMENT_GROUP_NAME=my-group',
      'DEPLOYMENT_ID=d-HOOKENV01',
      'LIFECYCLE_EVENT=AfterInstall',
      'PORT=8123',
    ]);
    const log = d.scriptsLog().trim().split('\n');
    expect(log).toHaveLength(5);
    for (const line of log)
      expect(line).toMatch(
        /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} (LifecycleEvent - |Script - |\[std(out|err)\])/,
      );
    expect(log[0]).toMatch(/ LifecycleEvent - AfterInstall$/);
  });

  it('an event without scripts is a no-op success that writes no log', async () => {
    const d = await prepared(tempDir(), 'd-HOOKNONE1', {}, {});
    const result = await d.run('ApplicationStart');
    expect(result.json).toEqual({ error_code: 0, script_name: '', message: 'Succeeded: ', log: '' });
    expect(existsSync(join(d.dir, 'logs', 'scripts.log'))).toBe(false);
  });

  it('ScriptMissing names the absolute path', async () => {
    const d = await prepared(tempDir(), 'd-MISSING01', { BeforeInstall: [hook('scripts/nope.sh')] }, {});
    const result = await d.run('BeforeInstall');
    expect(result.json).toEqual({
      error_code: 1,
      script_name: 'scripts/nope.sh',
      message: `Script does not exist at specified location: ${ROOT}/${GROUP_ID}/d-MISSING01/deployment-archive/scripts/nope.sh`,
      log: 'LifecycleEvent - BeforeInstall\n',
    });
    expect(result.diagnostics.errorCode).toBe('ScriptMissing');
    expect(result.code).toBe(1);
  });

  it('ScriptFailed with exit code 3 keeps the output in the log tail and stops the event', async () => {
    const marker = join(tempDir(), 'never');
    const d = await prepared(
      tempDir(),
      'd-FAILED001',
      { ValidateService: [hook('fail.sh'), hook('after.sh')] },
      {
        'fail.sh': script('echo before-failing\necho oops >&2\nexit 3'),
        'after.sh': script(`touch '${marker}'`),
      },
    );
    const result = await d.run('ValidateService');
    expect(result.diagnostics.errorCode).toBe('ScriptFailed');
    expect(result.diagnostics.scriptName).toBe('fail.sh');
    expect(result.diagnostics.message).toBe('Script at specified location: fail.sh failed with exit code 3');
    expect(result.diagnostics.logTail).toContain('[stdout]before-failing\n');
    expect(result.diagnostics.logTail).toContain('[stderr]oops\n');
    expect(result.code).toBe(4);
    expect(existsSync(marker)).toBe(false);
  });

  it('names the runas user when a script run through su fails', async () => {
    const d = await prepared(
      tempDir(),
      'd-RUNAS0001',
      { ApplicationStart: [hook('start.sh', 10, { runas: 'stepdeploy-no-such-user' })] },
      { 'start.sh': script('exit 0') },
    );
    const result = await d.run('ApplicationStart');
    expect(result.diagnostics.errorCode).toBe('ScriptFailed');
    expect(result.diagnostics.message).toMatch(
      /^Script at specified location: start\.sh run as user stepdeploy-no-such-user failed with exit code [1-9]\d*$/,
    );
  });

  it("quotes the script path for the runas user's shell (su -c)", async () => {
    const location = "scripts/it's $(touch sd-pwned).sh";
    const d = await prepared(
      tempDir(),
      'd-RUNAS0002',
      { ApplicationStart: [hook(location, 10, { runas: 'root' })] },
      { [location]: script('echo "ran as $(id -un)"') },
    );
    const result = await d.run('ApplicationStart');
    if (process.getuid?.() === 0) {
      expect(result.diagnostics.errorCode).toBe('Success');
      expect(result.diagnostics.logTail).toContain('[stdout]ran as root\n');
    } else {
      expect(result.diagnostics.message).toContain('run as user root failed with exit code');
    }
    for (const dir of [result.cwd, d.host, join(d.archive, 'scripts'), '/root', '/']) {
      expect(existsSync(join(dir, 'sd-pwned'))).toBe(false);
    }
  });

  it('ScriptTimedOut sends SIGTERM to the whole process group, background children included', async () => {
    const pids = join(tempDir(), 'pids');
    const d = await prepared(
      tempDir(),
      'd-TIMEOUT01',
      { ApplicationStart: [hook('slow.sh', 1)] },
      {
        'slow.sh': script(
          `echo started\nsleep 30 &\necho $! >> '${pids}'\nsleep 31 &\necho $! >> '${pids}'\necho $$ >> '${pids}'\nwait`,
        ),
      },
    );
    const started = Date.now();
    const result = await d.run('ApplicationStart');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.json).toEqual({
      error_code: 3,
      script_name: 'slow.sh',
      message: 'Script at specified location: slow.sh failed to complete in 1 seconds',
      log: 'LifecycleEvent - ApplicationStart\nScript - slow.sh\n[stdout]started\n',
    });
    expect(result.diagnostics.errorCode).toBe('ScriptTimedOut');
    const written = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    expect(written).toHaveLength(3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const pid of written) expect(alive(pid), `process ${String(pid)}`).toBe(false);
  });

  it('a background child that keeps stdout open fails the event at the deadline (agent code 6) and is ended with its group', async () => {
    const pids = join(tempDir(), 'pids');
    const d = await prepared(
      tempDir(),
      'd-OPENOUT01',
      { ApplicationStart: [hook('daemon.sh', 1)] },
      { 'daemon.sh': script(`sleep 20 &\necho $! > '${pids}'\necho started`) },
    );
    const result = await d.run('ApplicationStart');
    expect(result.json).toMatchObject({
      error_code: 6,
      script_name: 'daemon.sh',
      message: 'Script at specified location: daemon.sh failed to close STDOUT',
    });
    expect(result.diagnostics.errorCode).toBe('UnknownError');
    expect(alive(Number(readFileSync(pids, 'utf8')))).toBe(false);
  });

  it('a hook that traps SIGTERM is killed (SIGKILL) after the grace: stricter than the agent, which only sends SIGTERM', async () => {
    const mark = `sd-trap-${String(process.pid)}-${String(Date.now())}`;
    const d = await prepared(
      tempDir(),
      'd-TRAPTERM1',
      { ValidateService: [hook('stubborn.sh', 1)] },
      {
        'stubborn.sh': script(
          "trap 'echo ignoring TERM' TERM\n(trap '' TERM; sleep 60) &\nwhile :; do sleep 1; done",
        ),
      },
    );
    const started = Date.now();
    const result = await d.run('ValidateService', { SD_TEST_MARK: mark });
    const endedAfterMs = Date.now() - started;
    expect(result.json).toMatchObject({
      error_code: 3,
      message: 'Script at specified location: stubborn.sh failed to complete in 1 seconds',
    });
    // The event reports once the group is gone: deadline + grace + the readers' drain, not later.
    expect(endedAfterMs).toBeLessThan((1 + KILL_GRACE_SECONDS + 1) * 1000 + 3000);
    expect(markedProcesses(mark)).toEqual([]);
  });

  it('a hook that forks 200 children holding its stdout leaves none of them at the deadline', async () => {
    const mark = `sd-fork-${String(process.pid)}-${String(Date.now())}`;
    const d = await prepared(
      tempDir(),
      'd-FORK20001',
      { AfterInstall: [hook('forks.sh', 2)] },
      { 'forks.sh': script('i=0\nwhile [ $i -lt 200 ]; do sleep 60 & i=$((i + 1)); done\necho forked') },
    );
    const result = await d.run('AfterInstall', { SD_TEST_MARK: mark });
    expect(result.json).toMatchObject({
      error_code: 6,
      message: expect.stringContaining('failed to close STDOUT'),
    });
    expect(markedProcesses(mark)).toEqual([]);
  });

  it('an app that ApplicationStart starts with its output redirected keeps running after the event', async () => {
    const mark = `sd-app-${String(process.pid)}-${String(Date.now())}`;
    const d = await prepared(
      tempDir(),
      'd-DAEMON001',
      { ApplicationStart: [hook('start.sh', 1)] },
      { 'start.sh': script('sleep 30 >/dev/null 2>&1 </dev/null &\necho started') },
    );
    const result = await d.run('ApplicationStart', { SD_TEST_MARK: mark });
    expect(result.diagnostics.errorCode).toBe('Success');
    // Past the deadline too: a hook that closed its outputs in time is not ended.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const app = markedProcesses(mark);
    expect(app).toHaveLength(1);
    for (const pid of app) process.kill(pid, 'SIGKILL');
  });

  it('stops the watchdog with a signal the event script does not trap, so a fresh watchdog cannot miss it', async () => {
    // dash drops a trapped signal that reaches a new subshell before the subshell resets its handlers:
    // a watchdog stopped with TERM right after it was started (a quick hook under load) slept to the
    // deadline and then reported "failed to close STDERR". Which signal arrives first is up to the
    // scheduler, so the rule is checked on the script text; the hooks below check the behaviour.
    const d = await prepared(tempDir(), 'd-WATCHDOG1', { AfterInstall: [hook('quick.sh', 2)] }, {});
    const text = d.script('AfterInstall');
    const stop = /kill -(\w+) "\$sd_wd"/.exec(text);
    expect(stop, 'the watchdog is stopped by a kill').not.toBeNull();
    const trapped = [...text.matchAll(/^trap '[^']*' ([A-Z0-9 ]+)$/gm)].flatMap((m) =>
      (m[1] ?? '').split(' '),
    );
    expect(trapped).toContain('TERM');
    expect(trapped).not.toContain(stop?.[1]);
  });

  it('many quick hooks in a row end without waiting for their deadlines', async () => {
    const many = Array.from({ length: 20 }, () => hook('quick.sh', 5));
    const d = await prepared(
      tempDir(),
      'd-QUICK0001',
      { AfterInstall: many },
      {
        'quick.sh': script('echo out\necho err >&2'),
      },
    );
    const started = Date.now();
    const result = await d.run('AfterInstall');
    expect(result.diagnostics.errorCode).toBe('Success');
    expect(result.stderr).toBe('');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('handles a quote and $(...) in a script location literally', async () => {
    const location = "scripts/it's $(touch sd-pwned).sh";
    const d = await prepared(
      tempDir(),
      'd-QUOTEHOOK',
      { AfterInstall: [hook(location)] },
      { [location]: script('echo ran') },
    );
    const result = await d.run('AfterInstall');
    expect(result.diagnostics).toMatchObject({ errorCode: 'Success' });
    expect(result.diagnostics.logTail).toContain(`Script - ${location}\n[stdout]ran\n`);
    for (const dir of [result.cwd, d.host, d.archive, join(d.archive, 'scripts')]) {
      expect(existsSync(join(dir, 'sd-pwned'))).toBe(false);
    }
  });
});

describe('the log tail', () => {
  it('keeps the newest whole lines that fit in 2048 bytes', async () => {
    const d = await prepared(
      tempDir(),
      'd-TAIL00001',
      { AfterInstall: [hook('many.sh')] },
      {
        'many.sh': script('i=0\nwhile [ $i -lt 300 ]; do echo "line-$i"; i=$((i + 1)); done\nexit 1'),
      },
    );
    const tail = (await d.run('AfterInstall')).diagnostics.logTail;
    const bytes = Buffer.byteLength(tail);
    expect(bytes).toBeLessThanOrEqual(2048);
    expect(tail.endsWith('[stdout]line-299\n')).toBe(true);
    const first = tail.split('\n')[0] ?? '';
    expect(first).toMatch(/^\[stdout\]line-\d+$/);
    // One more (older) line would not have fitted.
    const previous = `[stdout]line-${String(Number(first.slice('[stdout]line-'.length)) - 1)}\n`;
    expect(bytes + Buffer.byteLength(previous)).toBeGreaterThan(2048);
  });

  it('is emptied by a line longer than 2048 bytes, and refills with the lines after it', async () => {
    const d = await prepared(
      tempDir(),
      'd-TAIL00002',
      { AfterInstall: [hook('long.sh'), hook('short.sh')] },
      {
        'long.sh': script('echo before\nprintf "%03000d\\n" 0'),
        'short.sh': script('echo after'),
      },
    );
    const result = await d.run('AfterInstall');
    expect(result.diagnostics.logTail).toBe('Script - short.sh\n[stdout]after\n');
    const onlyLong = await prepared(
      tempDir(),
      'd-TAIL00003',
      { AfterInstall: [hook('long.sh')] },
      {
        'long.sh': script('printf "%03000d\\n" 0\nexit 2'),
      },
    );
    expect((await onlyLong.run('AfterInstall')).json).toMatchObject({ error_code: 4, log: '' });
  });
});

describe('which revision a hook event runs from', () => {
  const stopTree = (version: string, out: string): Record<string, TreeEntry> => ({
    'stop.sh': script(`echo "${version} $DEPLOYMENT_ID" >> '${out}'\necho stopping ${version}`),
  });

  it('ApplicationStop is a no-op on the first deployment and runs the last successful revision after', async () => {
    const host = tempDir();
    const out = join(tempDir(), 'stops');
    const hooks = { ApplicationStop: [hook('stop.sh')] };
    const first = new Deployment(
      host,
      'd-REVISION1',
      appSpec({ hooks }),
      pack(writeTree(tempDir(), { 'appspec.yml': APPSPEC_TEXT, ...stopTree('v1', out) }), 'tar'),
    );
    const stop1 = await first.run('ApplicationStop');
    expect(stop1.json).toEqual({ error_code: 0, script_name: '', message: 'Succeeded: ', log: '' });
    expect(existsSync(out)).toBe(false);
    expect((await first.runAll(['DownloadBundle', 'Install'])).diagnostics.errorCode).toBe('Success');

    const second = new Deployment(
      host,
      'd-REVISION2',
      appSpec({ hooks }),
      pack(writeTree(tempDir(), { 'appspec.yml': APPSPEC_TEXT, ...stopTree('v2', out) }), 'tar'),
    );
    const stop2 = await second.run('ApplicationStop');
    expect(stop2.diagnostics.logTail).toBe(
      'LifecycleEvent - ApplicationStop\nScript - stop.sh\n[stdout]stopping v1\n',
    );
    expect(readFileSync(out, 'utf8')).toBe('v1 d-REVISION2\n');
    // The log goes to the current deployment's directory.
    expect(second.scriptsLog()).toContain('[stdout]stopping v1');
    // Once this deployment's bundle is on the host, its own revision is used.
    await second.run('DownloadBundle');
    await second.run('ApplicationStop');
    expect(readFileSync(out, 'utf8')).toBe('v1 d-REVISION2\nv2 d-REVISION2\n');
  });

  it('BeforeBlockTraffic of a blue/green rollback runs the most recent revision, otherwise the last successful', async () => {
    const host = tempDir();
    const out = join(tempDir(), 'stops');
    const hooks = { BeforeBlockTraffic: [hook('stop.sh')] };
    const installed = new Deployment(
      host,
      'd-BLUEGRN01',
      appSpec({ hooks }),
      pack(writeTree(tempDir(), { 'appspec.yml': APPSPEC_TEXT, ...stopTree('installed', out) }), 'tar'),
    );
    await installed.runAll(['DownloadBundle', 'Install']);
    const downloaded = new Deployment(
      host,
      'd-BLUEGRN02',
      appSpec({ hooks }),
      pack(writeTree(tempDir(), { 'appspec.yml': APPSPEC_TEXT, ...stopTree('downloaded', out) }), 'tar'),
    );
    await downloaded.run('DownloadBundle');
    const bundle = { location: '/unused', bundleType: 'tar' as const };
    await new Deployment(host, 'd-BLUEGRN03', appSpec(), bundle, {
      deploymentType: 'BLUE_GREEN',
      creator: 'codeDeployRollback',
    }).run('BeforeBlockTraffic');
    await new Deployment(host, 'd-BLUEGRN04', appSpec(), bundle, {
      deploymentType: 'BLUE_GREEN',
      creator: 'user',
    }).run('BeforeBlockTraffic');
    expect(readFileSync(out, 'utf8')).toBe('downloaded d-BLUEGRN03\ninstalled d-BLUEGRN04\n');
  });

  it('ignoreApplicationStopFailures turns a failing ApplicationStop into a success that keeps the log', async () => {
    const host = tempDir();
    const hooks = { ApplicationStop: [hook('stop.sh')] };
    const tree = { 'stop.sh': script('echo cannot stop\nexit 7') };
    await prepared(host, 'd-IGNORE001', hooks, tree);
    const bundle = { location: '/unused', bundleType: 'tar' as const };
    const strict = await new Deployment(host, 'd-IGNORE002', appSpec(), bundle).run('ApplicationStop');
    expect(strict.diagnostics).toMatchObject({
      errorCode: 'ScriptFailed',
      message: 'Script at specified location: stop.sh failed with exit code 7',
    });
    const lenient = await new Deployment(host, 'd-IGNORE003', appSpec(), bundle, {
      ignoreApplicationStopFailures: true,
    }).run('ApplicationStop');
    expect(lenient.code).toBe(0);
    expect(lenient.diagnostics).toEqual({
      errorCode: 'Success',
      scriptName: '',
      message: 'Succeeded: ',
      logTail: 'LifecycleEvent - ApplicationStop\nScript - stop.sh\n[stdout]cannot stop\n',
    });
    expect(lenient.stderr).toContain('exit code 7');
    // Only ApplicationStop, BeforeBlockTraffic and AfterBlockTraffic are ignorable.
    const other = await prepared(tempDir(), 'd-IGNORE004', { AfterInstall: [hook('stop.sh')] }, tree, {
      ignoreApplicationStopFailures: true,
    });
    expect((await other.run('AfterInstall')).diagnostics.errorCode).toBe('ScriptFailed');
  });
});

describe('scripts.log is capped per deployment (point 6 of issue 13)', () => {
  it('a hook writing 4 MB keeps the newest lines within the cap, says what was removed, and leaves no copy behind', async () => {
    const cap = 256 * 1024;
    const d = await prepared(
      tempDir(),
      'd-BIGLOG001',
      { AfterInstall: [hook('chatty.sh', 60)] },
      {
        // 40,000 numbered lines of about 100 bytes, the last one recognisable.
        'chatty.sh': script(
          'awk \'BEGIN { for (i = 1; i <= 40000; i++) printf "line %06d %s\\n", i, sprintf("%88s", "x") }\'\necho the-last-line',
        ),
      },
      { scriptsLogMaxBytes: cap },
    );
    const result = await d.run('AfterInstall');
    expect(result.diagnostics.errorCode).toBe('Success');
    const logDir = join(d.dir, 'logs');
    const log = readFileSync(join(logDir, 'scripts.log'), 'utf8');
    // The cap, plus at most what two readers write between two looks at it.
    expect(Buffer.byteLength(log)).toBeLessThanOrEqual(cap + 2 * 32 * 1024 + 4096);
    expect(log).toContain(
      `[stepdeploy] scripts.log was over its cap of ${String(cap)} bytes: older lines were removed.`,
    );
    expect(log.trimEnd().split('\n').pop()).toMatch(/\[stdout\]the-last-line$/);
    expect(log).not.toContain('line 000001 ');
    expect(readdirSync(logDir)).toEqual(['scripts.log']);
  });

  it('refuses a cap too small to hold a log', async () => {
    const d = new Deployment(
      tempDir(),
      'd-BIGLOG002',
      appSpec(),
      { location: '/x', bundleType: 'tar' },
      {
        scriptsLogMaxBytes: 1000,
      },
    );
    expect(() => d.script('AfterInstall')).toThrow(
      'The scripts.log cap must be a whole number of bytes, at least 65536.',
    );
  });
});
