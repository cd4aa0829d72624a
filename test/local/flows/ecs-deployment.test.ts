/**
 * Every branch of statemachines/ecs-blue-green.asl.yaml, run on the embedded engine in compressed time
 * against the local ECS model with simulated tasks and listeners. Expected weights and times are
 * CodeDeploy's ECS config definitions (reference §3.2, §3.5) written out literally; after every
 * rollback the listeners and the task sets must be exactly as they were before the deployment.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmConfiguration, DeploymentRecord } from '../../../functions/ports/records.js';
import {
  CLUSTER,
  createEcsHarness,
  disposeEcsHarnesses,
  ecsAppSpec,
  HOOKS,
  ORIGINAL_FORWARD,
  PROD_LISTENER,
  SERVICE,
  TEST_LISTENER,
  type EcsDeployResult,
  type EcsHarness,
} from './ecs-harness.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

afterEach(disposeEcsHarnesses);

const CANARY_5 = 'CodeDeployDefault.ECSCanary10Percent5Minutes';
const LINEAR_1 = 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes';
const ALL_AT_ONCE = 'CodeDeployDefault.ECSAllAtOnce';

/**
 * [seconds after the first shift, percent of production on the replacement] for each shift: canary
 * {10, m} is 10 % then 100 % m minutes later; linear {10, m} adds 10 % every m minutes, with no bake
 * after the final shift (stepdeploy's documented choice on the [unverified] point of §3.5).
 */
// prettier-ignore
const PLANS: Array<[string, Array<[number, number]>]> = [
  [ALL_AT_ONCE, [[0, 100]]],
  [CANARY_5, [[0, 10], [300, 100]]],
  ['CodeDeployDefault.ECSCanary10Percent15Minutes', [[0, 10], [900, 100]]],
  [LINEAR_1, [[0, 10], [60, 20], [120, 30], [180, 40], [240, 50], [300, 60], [360, 70], [420, 80], [480, 90], [540, 100]]],
  ['CodeDeployDefault.ECSLinear10PercentEvery3Minutes', [[0, 10], [180, 20], [360, 30], [540, 40], [720, 50], [900, 60], [1080, 70], [1260, 80], [1440, 90], [1620, 100]]],
];

function alarmConfig(names: string[]): AlarmConfiguration {
  return { enabled: true, ignorePollAlarmFailure: false, alarms: names.map((name) => ({ name })) };
}

function production(result: EcsDeployResult): Array<[number, number]> {
  return result.changes.filter((c) => c.listener === 'production').map((c) => [c.atSeconds, c.greenPercent]);
}

function test(result: EcsDeployResult): number[] {
  return result.changes.filter((c) => c.listener === 'test').map((c) => c.greenPercent);
}

function lifecycle(record: DeploymentRecord | undefined): Record<string, string> {
  return Object.fromEntries((record?.lifecycleEvents ?? []).map((e) => [e.lifecycleEventName, e.status]));
}

function entered(result: EcsDeployResult, stateName: string): number[] {
  return result.events
    .filter((event) => event.type === 'StateEntered' && event.stateName === stateName)
    .map((event) => (event.atMs - result.outcome.startedAtMs) / 1000);
}

function hookInvocations(h: EcsHarness, deploymentId: string): string[] {
  const names = new Map(Object.entries(HOOKS).map(([event, fn]) => [fn, event]));
  return h.lambda
    .invocations()
    .filter((call) => call.payload.DeploymentId === deploymentId)
    .map((call) => names.get(call.functionName) ?? call.functionName);
}

/** The lock free and no wait left, whatever the end. */
async function expectReleased(h: EcsHarness, deploymentId: string): Promise<void> {
  expect(await h.lockHolder()).toBeUndefined();
  expect(await h.runtime.deps.store.getPendingWait(deploymentId)).toBeUndefined();
}

