import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const dir = mkdtempSync(join(tmpdir(), 'stepdeploy-simulate-'));
function appSpecFile(name: string, hooks: string[]): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    [
      'version: 0.0',
      'Resources:',
      '  - myFunction:',
      '      Type: AWS::Lambda::Function',
      '      Properties: { Name: my-function, Alias: live, CurrentVersion: "1", TargetVersion: "2" }',
      ...(hooks.length > 0 ? ['Hooks:', ...hooks.map((hook) => `  - ${hook}`)] : []),
      '',
    ].join('\n'),
  );
  return path;
}

const EXAMPLE = 'examples/lambda/appspec.yml';
const CANARY = 'CodeDeployDefault.LambdaCanary10Percent5Minutes';

interface Report {
  status: string;
  errorCode: string | null;
  rolledBack: boolean;
  stateTransitions: number;
  timeline: Array<{ atSeconds: number; state: string; detail: string }>;
  weights: Array<{ atSeconds: number; targetVersionWeight: number }>;
}

function simulate(args: string[]): { code: number | null; report: Report; stderr: string } {
  const result = runCli(['simulate', ...args, '--json']);
  return { code: result.code, report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
}

describe('stepdeploy simulate', () => {
  it('prints a successful canary as JSON: weights at the planned simulated seconds, exit 0', () => {
    // Without a BeforeAllowTraffic hook the first shift happens at the start.
    const path = appSpecFile('after-only.yml', ['AfterAllowTraffic: CodeDeployHook_post']);
    const { code, report } = simulate([path, '--config', CANARY]);
    expect(code).toBe(0);
    expect(Object.keys(report)).toEqual([
      'status',
      'errorCode',
      'rolledBack',
      'stateTransitions',
      'timeline',
      'weights',
    ]);
    expect(report).toMatchObject({ status: 'Succeeded', errorCode: null, rolledBack: false });
    expect(report.weights).toEqual([
      { atSeconds: 0, targetVersionWeight: 0.1 },
      { atSeconds: 300, targetVersionWeight: 1 },
    ]);
    expect(report.stateTransitions).toBeGreaterThan(0);
    expect(report.timeline[0]).toEqual({ atSeconds: 0, state: 'Prepare', detail: 'entered' });
    expect(report.timeline).toContainEqual({
      atSeconds: 300,
      state: 'AfterAllowTraffic',
      detail: 'invoked CodeDeployHook_post',
    });
    // The hook answers 2 simulated seconds after its invocation; the deployment ends then.
    expect(report.timeline.at(-1)).toEqual({
      atSeconds: 302,
      state: 'Deployed',
      detail: 'deployment Succeeded',
    });
    const times = report.timeline.map((entry) => entry.atSeconds);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('rolls back on --alarm during the bake: exit 1, ALARM_ACTIVE, the weight back to 0 at the alarm', () => {
    const { code, report } = simulate([EXAMPLE, '--config', CANARY, '--alarm', 'Errors@120']);
    expect(code).toBe(1);
    expect(report).toMatchObject({ status: 'Stopped', errorCode: 'ALARM_ACTIVE', rolledBack: true });
    // The BeforeAllowTraffic hook answers after 2 s, so the first shift is at 2 s.
    expect(report.weights).toEqual([
      { atSeconds: 2, targetVersionWeight: 0.1 },
      { atSeconds: 120, targetVersionWeight: 0 },
    ]);
    expect(report.timeline).toContainEqual({
      atSeconds: 120,
      state: 'Bake',
      detail: 'alarm Errors: OK -> ALARM',
    });
  });

  it('stops before anything moves when an alarm is in ALARM from the start (@0)', () => {
    const { code, report } = simulate([EXAMPLE, '--config', CANARY, '--alarm', 'Errors@0']);
    expect(code).toBe(1);
    expect(report).toMatchObject({
      status: 'Stopped',
      errorCode: 'ALARM_ACTIVE',
      rolledBack: false,
      weights: [],
    });
    expect(report.timeline.every((entry) => entry.atSeconds === 0)).toBe(true);
  });

  it('fails on --fail-hook BeforeAllowTraffic without any weight change', () => {
    const { code, report } = simulate([EXAMPLE, '--config', CANARY, '--fail-hook', 'BeforeAllowTraffic']);
    expect(code).toBe(1);
    expect(report).toMatchObject({ status: 'Failed', errorCode: 'HOOK_EXECUTION_FAILURE', weights: [] });
    expect(report.timeline).toContainEqual({
      atSeconds: 2,
      state: 'BeforeAllowTraffic',
      detail: 'CodeDeployHook_preTrafficCheck answers Failed',
    });
  });

  it('leaves the weight where it was on --stop-at without rollback', () => {
    const { code, report } = simulate([EXAMPLE, '--config', CANARY, '--stop-at', '100']);
    expect(code).toBe(1);
    expect(report).toMatchObject({ status: 'Stopped', errorCode: 'MANUAL_STOP', rolledBack: false });
    expect(report.weights).toEqual([{ atSeconds: 2, targetVersionWeight: 0.1 }]);
  });

  it('restores the alias on --stop-at with --rollback-on-stop', () => {
    const { code, report } = simulate([
      EXAMPLE,
      '--config',
      CANARY,
      '--stop-at',
      '100',
      '--rollback-on-stop',
    ]);
    expect(code).toBe(1);
    expect(report).toMatchObject({ status: 'Stopped', errorCode: 'MANUAL_STOP', rolledBack: true });
    expect(report.weights.at(-1)).toEqual({ atSeconds: 100, targetVersionWeight: 0 });
  });

  it('prints a readable timeline without colour under NO_COLOR', () => {
    const result = runCli(['simulate', EXAMPLE, '--config', 'LambdaLinear10PercentEvery1Minute']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('00:02  ShiftTraffic         live: 10% -> version 2');
    expect(result.stdout).toContain('09:02  ShiftTraffic         live: 100% -> version 2');
    expect(result.stdout).toContain('Deployment Succeeded after 09:04 simulated');
    expect(result.stdout).not.toContain('\u001b[');
  });

  it('prints the errors of an invalid AppSpec and exits 1', () => {
    const path = join(dir, 'invalid.yml');
    writeFileSync(
      path,
      'version: 0.0\nResources:\n  - fn:\n      Type: AWS::Lambda::Function\n      Properties: { Name: f }\n',
    );
    const result = runCli(['simulate', path, '--config', CANARY]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalid Lambda AppSpec');
    expect(result.stdout).toBe('');
  });

  it.each([
    [['--config', 'CodeDeployDefault.Nope'], 'Lambda configs: CodeDeployDefault.LambdaAllAtOnce'],
    [['--config', 'CodeDeployDefault.OneAtATime'], 'unknown Lambda deployment config'],
    [[], "required option '--config <name>' not specified"],
    [['--config', CANARY, '--alarm', 'Errors'], 'expected NAME@SECONDS'],
    [['--config', CANARY, '--alarm', 'Errors@-5'], 'must be a number of seconds'],
    [['--config', CANARY, '--alarm', 'Errors@1', '--alarm', 'Errors@2'], 'the alarm Errors is given twice'],
    [['--config', CANARY, '--stop-at', 'soon'], 'must be a number of seconds'],
    [['--config', CANARY, '--rollback-on-stop'], '--rollback-on-stop needs --stop-at'],
    [
      ['--config', CANARY, '--fail-hook', 'Install'],
      'Allowed choices are BeforeAllowTraffic, AfterAllowTraffic',
    ],
  ])('exits 2 on a usage error: %j', (args, message) => {
    const result = runCli(['simulate', EXAMPLE, ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr + result.stdout).toContain(message);
  });

  it('exits 2 when --fail-hook names an event the AppSpec has no hook for', () => {
    const path = appSpecFile('before-only.yml', ['BeforeAllowTraffic: CodeDeployHook_pre']);
    const result = runCli(['simulate', path, '--config', CANARY, '--fail-hook', 'AfterAllowTraffic']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'the AppSpec has no AfterAllowTraffic hook (its hooks: BeforeAllowTraffic)',
    );
  });

  it('exits 2 when the AppSpec file does not exist', () => {
    const result = runCli(['simulate', join(dir, 'missing.yml'), '--config', CANARY]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no such file');
  });
});

describe('stepdeploy simulate with an ECS AppSpec', () => {
  const ECS_EXAMPLE = 'examples/ecs/v2/appspec.yaml';
  const ECS_CANARY = 'CodeDeployDefault.ECSCanary10Percent5Minutes';

  it('detects the platform: a canary of the replacement task set, with the test listener in the timeline', () => {
    const { code, report } = simulate([ECS_EXAMPLE, '--config', ECS_CANARY]);
    expect(code).toBe(0);
    expect(report).toMatchObject({ status: 'Succeeded', errorCode: null, rolledBack: false });
    // Tasks run 5 s after Install and are healthy 10 s later; the smoke-test hook answers after 2 s.
    expect(report.weights).toEqual([
      { atSeconds: 17, targetVersionWeight: 0.1 },
      { atSeconds: 317, targetVersionWeight: 1 },
    ]);
    expect(report.timeline).toContainEqual({
      atSeconds: 15,
      state: 'AllowTestTraffic',
      detail: 'test listener: 100% -> green',
    });
    expect(report.timeline.at(-1)).toEqual({
      atSeconds: 317,
      state: 'Deployed',
      detail: 'deployment Succeeded',
    });
  });

  it('--fail-hook AfterAllowTestTraffic: rolled back before production moved, exit 1', () => {
    const { code, report } = simulate([
      ECS_EXAMPLE,
      '--config',
      'ECSAllAtOnce',
      '--fail-hook',
      'AfterAllowTestTraffic',
    ]);
    expect(code).toBe(1);
    expect(report).toMatchObject({ status: 'Failed', errorCode: 'HOOK_EXECUTION_FAILURE', rolledBack: true });
    expect(report.weights).toEqual([]);
    expect(report.timeline).toContainEqual({
      atSeconds: 17,
      state: 'Rollback',
      detail: 'test listener: 0% -> green (back on blue)',
    });
  });

  it('--stop-at with --rollback-on-stop lists the rollback among the weights', () => {
    const { code, report } = simulate([
      ECS_EXAMPLE,
      '--config',
      ECS_CANARY,
      '--stop-at',
      '60',
      '--rollback-on-stop',
    ]);
    expect(code).toBe(1);
    expect(report).toMatchObject({ status: 'Stopped', errorCode: 'MANUAL_STOP', rolledBack: true });
    expect(report.weights).toEqual([
      { atSeconds: 17, targetVersionWeight: 0.1 },
      { atSeconds: 60, targetVersionWeight: 0 },
    ]);
  });

  it('refuses a config of the other platform and a hook the AppSpec does not have (usage errors)', () => {
    const wrong = runCli(['simulate', ECS_EXAMPLE, '--config', 'LambdaAllAtOnce']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('unknown ECS deployment config LambdaAllAtOnce');
    const missing = runCli([
      'simulate',
      ECS_EXAMPLE,
      '--config',
      'ECSAllAtOnce',
      '--fail-hook',
      'BeforeInstall',
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      'the AppSpec has no BeforeInstall hook (its hooks: AfterAllowTestTraffic)',
    );
  });
});
