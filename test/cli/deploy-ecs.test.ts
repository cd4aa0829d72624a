/**
 * `stepdeploy deploy DIR` with the ECS AppSpecs of examples/ecs, as a user runs it (the compiled
 * CLI, each command with its own server on the state directory, tasks as real processes): the first
 * deployment creates the service, version 2 deploys with a custom config made by `config create`,
 * version 3's failing AfterAllowTestTraffic hook leaves listeners and task sets as they were. Flags
 * and configs that do not fit are refused before anything is touched. `simulate` takes a custom
 * config from the same state directory.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ecsTaskProcesses, stopEcsTaskProcesses } from '../../local/ecs/task-processes.js';
import { tempDir } from '../domain/instance-scripts/harness.js';
import { runCliAsync } from './run-cli.js';

const work = tempDir('sd-cli-ecs-');
const stateDir = join(work, 'state');

afterAll(async () => {
  await stopEcsTaskProcesses(stateDir);
});

/** CodeDeploy's ECS lifecycle events, in order, with a test listener (reference §1.4). */
const ECS_EVENTS = [
  'Start',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
  'End',
];

const deploy = (version: string, ...flags: string[]) =>
  runCliAsync(['deploy', `examples/ecs/${version}`, '--state-dir', stateDir, ...flags], {
    timeoutMs: 120_000,
  });

interface TaskSetJson {
  id: string;
  taskDefinition: string;
  role: string;
  status: string;
  runningCount: number;
  productionWeight: number;
  testWeight: number | null;
}

async function deploymentCount(): Promise<number> {
  const listed = await runCliAsync(['list', '--state-dir', stateDir, '--json']);
  return (JSON.parse(listed.stdout) as unknown[]).length;
}

