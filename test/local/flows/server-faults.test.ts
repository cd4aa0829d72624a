/**
 * Bad input and faults in Server in-place deployments, on real local hosts: each gives CodeDeploy's
 * error (reference §1.2.1, §1.2.3, §2.4, §4.2) and leaves the other hosts as the minimum-healthy-hosts
 * rules say (§3.3). The interrupted CLI runs the real `stepdeploy` bin in its own process.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeploymentView } from '../../../cli/deployment-view.js';
import { hostsDirectory } from '../../../local/hosts/hosts.js';
import { stopHostProcesses } from '../../../local/hosts/processes.js';
import {
  ALL_AT_ONCE,
  allWith,
  APPLICATION,
  disposeServerHarnesses,
  eventOf,
  eventStatuses as statuses,
  GROUP,
  HEALTH_CONSTRAINTS_MESSAGE,
  openServerHarness,
  repoRoot,
  stoppedAt,
  type ServerHarness,
} from './server-harness.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

afterEach(disposeServerHarnesses);

const TIMEOUT = 120_000;
/**
 * Where an instance keeps a deployment's unpacked revision (reference §2.5), as the agent names it:
 * under the group's id (a UUID, as CodeDeploy's, since the group was created through the API).
 */
async function archiveOf(harness: ServerHarness, deploymentId: string): Promise<string> {
  const group = await harness.env.runtime.deps.store.getDeploymentGroup(APPLICATION, GROUP);
  expect(group?.deploymentGroupId).toMatch(/^[0-9a-f-]{36}$/);
  return `/opt/codedeploy-agent/deployment-root/${group?.deploymentGroupId}/${deploymentId}/deployment-archive`;
}

/** A host root that holds nothing at all: no deployment directory, no file, no log. */
function untouched(harness: ServerHarness): void {
  for (const host of harness.hosts) expect(readdirSync(host.root), host.id).toEqual([]);
  expect(harness.commands).toEqual([]);
}

/** A process that ran and ended; an exited child nobody reaped (a zombie) has ended too. */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

describe('a revision that fails validation touches no host (INVALID_REVISION)', () => {
  it(
    'an invalid AppSpec (a quoted version) fails with the agent message and no command sent',
    async () => {
      const harness = await openServerHarness({ hosts: 2 });
      const revision = harness.revision({
        name: 'bad-appspec',
        appSpecText:
          'version: "0.0"\nos: linux\nhooks:\n  ValidateService:\n    - location: scripts/ValidateService.sh\n',
      });

      const result = await harness.deploy(revision, { config: ALL_AT_ONCE });

      expect(result.view.status).toBe('Failed');
      expect(result.view.errorCode).toBe('INVALID_REVISION');
      expect(result.view.errorMessage).toContain(
        'The deployment failed because an invalid version value (0.0) was entered in the application specification file.',
      );
      expect(result.view.instances).toEqual([]);
      untouched(harness);
      // The group is not left locked: the next deployment is accepted.
      await expect(harness.env.runtime.deps.store.getGroupLockHolder('app', GROUP)).resolves.toBeUndefined();
    },
    TIMEOUT,
  );

  it(
    'an unsafe bundle path (a symbolic link out of the revision) fails before any host is touched',
    async () => {
      const harness = await openServerHarness({ hosts: 2 });
      const revision = harness.revision({ name: 'unsafe' });
      symlinkSync('/etc/passwd', join(revision, 'app', 'passwd'));

      const result = await harness.deploy(revision, { config: ALL_AT_ONCE });

      expect(result.view.status).toBe('Failed');
      expect(result.view.errorCode).toBe('INVALID_REVISION');
      expect(result.view.errorMessage).toContain(
        'The revision bundle is unsafe: "app/passwd" -> "/etc/passwd": a symbolic link to an absolute path',
      );
      untouched(harness);
    },
    TIMEOUT,
  );
});