describe('an ECS deployment succeeds under every predefined ECS config', () => {
  it.each(PLANS)('%s shifts production at exactly the planned times', async (config, plan) => {
    const h = await createEcsHarness();
    const result = await h.deploy({ config });

    expect(result.outcome.status).toBe('SUCCEEDED');
    expect(result.record?.status).toBe('Succeeded');
    const shifts = production(result);
    const first = shifts[0]![0];
    expect(shifts.map(([at, percent]) => [at - first, percent])).toEqual(plan);
    // The test listener moved once, to the replacement, before production did.
    expect(test(result)).toEqual([100]);
    const testAt = result.changes.find((c) => c.listener === 'test')!.atSeconds;
    expect(testAt).toBeLessThan(first);
    // The replacement is the service's only task set, primary, with every task running web:2.
    const state = await h.state();
    expect(state.production).toEqual([
      { targetGroup: 'blue', weight: 0 },
      { targetGroup: 'green', weight: 100 },
    ]);
    expect(state.test).toEqual(state.production);
    expect(state.taskSets).toEqual([
      expect.objectContaining({
        status: 'PRIMARY',
        taskDefinition: 'arn:aws:ecs:local:000000000000:task-definition/web:2',
        targetGroup: 'green',
        runningCount: 2,
      }),
    ]);
    expect(Object.values(lifecycle(result.record))).toEqual(Array(10).fill('Succeeded'));
    expect(hookInvocations(h, result.deploymentId)).toEqual([
      'BeforeInstall',
      'AfterInstall',
      'AfterAllowTestTraffic',
      'BeforeAllowTraffic',
      'AfterAllowTraffic',
    ]);
    expect(result.record?.ecsTarget).toMatchObject({
      targetId: `${CLUSTER}:${SERVICE}`,
      status: 'Succeeded',
      taskSetsInfo: [
        { taskSetLabel: 'Blue', status: 'DELETED', trafficWeight: 0, targetGroup: { name: 'blue' } },
        {
          taskSetLabel: 'Green',
          status: 'PRIMARY',
          trafficWeight: 100,
          testTrafficWeight: 100,
          desiredCount: 2,
          runningCount: 2,
          targetGroup: { name: 'green' },
        },
      ],
    });
    await expectReleased(h, result.deploymentId);
  });

  it('runs the next deployment from green back to blue, the pair swapping roles', async () => {
    const h = await createEcsHarness();
    await h.deploy();
    const second = await h.deploy({ appSpec: ecsAppSpec({ taskDefinition: 'web:1' }) });
    expect(second.outcome.status).toBe('SUCCEEDED');
    expect(second.record?.ecsRoute).toMatchObject({
      originalTargetGroup: 'green',
      replacementTargetGroup: 'blue',
    });
    const state = await h.state();
    expect(state.production).toEqual([
      { targetGroup: 'green', weight: 0 },
      { targetGroup: 'blue', weight: 100 },
    ]);
    expect(state.taskSets).toEqual([
      expect.objectContaining({
        status: 'PRIMARY',
        targetGroup: 'blue',
        taskDefinition: expect.stringMatching(/web:1$/),
      }),
    ]);
  });

  it('waits for the replacement to run and pass its health checks before AfterInstall', async () => {
    const h = await createEcsHarness();
    const result = await h.deploy();
    // Tasks run 5 s after Install and their targets turn healthy 10 s later; one look every 5 s.
    const install = entered(result, 'Install')[0]!;
    const looks = entered(result, 'WaitForTaskSet');
    expect(looks.map((at) => at - install)).toEqual([0, 5, 10, 15]);
    expect(entered(result, 'AfterInstall')[0]! - install).toBe(15);
  });
});

