import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stopHostProcesses } from '../../local/hosts/processes.js';
import { EVENTS_WITHOUT_LB } from '../local/flows/server-harness.js';
import { runCli } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'stepdeploy-cli-deploy-'));
const stateDir = join(work, 'state');

afterAll(async () => {
  await stopHostProcesses(join(stateDir, 'hosts'));
  rmSync(work, { recursive: true, force: true });
});

/** A revision whose ValidateService hook prints a line and exits 3. */
function failingRevision(): string {
  const dir = join(work, 'failing-app');
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  writeFileSync(
    join(dir, 'appspec.yml'),
    'version: 0.0\nos: linux\nhooks:\n  ValidateService:\n    - location: scripts/check.sh\n      timeout: 30\n',
  );
  writeFileSync(
    join(dir, 'scripts', 'check.sh'),
    '#!/bin/sh\necho "checking the app on $STEPDEPLOY_HOST_ID"\nexit 3\n',
  );
  chmodSync(join(dir, 'scripts', 'check.sh'), 0o755);
  return dir;
}

describe('stepdeploy deploy', () => {
  let firstId = '';

  it('deploys the example webapp to two hosts and prints the JSON shape scripts rely on', () => {
    const result = runCli(['deploy', 'examples/webapp', '--hosts', '2', '--state-dir', stateDir, '--json'], {
      timeoutMs: 120_000,
    });
    expect(result.code).toBe(0);
    // --json: the one object on stdout, and nothing at all on stderr.
    expect(result.stderr).toBe('');
    const view = JSON.parse(result.stdout);
    expect(Object.keys(view).sort()).toEqual([
      'deploymentId',
      'deploymentType',
      'errorCode',
      'errorMessage',
      'instances',
      'rollbackDeploymentId',
      'status',
    ]);
    expect(view.deploymentId).toMatch(/^d-[A-Z0-9]{9}$/);
    expect(view).toMatchObject({
      status: 'Succeeded',
      deploymentType: 'IN_PLACE',
      errorCode: null,
      rollbackDeploymentId: null,
    });
    // In place, instances have no blue/green role.
    expect(view.instances.every((i: { role?: string }) => i.role === undefined)).toBe(true);
    expect(view.instances.map((i: { id: string }) => i.id)).toEqual(['host-1', 'host-2']);
    for (const instance of view.instances) {
      expect(instance.status).toBe('Succeeded');
      expect(instance.events.map((e: { name: string }) => e.name)).toEqual(EVENTS_WITHOUT_LB);
      for (const event of instance.events) {
        expect(event.status).toBe('Succeeded');
        expect(typeof event.durationMs).toBe('number');
        expect(Object.keys(event).sort()).toEqual([
          'durationMs',
          'errorCode',
          'logTail',
          'message',
          'name',
          'status',
        ]);
      }
    }
    firstId = view.deploymentId;
  });

  it('reports a failed hook with CodeDeploy diagnostics and the log tail, and exits 1', () => {
    const result = runCli(
      [
        'deploy',
        failingRevision(),
        '--application',
        'webapp',
        '--hosts',
        '2',
        '--state-dir',
        stateDir,
        '--json',
      ],
      { timeoutMs: 120_000 },
    );
    expect(result.code).toBe(1);
    // A failed deployment is the command's answer, not an error of the command: still JSON only.
    expect(result.stderr).toBe('');
    const view = JSON.parse(result.stdout);
    expect(view.status).toBe('Failed');
    expect(view.errorCode).toBe('HEALTH_CONSTRAINTS');
    const [first, second] = view.instances;
    const validate = first.events.find((e: { name: string }) => e.name === 'ValidateService');
    expect(validate).toMatchObject({
      status: 'Failed',
      errorCode: 'ScriptFailed',
      message: 'Script at specified location: scripts/check.sh failed with exit code 3',
    });
    expect(validate.logTail).toContain('checking the app on host-1');
    // Same group as the first deployment, so both hosts start Healthy. OneAtATime: the failure of an
    // instance other than the last stops the deployment, and the second host is never attempted.
    expect(second.status).toBe('Skipped');
    expect(second.events.every((e: { status: string }) => e.status === 'Skipped')).toBe(true);
  });

  it('shows a deployment with status and lists deployments newest first', () => {
    const status = runCli(['status', firstId, '--state-dir', stateDir, '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ deploymentId: firstId, status: 'Succeeded' });
    const list = runCli(['list', '--state-dir', stateDir, '--json']);
    expect(list.code).toBe(0);
    const rows = JSON.parse(list.stdout);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({
      deploymentId: firstId,
      applicationName: 'webapp',
      deploymentGroupName: 'local',
      status: 'Succeeded',
    });
    expect(rows[0]).toMatchObject({
      applicationName: 'webapp',
      status: 'Failed',
      errorCode: 'HEALTH_CONSTRAINTS',
    });
    const latest = runCli(['status', '--state-dir', stateDir, '--json']);
    expect(JSON.parse(latest.stdout).deploymentId).toBe(rows[0].deploymentId);
    expect(latest.code).toBe(1);
  });

  it('refuses to stop a deployment that is not running', () => {
    const result = runCli(['stop', firstId, '--state-dir', stateDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`deployment ${firstId} is not running: Succeeded`);
  });

  it("ends the hosts' processes with hosts stop", () => {
    const result = runCli(['hosts', 'stop', '--state-dir', stateDir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/stopped [1-9]\d* host process\(es\)/);
    expect(runCli(['hosts', 'stop', '--state-dir', stateDir]).stdout).toContain(
      'no host processes were running',
    );
  });

  it.each([
    [['deploy', join(work, 'missing')], 'does not exist'],
    [
      ['deploy', 'examples/webapp', '--config', 'CodeDeployDefault.LambdaAllAtOnce'],
      'unknown Server deployment config',
    ],
    [['deploy', 'examples/webapp', '--alarm-5xx-rate', '5'], 'add --load-balancer'],
    [['deploy', 'examples/webapp', '--hosts', '0'], 'at least 1'],
    [['deploy', 'README.md'], 'must be a directory, a .zip'],
    [
      ['deploy', 'examples/webapp', '--application', ''],
      "an empty name is not a valid application name: CodeDeploy's application names are 1 to 100 letters, digits and '.', '_', '+', '=', ',', '@' or '-'.",
    ],
    [['deploy', 'examples/webapp', '--application', 'a/b'], '"a/b" is not a valid application name'],
    [
      ['deploy', 'examples/webapp', '--deployment-group', 'g'.repeat(101)],
      'is not a valid deployment group name',
    ],
    [
      ['deploy', 'examples/lambda'],
      'examples/lambda holds a Lambda AppSpec (examples/lambda/appspec.yml shifts a Lambda alias), and `deploy` deploys Server revisions to local hosts and ECS AppSpecs to a local ECS service. Rehearse it with: stepdeploy simulate examples/lambda/appspec.yml',
    ],
    [['deploy', 'examples/webapp', '--max-bundle-size', '2XB'], 'must be a size in bytes'],
    [['deploy', 'examples/webapp', '--max-bundle-entries', '0'], 'at least 1'],
  ])('exits 2 on a usage error: %j', (args, message) => {
    const result = runCli([...args, '--state-dir', join(work, 'unused')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});

describe('help', () => {
  it.each(['deploy', 'simulate', 'server', 'config create', 'status', 'list'])(
    '%s --help names each default once',
    (command) => {
      const help = runCli([...command.split(' '), '--help']);
      expect(help.code).toBe(0);
      // One entry per option: its flags line and the indented lines that continue it.
      const options = help.stdout
        .slice(help.stdout.indexOf('Options:'))
        .split(/\n(?= {2}-)/)
        .map((entry) => entry.replace(/\s+/g, ' '));
      expect(options.length).toBeGreaterThan(2);
      for (const option of options) expect(option.split('(default:').length, option).toBeLessThanOrEqual(2);
    },
  );
});