describe('hook scripts that fail, as the agent reports them (§2.4)', () => {
  it(
    'a missing hook script: ScriptMissing with its absolute path on the instance',
    async () => {
      const harness = await openServerHarness({ hosts: 2 });
      const revision = harness.revision({
        name: 'missing',
        hooks: { AfterInstall: { location: 'scripts/not-there.sh', missing: true } },
      });

      const result = await harness.deploy(revision, { config: ALL_AT_ONCE });

      expect(result.view.status).toBe('Failed');
      expect(result.view.errorCode).toBe('HEALTH_CONSTRAINTS');
      expect(result.view.errorMessage).toBe(HEALTH_CONSTRAINTS_MESSAGE);
      const id = result.record.deploymentId;
      const archive = await archiveOf(harness, id);
      for (const host of ['host-1', 'host-2']) {
        expect(statuses(result, host)).toEqual(stoppedAt('AfterInstall'));
        expect(eventOf(result, host, 'AfterInstall').diagnostics).toMatchObject({
          errorCode: 'ScriptMissing',
          scriptName: 'scripts/not-there.sh',
          message: `Script does not exist at specified location: ${archive}/scripts/not-there.sh`,
        });
        // Nothing after the failed event ran.
        expect(harness.events(host).map((e) => e.event)).toEqual(['BeforeInstall']);
      }
    },
    TIMEOUT,
  );

  it(
    'a hook that exits non-zero: ScriptFailed with the exit code and the script output in the log tail',
    async () => {
      const harness = await openServerHarness({ hosts: 1 });
      const revision = harness.revision({
        name: 'exit3',
        hooks: {
          ValidateService: {
            location: 'scripts/check.sh',
            body: 'echo "checking the service"\necho "the service is down" >&2\nexit 3',
          },
        },
      });

      const result = await harness.deploy(revision);

      expect(result.view.status).toBe('Failed');
      expect(result.view.errorCode).toBe('HEALTH_CONSTRAINTS');
      expect(statuses(result, 'host-1')).toEqual(stoppedAt('ValidateService'));
      const validate = eventOf(result, 'host-1', 'ValidateService');
      expect(validate?.diagnostics).toMatchObject({
        errorCode: 'ScriptFailed',
        scriptName: 'scripts/check.sh',
        message: 'Script at specified location: scripts/check.sh failed with exit code 3',
      });
      const tail = validate?.diagnostics?.logTail ?? '';
      expect(tail).toContain('LifecycleEvent - ValidateService');
      expect(tail).toContain('Script - scripts/check.sh');
      expect(tail).toContain('[stdout]checking the service');
      expect(tail).toContain('[stderr]the service is down');
      // The JSON view shows the same failure, which is what `deploy --json` prints.
      const event = result.view.instances[0]?.events.find((e) => e.name === 'ValidateService');
      expect(event).toMatchObject({
        status: 'Failed',
        errorCode: 'ScriptFailed',
        message: 'Script at specified location: scripts/check.sh failed with exit code 3',
      });
      expect(event?.logTail).toContain('[stderr]the service is down');
    },
    TIMEOUT,
  );

  it(
    'a hook over its timeout: ScriptTimedOut, and the processes it started are gone afterwards',
    async () => {
      const harness = await openServerHarness({ hosts: 1 });
      const revision = harness.revision({
        name: 'slow',
        hooks: {
          ApplicationStart: {
            timeout: 1,
            // Two children that would outlive the hook, their pids written down, then a hang.
            body: [
              'sleep 60 >/dev/null 2>&1 &',
              'echo $! >"$STEPDEPLOY_HOST_ROOT/children.pids"',
              'sh -c "sleep 60" >/dev/null 2>&1 &',
              'echo $! >>"$STEPDEPLOY_HOST_ROOT/children.pids"',
              'echo "started the children"',
              'sleep 60',
            ].join('\n'),
          },
        },
      });

      const result = await harness.deploy(revision);

      expect(result.view.status).toBe('Failed');
      expect(statuses(result, 'host-1')).toEqual(stoppedAt('ApplicationStart'));
      const start = eventOf(result, 'host-1', 'ApplicationStart');
      expect(start?.diagnostics).toMatchObject({
        errorCode: 'ScriptTimedOut',
        scriptName: 'scripts/ApplicationStart.sh',
        message: 'Script at specified location: scripts/ApplicationStart.sh failed to complete in 1 seconds',
      });
      expect(start?.diagnostics?.logTail).toContain('[stdout]started the children');
      const pids = readFileSync(join(harness.host('host-1').root, 'children.pids'), 'utf8')
        .trim()
        .split('\n')
        .map(Number);
      expect(pids).toHaveLength(2);
      for (const pid of pids) expect(gone(pid), `child ${pid}`).toBe(true);
    },
    TIMEOUT,
  );
});