describe('a hook that fails leaves the service exactly as before the deployment', () => {
  const EVENTS = Object.keys(HOOKS);
  it.each(EVENTS)('%s answers Failed: HOOK_EXECUTION_FAILURE, rolled back', async (event) => {
    const h = await createEcsHarness();
    const before = await h.state();
    h.answerHook(HOOKS[event]!, 'Failed', 1);
    const result = await h.deploy({ config: CANARY_5 });

    expect(result.outcome.status).toBe('FAILED');
    expect(result.record?.status).toBe('Failed');
    expect(result.record?.errorInformation?.code).toBe('HOOK_EXECUTION_FAILURE');
    expect(await h.state()).toEqual(before);
    const events = lifecycle(result.record);
    expect(events[event]).toBe('Failed');
    expect(events['End']).toBe('Skipped');
    // Hooks after the failed one never run.
    const invoked = hookInvocations(h, result.deploymentId);
    expect(invoked.at(-1)).toBe(event);
    // Production moved only when the failing hook came after AllowTraffic; then it went back.
    const expectedProduction: Record<string, number[]> = {
      BeforeInstall: [],
      AfterInstall: [],
      AfterAllowTestTraffic: [],
      BeforeAllowTraffic: [],
      AfterAllowTraffic: [10, 100, 0],
    };
    expect(production(result).map(([, percent]) => percent)).toEqual(expectedProduction[event]);
    const expectedTest: Record<string, number[]> = {
      BeforeInstall: [],
      AfterInstall: [],
      AfterAllowTestTraffic: [100, 0],
      BeforeAllowTraffic: [100, 0],
      AfterAllowTraffic: [100, 0],
    };
    expect(test(result)).toEqual(expectedTest[event]);
    // No replacement was ever created before Install.
    if (event === 'BeforeInstall') expect(result.record?.ecsTarget?.taskSetsInfo).toHaveLength(1);
    else
      expect(result.record?.ecsTarget?.taskSetsInfo[1]).toMatchObject({
        taskSetLabel: 'Green',
        status: 'DELETED',
      });
    expect(result.record?.ecsTarget?.status).toBe('Failed');
    await expectReleased(h, result.deploymentId);
  });
});

describe('alarms and stops', () => {
  it('an alarm during the canary bake ends it at once and rolls back (ALARM_ACTIVE)', async () => {
    const h = await createEcsHarness();
    const before = await h.state();
    h.alarms.define('Errors', 'OK');
    const { result: pending } = h.start({
      config: CANARY_5,
      overrideAlarmConfiguration: alarmConfig(['Errors']),
    });
    const alarmAt = await h.at(120, () => {
      h.alarms.setState('Errors', 'ALARM');
      return h.clock.nowMs();
    });
    const result = await pending;

    expect(result.record?.status).toBe('Stopped');
    expect(result.record?.errorInformation?.code).toBe('ALARM_ACTIVE');
    const shifts = production(result);
    expect(shifts.map(([, percent]) => percent)).toEqual([10, 0]);
    // The rollback came with the alarm, not at the end of the 5-minute bake.
    expect(result.outcome.startedAtMs + shifts[1]![0] * 1000).toBe(alarmAt);
    expect(await h.state()).toEqual(before);
    expect(result.record?.rollbackInfo?.rollbackMessage).toContain('original target group blue only again');
    await expectReleased(h, result.deploymentId);
  });

  it('an alarm already in ALARM stops the deployment in Prepare, before any task set exists', async () => {
    const h = await createEcsHarness();
    const before = await h.state();
    h.alarms.define('Errors', 'ALARM');
    const result = await h.deploy({ overrideAlarmConfiguration: alarmConfig(['Errors']) });
    expect(result.record?.errorInformation?.code).toBe('ALARM_ACTIVE');
    expect(result.changes).toEqual([]);
    expect(await h.state()).toEqual(before);
    expect(Object.values(lifecycle(result.record))).toEqual(Array(10).fill('Skipped'));
  });

  it('StopDeployment during the bake keeps traffic and both task sets where they are', async () => {
    const h = await createEcsHarness();
    const { deploymentId, result: pending } = h.start({ config: CANARY_5 });
    await h.at(100, () => h.runtime.stopDeployment(deploymentId));
    const result = await pending;

    expect(result.record?.status).toBe('Stopped');
    expect(result.record?.errorInformation?.code).toBe('MANUAL_STOP');
    expect(production(result).map(([, percent]) => percent)).toEqual([10]);
    const state = await h.state();
    expect(state.production).toEqual([
      { targetGroup: 'blue', weight: 90 },
      { targetGroup: 'green', weight: 10 },
    ]);
    expect(state.taskSets.map((t) => [t.status, t.targetGroup])).toEqual([
      ['PRIMARY', 'blue'],
      ['ACTIVE', 'green'],
    ]);
    await expectReleased(h, result.deploymentId);

    // The next deployment refuses the left replacement by name and touches nothing.
    const next = await h.deploy();
    expect(next.record?.errorInformation?.code).toBe('INVALID_ECS_SERVICE');
    expect(next.record?.errorInformation?.message).toContain('a deployment left its replacement');
    expect(await h.state()).toEqual(state);
  });

  it('StopDeployment with rollback during the bake restores the listeners and removes the replacement', async () => {
    const h = await createEcsHarness();
    const before = await h.state();
    const { deploymentId, result: pending } = h.start({ config: LINEAR_1 });
    // Shifts at 19 s (10 %) and 79 s (20 %): the stop comes during the second bake.
    await h.at(100, () => h.runtime.stopDeployment(deploymentId, { autoRollbackEnabled: true }));
    const result = await pending;

    expect(result.record?.status).toBe('Stopped');
    expect(result.record?.errorInformation?.code).toBe('MANUAL_STOP');
    expect(production(result).map(([, percent]) => percent)).toEqual([10, 20, 0]);
    expect(test(result)).toEqual([100, 0]);
    expect(await h.state()).toEqual(before);
    await expectReleased(h, result.deploymentId);
  });

  it('a stop while the replacement starts ends that wait at once', async () => {
    const h = await createEcsHarness();
    const before = await h.state();
    const { deploymentId, result: pending } = h.start();
    // BeforeInstall's hook answers after 1 s; Install follows; the replacement needs 15 s.
    const stoppedAt = await h.at(8, async () => {
      await h.runtime.stopDeployment(deploymentId, { autoRollbackEnabled: true });
      return h.clock.nowMs();
    });
    const result = await pending;
    expect(result.record?.errorInformation?.code).toBe('MANUAL_STOP');
    expect(result.outcome.stoppedAtMs).toBe(stoppedAt);
    expect(lifecycle(result.record)['Install']).toBe('Failed');
    expect(await h.state()).toEqual(before);
  });
});