describe('deploy DIR with an ECS AppSpec', () => {
  let created: TaskSetJson[] = [];
  let deployed: TaskSetJson[] = [];

  it('refuses config create input that does not fit, naming the flag, before anything exists', async () => {
    const cases: Array<[string[], string]> = [
      [
        ['--platform', 'ecs'],
        'needs one of --canary PERCENT:MINUTES, --linear PERCENT:MINUTES or --all-at-once',
      ],
      [['--platform', 'server', '--canary', '10:5'], '--canary: a Server config does not shift traffic'],
      [
        ['--platform', 'lambda', '--minimum-healthy-hosts', '2'],
        '--minimum-healthy-hosts is for Server configs',
      ],
      [
        ['--platform', 'ecs', '--canary', '10:5', '--linear', '10:1'],
        '--canary and --linear do not go together',
      ],
      [['--platform', 'ecs', '--canary', '100:5'], 'must be PERCENT:MINUTES'],
      [['--platform', 'windows', '--all-at-once'], 'Allowed choices are server, lambda, ecs'],
    ];
    const results = await Promise.all(
      cases.map(([flags]) => runCliAsync(['config', 'create', 'bad', ...flags, '--state-dir', stateDir])),
    );
    results.forEach((result, index) => {
      expect(result.code, cases[index]![0].join(' ')).toBe(2);
      expect(result.stderr).toContain(cases[index]![1]);
    });
    // An ECS AppSpec whose task-definition file is missing: the revision is bad (1), nothing starts.
    const bad = join(work, 'bad-ecs');
    mkdirSync(bad);
    writeFileSync(
      join(bad, 'appspec.yaml'),
      'version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: taskdef.json\n        LoadBalancerInfo:\n          ContainerName: web\n          ContainerPort: 8080\n',
    );
    const refused = await runCliAsync(['deploy', bad, '--state-dir', stateDir, '--json']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('taskdef.json cannot be read as JSON');
    expect(existsSync(stateDir)).toBe(false);
  });

  it('config create keeps the CreateDeploymentConfig record; a name taken or reserved is refused', async () => {
    const made = await runCliAsync([
      'config',
      'create',
      'ecs-at-once',
      '--platform',
      'ecs',
      '--all-at-once',
      '--state-dir',
      stateDir,
      '--json',
    ]);
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toEqual({
      deploymentConfigName: 'ecs-at-once',
      computePlatform: 'ECS',
      trafficRoutingConfig: { type: 'AllAtOnce' },
      deploymentConfigId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const canary = await runCliAsync([
      'config',
      'create',
      'ecs-canary-20',
      '--platform',
      'ecs',
      '--canary',
      '20:3',
      '--state-dir',
      stateDir,
    ]);
    expect(canary.code).toBe(0);
    const again = await runCliAsync([
      'config',
      'create',
      'ecs-at-once',
      '--platform',
      'ecs',
      '--all-at-once',
      '--state-dir',
      stateDir,
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('DeploymentConfigAlreadyExistsException');
    const reserved = await runCliAsync([
      'config',
      'create',
      'CodeDeployDefault.Mine',
      '--platform',
      'ecs',
      '--all-at-once',
      '--state-dir',
      stateDir,
    ]);
    expect(reserved.code).toBe(2);
    expect(reserved.stderr).toContain('reserved prefix');

    // config delete: DeleteDeploymentConfig. Deleted, the name is free again; a predefined one stays.
    const doomed = [
      'config',
      'create',
      'ecs-doomed',
      '--platform',
      'ecs',
      '--all-at-once',
      '--state-dir',
      stateDir,
    ];
    expect((await runCliAsync(doomed)).code).toBe(0);
    const deleted = await runCliAsync(['config', 'delete', 'ecs-doomed', '--state-dir', stateDir]);
    expect(deleted).toMatchObject({ code: 0, stdout: 'Deleted ecs-doomed\n' });
    expect((await runCliAsync(doomed)).code).toBe(0);
    const predefined = await runCliAsync([
      'config',
      'delete',
      'CodeDeployDefault.ECSAllAtOnce',
      '--state-dir',
      stateDir,
    ]);
    expect(predefined.code).toBe(2);
    expect(predefined.stderr).toContain('cannot be deleted');
    expect(predefined.stderr).toContain('[InvalidOperationException]');
    expect(predefined.stderr).not.toMatch(/\n\s+at /);
  });

  it('creates the service on its first deployment: the task definition as its only task set, all traffic, no deployment', async () => {
    const result = await deploy('v1', '--json', '--test-listener-port', '0', '--tasks', '2');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const view = JSON.parse(result.stdout);
    expect(Object.keys(view)).toEqual(
      expect.arrayContaining(['deploymentId', 'status', 'errorCode', 'rolledBack', 'events', 'taskSets']),
    );
    expect(view).toMatchObject({
      deploymentId: null,
      status: 'Succeeded',
      errorCode: null,
      rolledBack: false,
      events: [],
      serviceCreated: true,
    });
    created = view.taskSets;
    expect(created).toEqual([
      {
        id: expect.any(String),
        taskDefinition: 'arn:aws:ecs:local:000000000000:task-definition/example-web:1',
        role: 'replacement',
        status: 'PRIMARY',
        runningCount: 2,
        productionWeight: 100,
        testWeight: 100,
      },
    ]);
    expect(await deploymentCount()).toBe(0);
    // The command's own server ended with it, and so did the tasks; server.json keeps no stale URL.
    expect(ecsTaskProcesses(stateDir)).toEqual([]);
    const file = JSON.parse(readFileSync(join(stateDir, 'server.json'), 'utf8'));
    expect(file.listeners).toEqual({});
    expect(statSync(join(stateDir, 'server.json')).mode & 0o777).toBe(0o600);
  });

  it('refuses a config, a flag or a count that does not fit before anything is deployed', async () => {
    const cases: Array<[string[], number, string]> = [
      [
        ['--config', 'CodeDeployDefault.HalfAtATime'],
        2,
        'unknown ECS deployment config CodeDeployDefault.HalfAtATime',
      ],
      [['--config', 'nope'], 2, 'stepdeploy config create nope --platform ecs'],
      [['--config', 'ecs-canary-20', '--hosts', '2'], 2, '--hosts concerns Server revisions'],
      [['--tasks', '3'], 2, 'exists with a desired count of 2, not 3'],
      [['--endpoint-url', 'https://example.com', '--bucket', 'b'], 2, '--bucket concerns Server revisions'],
    ];
    for (const [flags, code, message] of cases) {
      const result = await deploy('v2', ...flags);
      expect(result.code, flags.join(' ')).toBe(code);
      expect(result.stderr).toContain(message);
    }
    expect(await deploymentCount()).toBe(0);
  });

  it('deploys version 2 with the custom config: CodeDeploy events in order, the replacement primary with all traffic', async () => {
    const result = await deploy('v2', '--json', '--config', 'ecs-at-once');
    expect(result.code).toBe(0);
    const view = JSON.parse(result.stdout);
    expect(view).toMatchObject({
      status: 'Succeeded',
      errorCode: null,
      rolledBack: false,
      serviceCreated: false,
    });
    expect(view.deploymentId).toMatch(/^d-[A-Z0-9]{9}$/);
    deployed = view.taskSets;
    expect(view.events.map((e: { name: string }) => e.name)).toEqual(ECS_EVENTS);
    for (const event of view.events) {
      // An event without a hook (or work) ends as it starts: no duration to report.
      expect(event).toEqual({
        name: event.name,
        status: 'Succeeded',
        durationMs: event.durationMs === null ? null : expect.any(Number),
        message: null,
      });
    }
    // The replacement's tasks had to start and pass their checks, and the hook ran: both took time.
    const took = (name: string) => view.events.find((e: { name: string }) => e.name === name).durationMs;
    expect(took('Install')).toBeGreaterThan(0);
    expect(took('AfterAllowTestTraffic')).toBeGreaterThan(0);
    expect(deployed).toEqual([
      {
        id: expect.any(String),
        taskDefinition: 'arn:aws:ecs:local:000000000000:task-definition/example-web:2',
        role: 'replacement',
        status: 'PRIMARY',
        runningCount: 2,
        productionWeight: 100,
        testWeight: 100,
      },
    ]);
    expect(deployed[0]!.id).not.toBe(created[0]!.id);
    const status = await runCliAsync(['status', view.deploymentId, '--state-dir', stateDir, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'Succeeded' });
  });

  it('rolls back version 3 at its failing AfterAllowTestTraffic: listeners and task sets exactly as before', async () => {
    const result = await deploy('v3', '--json');
    expect(result.code).toBe(1);
    const view = JSON.parse(result.stdout);
    expect(view).toMatchObject({ status: 'Failed', errorCode: 'HOOK_EXECUTION_FAILURE', rolledBack: true });
    const failed = view.events.find((e: { status: string }) => e.status === 'Failed');
    expect(failed).toMatchObject({
      name: 'AfterAllowTestTraffic',
      message: expect.stringContaining('CodeDeployHook_smokeTest'),
    });
    // Production never moved: the events after it did not run.
    expect(
      view.events.filter((e: { name: string }) => ['AllowTraffic', 'AfterAllowTraffic'].includes(e.name)),
    ).toEqual([
      expect.objectContaining({ status: 'Skipped' }),
      expect.objectContaining({ status: 'Skipped' }),
    ]);
    expect(view.taskSets).toEqual(deployed.map((taskSet) => ({ ...taskSet, role: 'original' })));
  });

  it('simulate takes the custom canary config from the state directory, its weights and bake as created', async () => {
    const result = await runCliAsync([
      'simulate',
      'examples/ecs/v2/appspec.yaml',
      '--config',
      'ecs-canary-20',
      '--state-dir',
      stateDir,
      '--json',
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.status).toBe('Succeeded');
    const weights = report.weights.map((w: { targetVersionWeight: number }) => w.targetVersionWeight);
    expect(weights).toEqual([0.2, 1]);
    expect(report.weights[1].atSeconds - report.weights[0].atSeconds).toBe(180);
  });
});