describe('faults on one host leave the others to the rules (§3.3)', () => {
  it(
    'DISALLOW over a file that exists on one host: that host fails Install, the others deploy',
    async () => {
      const harness = await openServerHarness({ hosts: 3 });
      // A file CodeDeploy did not install (no cleanup entry): DISALLOW must refuse to replace it.
      const existing = join(harness.host('host-2').root, 'opt', 'app', 'version.txt');
      mkdirSync(join(existing, '..'), { recursive: true });
      writeFileSync(existing, 'put there by hand\n');
      const revision = harness.revision({ name: 'disallow', fileExistsBehavior: 'DISALLOW' });

      const result = await harness.deploy(revision, { config: ALL_AT_ONCE });

      // AllAtOnce succeeds when at least one instance does (reference §3.2).
      expect(result.view.status).toBe('Succeeded');
      expect(result.view.errorCode).toBeNull();
      expect(statuses(result, 'host-2')).toEqual(stoppedAt('Install'));
      expect(result.targets.get('host-2')?.status).toBe('Failed');
      expect(eventOf(result, 'host-2', 'Install').diagnostics).toMatchObject({
        errorCode: 'UnknownError',
        message:
          'The deployment failed because a specified file already exists at this location: /opt/app/version.txt',
      });
      expect(readFileSync(existing, 'utf8')).toBe('put there by hand\n');
      for (const host of ['host-1', 'host-3']) {
        expect(statuses(result, host)).toEqual(allWith('Succeeded'));
        expect(readFileSync(join(harness.host(host).root, 'opt', 'app', 'version.txt'), 'utf8')).toBe(
          'disallow\n',
        );
      }
      expect(harness.events('host-2').map((e) => e.event)).toEqual(['BeforeInstall']);
    },
    TIMEOUT,
  );

  it(
    'a host whose scripts cannot run (its root directory is gone, a file in its place) fails alone',
    async () => {
      const harness = await openServerHarness({ hosts: 3 });
      // As if the instance's disk were replaced under it: the transport cannot even start `sh` there
      // (the working directory is not a directory), so no script and no agent diagnostics ever run.
      const broken = harness.host('host-2').root;
      rmSync(broken, { recursive: true, force: true });
      writeFileSync(broken, 'not a directory\n');
      const revision = harness.revision({ name: 'v1' });

      const result = await harness.deploy(revision, { config: ALL_AT_ONCE });

      expect(result.view.status).toBe('Succeeded');
      expect(statuses(result, 'host-2')).toEqual(stoppedAt('ApplicationStop'));
      expect(result.targets.get('host-2')?.status).toBe('Failed');
      const diagnostics = eventOf(result, 'host-2', 'ApplicationStop').diagnostics;
      expect(diagnostics?.errorCode).toBe('UnknownError');
      // The only reason there is (the transport's own error) must reach the user, not only "no result".
      expect(diagnostics?.message).toMatch(
        /^The ApplicationStop command ended Failed on host-2\. The lifecycle event script did not report its result: .* Error output: spawn ENOTDIR$/,
      );
      for (const host of ['host-1', 'host-3']) {
        expect(statuses(result, host)).toEqual(allWith('Succeeded'));
        expect(harness.events(host).map((e) => e.event)).toEqual([
          'BeforeInstall',
          'AfterInstall',
          'ApplicationStart',
          'ValidateService',
        ]);
      }
      // Only the working hosts got the events after the failure.
      expect(harness.commands.filter((c) => c.event === 'DownloadBundle').map((c) => c.instanceIds)).toEqual([
        ['host-1', 'host-3'],
      ]);
    },
    TIMEOUT,
  );
});