describe('the ready wait (deploymentReadyOption STOP_DEPLOYMENT)', () => {
  const blueGreen = {
    deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT' as const, waitTimeInMinutes: 30 },
  };

  it('waits Ready with only test traffic on the replacement until ContinueDeployment READY_WAIT', async () => {
    const h = await createEcsHarness({ blueGreen });
    const { deploymentId, result: pending } = h.start();
    const during = await h.at(600, async () => {
      const record = await h.runtime.deps.store.getDeployment(deploymentId);
      const refused = await h.runtime.continueDeployment(deploymentId, 'TERMINATION_WAIT').then(
        () => 'continued',
        (error: Error) => error.name,
      );
      const state = await h.state();
      await h.runtime.continueDeployment(deploymentId, 'READY_WAIT');
      const after = await h.runtime.deps.store.getDeployment(deploymentId);
      return { status: record?.status, refused, state, statusAfter: after?.status };
    });
    const result = await pending;

    expect(during.status).toBe('Ready');
    expect(during.refused).toBe('DeploymentIsNotInReadyStateException');
    expect(during.state.production).toEqual(ORIGINAL_FORWARD);
    expect(during.state.test).toEqual([
      { targetGroup: 'blue', weight: 0 },
      { targetGroup: 'green', weight: 100 },
    ]);
    expect(during.statusAfter).toBe('InProgress');
    expect(result.record?.status).toBe('Succeeded');
    // Production moved only after the continue at 600 s (plus BeforeAllowTraffic's 1 s hook).
    expect(production(result)).toEqual([[601, 100]]);
  });

  it('stops the deployment when nobody continues it within waitTimeInMinutes, and rolls back', async () => {
    const h = await createEcsHarness({ blueGreen });
    const before = await h.state();
    const result = await h.deploy();
    expect(result.record?.status).toBe('Stopped');
    expect(result.record?.errorInformation?.code).toBe('TIMEOUT');
    expect(result.record?.errorInformation?.message).toContain('not continued within 1800 seconds');
    const readyAt = entered(result, 'ReadyWait')[0]!;
    expect(result.outcome.stoppedAtMs - result.outcome.startedAtMs).toBe((readyAt + 1800) * 1000);
    expect(production(result)).toEqual([]);
    expect(await h.state()).toEqual(before);
    await expectReleased(h, result.deploymentId);
  });
});

describe('the termination wait', () => {
  const blueGreen = {
    terminateBlueInstancesOnDeploymentSuccess: {
      action: 'TERMINATE' as const,
      terminationWaitTimeInMinutes: 60,
    },
  };

  it('keeps the original task set for terminationWaitTimeInMinutes, then deletes it', async () => {
    const h = await createEcsHarness({ blueGreen });
    const { deploymentId, result: pending } = h.start();
    const during = await h.at(1800, async () => ({
      record: await h.runtime.deps.store.getDeployment(deploymentId),
      state: await h.state(),
    }));
    const result = await pending;
    expect(during.record?.status).toBe('Baking');
    expect(during.record).toMatchObject({ instanceTerminationWaitTimeStarted: true });
    expect(during.state.taskSets.map((t) => [t.status, t.targetGroup])).toEqual([
      ['ACTIVE', 'blue'],
      ['PRIMARY', 'green'],
    ]);
    const deletedAt = entered(result, 'DeleteOriginalTaskSet')[0]!;
    expect(deletedAt - entered(result, 'TerminationWait')[0]!).toBe(3600);
    expect(result.record?.status).toBe('Succeeded');
    expect((await h.state()).taskSets).toHaveLength(1);
  });

  it('ContinueDeployment TERMINATION_WAIT skips the rest of the wait', async () => {
    const h = await createEcsHarness({ blueGreen });
    const { deploymentId, result: pending } = h.start();
    await h.at(300, () => h.runtime.continueDeployment(deploymentId, 'TERMINATION_WAIT'));
    const result = await pending;
    expect(result.record?.status).toBe('Succeeded');
    expect(entered(result, 'DeleteOriginalTaskSet')[0]).toBe(300);
    expect((await h.state()).taskSets.map((t) => t.targetGroup)).toEqual(['green']);
  });

  it('a stop with rollback during the wait sends traffic back to the kept original at once', async () => {
    const h = await createEcsHarness({ blueGreen });
    const before = await h.state();
    const { deploymentId, result: pending } = h.start();
    await h.at(900, () => h.runtime.stopDeployment(deploymentId, { autoRollbackEnabled: true }));
    const result = await pending;
    expect(result.record?.status).toBe('Stopped');
    expect(production(result).map(([, percent]) => percent)).toEqual([100, 0]);
    expect(result.outcome.stoppedAtMs - result.outcome.startedAtMs).toBe(900_000);
    expect(await h.state()).toEqual(before);
  });
});

describe('listeners changed behind the deployment', () => {
  it('refuses to shift when someone changed the production weights during the bake, and rolls back', async () => {
    const h = await createEcsHarness();
    const before = await h.state();
    const { result: pending } = h.start({ config: CANARY_5 });
    await h.at(100, () =>
      h.listeners.setForwardAction(PROD_LISTENER, [
        { targetGroup: 'blue', weight: 50 },
        { targetGroup: 'green', weight: 50 },
      ]),
    );
    const result = await pending;
    expect(result.record?.status).toBe('Failed');
    expect(result.record?.errorInformation).toMatchObject({
      code: 'ELASTIC_LOAD_BALANCING_INVALID',
      message: expect.stringContaining(
        `The production listener ${PROD_LISTENER} was changed during the deployment: it sends 50% of its traffic to green, where the deployment had set 10%.`,
      ),
    });
    // The second shift never happened: the next change is the rollback's.
    expect(production(result).map(([, percent]) => percent)).toEqual([10, 50, 0]);
    expect(await h.state()).toEqual(before);
  });

  it('refuses a test listener that forwards to a third target group', async () => {
    const h = await createEcsHarness();
    h.listeners.createTargetGroup('other');
    const { result: pending } = h.start();
    // Between Prepare and AllowTestTraffic (which runs after the replacement is stable, ~16 s).
    await h.at(3, () =>
      h.listeners.setForwardAction(TEST_LISTENER, [
        { targetGroup: 'blue', weight: 1 },
        { targetGroup: 'other', weight: 1 },
      ]),
    );
    const result = await pending;
    expect(result.record?.errorInformation?.code).toBe('ELASTIC_LOAD_BALANCING_INVALID');
    expect(result.record?.errorInformation?.message).toContain(
      'not to the target groups blue and green only',
    );
    // The rollback puts the test listener back as it was before the deployment.
    expect((await h.state()).test).toEqual(ORIGINAL_FORWARD);
  });
});