describe('an interrupted CLI', () => {
  const bin = join(repoRoot, 'bin', 'stepdeploy.js');
  const cliEnv = { ...process.env, NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], {
      cwd: repoRoot,
      env: cliEnv,
      encoding: 'utf8',
      timeout: 90_000,
    });

  it(
    'SIGKILL mid-deployment: the next command marks it Failed (INTERNAL_ERROR) and the group is unlocked',
    async () => {
      // The harness only builds the revisions here; the CLI opens its own state directory.
      const harness = await openServerHarness({ hosts: 1 });
      const stateDir = join(harness.workDir, 'cli-state');
      const slow = harness.revision({
        name: 'slow',
        hooks: {
          BeforeInstall: 'echo waiting; n=0; while [ "$n" -lt 300 ]; do sleep 0.1; n=$((n + 1)); done',
        },
      });
      const quick = harness.revision({ name: 'quick' });
      const events = join(hostsDirectory(stateDir), 'host-1', 'root', 'var', 'log', 'events.log');

      const cliHosts = hostsDirectory(stateDir);
      try {
        const child = spawn(
          process.execPath,
          [bin, 'deploy', slow, '--application', 'app', '--state-dir', stateDir, '--json'],
          { cwd: repoRoot, env: cliEnv, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        const exited = new Promise<NodeJS.Signals | null>((resolve) =>
          child.on('exit', (_code, signal) => resolve(signal)),
        );
        try {
          await harness.waitFor(
            'the slow hook to start',
            () => existsSync(events) && readFileSync(events, 'utf8').includes('slow BeforeInstall'),
            90_000,
          );
        } catch (error) {
          throw new Error(`${(error as Error).message}; the CLI said: ${stderr}`);
        } finally {
          child.kill('SIGKILL');
        }
        expect(await exited).toBe('SIGKILL');
        // What the interrupted CLI tells the user to do: end the processes its hosts were running.
        await stopHostProcesses(cliHosts, 1000);

        const status = cli(['status', '--state-dir', stateDir, '--json']);
        expect(status.status, status.stderr).toBe(1);
        const view = JSON.parse(status.stdout) as DeploymentView;
        expect(view).toMatchObject({
          status: 'Failed',
          errorCode: 'INTERNAL_ERROR',
          errorMessage:
            'The stepdeploy process running this deployment ended before the deployment did; it was marked failed and its deployment group unlocked.',
        });
        expect(view.instances.map((i) => i.status)).toEqual(['Failed']);
        const interrupted = Object.fromEntries(
          view.instances[0]?.events.map((e) => [e.name, e.status]) ?? [],
        );
        expect(interrupted).toEqual(stoppedAt('BeforeInstall'));

        const next = cli(['deploy', quick, '--application', 'app', '--state-dir', stateDir, '--json']);
        expect(next.status, next.stderr).toBe(0);
        const deployed = JSON.parse(next.stdout) as DeploymentView;
        expect(deployed).toMatchObject({ status: 'Succeeded', errorCode: null });
        expect(deployed.deploymentId).not.toBe(view.deploymentId);
      } finally {
        await stopHostProcesses(cliHosts, 1000);
      }
    },
    TIMEOUT,
  );
});