describe('without a test listener', () => {
  it('never invokes the AfterAllowTestTraffic hook and has no AllowTestTraffic event', async () => {
    const h = await createEcsHarness({ testListener: false });
    const result = await h.deploy();
    expect(result.record?.status).toBe('Succeeded');
    expect(hookInvocations(h, result.deploymentId)).toEqual([
      'BeforeInstall',
      'AfterInstall',
      'BeforeAllowTraffic',
      'AfterAllowTraffic',
    ]);
    const events = lifecycle(result.record);
    expect(events).not.toHaveProperty('AllowTestTraffic');
    expect(events['AfterAllowTestTraffic']).toBe('Skipped');
    expect(test(result)).toEqual([]);
  });
});

describe('Prepare refuses what it cannot deploy, before anything is touched', () => {
  it('a service that does not exist: INVALID_ECS_SERVICE', async () => {
    const h = await createEcsHarness({
      group: { ecsServices: [{ clusterName: CLUSTER, serviceName: 'api' }] },
    });
    const before = await h.state();
    const result = await h.deploy();
    expect(result.record?.errorInformation).toMatchObject({
      code: 'INVALID_ECS_SERVICE',
      message: expect.stringContaining('The ECS service api does not exist in the cluster local'),
    });
    expect(await h.state()).toEqual(before);
  });

  it('a production listener left mid-shift: ELASTIC_LOAD_BALANCING_INVALID', async () => {
    const h = await createEcsHarness();
    await h.listeners.setForwardAction(PROD_LISTENER, [
      { targetGroup: 'blue', weight: 70 },
      { targetGroup: 'green', weight: 30 },
    ]);
    const before = await h.state();
    const result = await h.deploy();
    expect(result.record?.errorInformation).toMatchObject({
      code: 'ELASTIC_LOAD_BALANCING_INVALID',
      message: expect.stringContaining(
        'forwards to both target groups of the pair (a stopped deployment left it mid-shift): blue (weight 70), green (weight 30)',
      ),
    });
    expect(await h.state()).toEqual(before);
  });

  it('a container the task definition does not have: INVALID_REVISION', async () => {
    const h = await createEcsHarness();
    const result = await h.deploy({
      appSpec: ecsAppSpec().replace('ContainerName: web', 'ContainerName: api'),
    });
    expect(result.record?.errorInformation).toMatchObject({
      code: 'INVALID_REVISION',
      message:
        'The task definition web:2 has no container api (LoadBalancerInfo.ContainerName); its containers: web.',
    });
    expect(result.changes).toEqual([]);
  });

  it('a config of another platform: INVALID_REVISION', async () => {
    const h = await createEcsHarness();
    const result = await h.deploy({ config: 'CodeDeployDefault.LambdaAllAtOnce' });
    expect(result.record?.errorInformation?.code).toBe('INVALID_REVISION');
    expect(result.record?.errorInformation?.message).toContain('not ECS');
  });
});

describe('transient failures', () => {
  it('retries a throttled ECS call and still deploys', async () => {
    const h = await createEcsHarness();
    const describe = h.ecs.describeService.bind(h.ecs);
    let failures = 0;
    h.ecs.describeService = async (cluster, service) => {
      if (failures < 2) {
        failures++;
        const error = new Error('ecs.DescribeServices: ThrottlingException: Rate exceeded');
        error.name = 'ThrottlingError';
        throw error;
      }
      return describe(cluster, service);
    };
    const result = await h.deploy();
    expect(failures).toBe(2);
    expect(result.record?.status).toBe('Succeeded');
    expect(result.events.filter((e) => e.type === 'StateRetried').map((e) => e.stateName)).toEqual([
      'Prepare',
      'Prepare',
    ]);
  });
});
