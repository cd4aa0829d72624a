/**
 * Every branch of statemachines/lambda-deployment.asl.yaml, run on the embedded engine in compressed
 * time against the simulated Lambda service and alarms. Expected weights and times are CodeDeploy's
 * config definitions (reference §3.2, §3.5) written out literally, not derived from trafficPlan.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmConfiguration, DeploymentRecord } from '../../../functions/ports/records.js';
import {
  AFTER_HOOK,
  ALIAS,
  APPLICATION,
  BEFORE_HOOK,
  createLambdaHarness,
  disposeLambdaHarnesses,
  FUNCTION_NAME,
  GROUP,
  lambdaAppSpec,
  ORIGINAL_ROUTING,
  type DeployResult,
  type LambdaHarness,
} from './lambda-harness.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

afterEach(disposeLambdaHarnesses);

const CANARY_5 = 'CodeDeployDefault.LambdaCanary10Percent5Minutes';
const LINEAR_1 = 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute';
const ALL_AT_ONCE = 'CodeDeployDefault.LambdaAllAtOnce';
const TARGET_ROUTING = { functionVersion: '2', additionalVersionWeights: {} };

/**
 * [seconds after the start, percent of traffic on version 2] for each shift. Canary {10, m}: 10 % at
 * once, 100 % m minutes later. Linear {10, m}: +10 % every m minutes; no bake after the final shift
 * (stepdeploy's documented choice on the [unverified] point of §3.5).
 */
// prettier-ignore
const PLANS: Array<[string, Array<[number, number]>]> = [
  [ALL_AT_ONCE, [[0, 100]]],
  [CANARY_5, [[0, 10], [300, 100]]],
  ['CodeDeployDefault.LambdaCanary10Percent10Minutes', [[0, 10], [600, 100]]],
  ['CodeDeployDefault.LambdaCanary10Percent15Minutes', [[0, 10], [900, 100]]],
  ['CodeDeployDefault.LambdaCanary10Percent30Minutes', [[0, 10], [1800, 100]]],
  [LINEAR_1, [
    [0, 10], [60, 20], [120, 30], [180, 40], [240, 50], [300, 60], [360, 70], [420, 80], [480, 90], [540, 100],
  ]],
  ['CodeDeployDefault.LambdaLinear10PercentEvery2Minutes', [
    [0, 10], [120, 20], [240, 30], [360, 40], [480, 50], [600, 60], [720, 70], [840, 80], [960, 90], [1080, 100],
  ]],
  ['CodeDeployDefault.LambdaLinear10PercentEvery3Minutes', [
    [0, 10], [180, 20], [360, 30], [540, 40], [720, 50], [900, 60], [1080, 70], [1260, 80], [1440, 90], [1620, 100],
  ]],
  ['CodeDeployDefault.LambdaLinear10PercentEvery10Minutes', [
    [0, 10], [600, 20], [1200, 30], [1800, 40], [2400, 50], [3000, 60], [3600, 70], [4200, 80], [4800, 90], [5400, 100],
  ]],
];

function alarmConfig(names: string[], ignorePollAlarmFailure = false): AlarmConfiguration {
  return { enabled: true, ignorePollAlarmFailure, alarms: names.map((name) => ({ name })) };
}

/** [seconds, target weight 0..1] of each alias change. */
function shifts(result: DeployResult): Array<[number, number]> {
  return result.weights.map((w) => [w.atSeconds, w.targetVersionWeight]);
}

function lifecycle(record: DeploymentRecord | undefined): Record<string, string> {
  return Object.fromEntries((record?.lifecycleEvents ?? []).map((e) => [e.lifecycleEventName, e.status]));
}

function lifecycleEvent(record: DeploymentRecord | undefined, name: string) {
  const event = record?.lifecycleEvents?.find((e) => e.lifecycleEventName === name);
  if (!event) throw new Error(`no lifecycle event ${name}`);
  return event;
}

function eventStates(harness: LambdaHarness, deploymentId: string): unknown[] {
  return harness.runtime.events
    .filter((event) => event.detail.deploymentId === deploymentId)
    .map((event) => event.detail.state);
}

function entered(result: DeployResult, stateName: string): number[] {
  return result.events
    .filter((event) => event.type === 'StateEntered' && event.stateName === stateName)
    .map((event) => (event.atMs - result.outcome.startedAtMs) / 1000);
}

function durationSeconds(result: DeployResult): number {
  return (result.outcome.stoppedAtMs - result.outcome.startedAtMs) / 1000;
}

/** What every deployment must leave behind whatever its end: the lock free, no wait pending. */
async function expectReleased(harness: LambdaHarness, deploymentId: string): Promise<void> {
  expect(await harness.lockHolder()).toBeUndefined();
  expect(await harness.runtime.deps.store.getPendingWait(deploymentId)).toBeUndefined();
}

async function expectRolledBack(harness: LambdaHarness, result: DeployResult): Promise<void> {
  expect(await harness.alias()).toEqual(ORIGINAL_ROUTING);
  expect(result.record?.lambdaTarget?.targetVersionWeight).toBe(0);
  expect(result.record?.rollbackInfo?.rollbackMessage).toContain('points at version 1 again');
}

/** The error name a call rejects with, or 'ok'. */
async function outcomeName(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    return (error as Error).name;
  }
}

describe('a Lambda deployment succeeds under every predefined Lambda config', () => {
  it.each(PLANS)('%s shifts at exactly the planned times', async (config, plan) => {
    const h = await createLambdaHarness();
    const result = await h.deploy({ config });

    expect(result.outcome.status).toBe('SUCCEEDED');
    expect(result.record?.status).toBe('Succeeded');
    expect(result.record?.errorInformation).toBeUndefined();
    expect(shifts(result)).toEqual(plan.map(([at, percent]) => [at, percent / 100]));
    // Until the last shift the alias stays on version 1 with weighted routing; then it points at 2.
    for (const change of result.weights.slice(0, -1)) {
      expect(change.routing).toEqual({
        functionVersion: '1',
        additionalVersionWeights: { '2': change.targetVersionWeight },
      });
    }
    expect(result.weights.at(-1)?.routing).toEqual(TARGET_ROUTING);
    expect(await h.alias()).toEqual(TARGET_ROUTING);
    // A bake between shifts and none after the last: the deployment ends with the final shift.
    const lastShift = plan.at(-1)?.[0];
    expect(entered(result, 'Bake')).toEqual(plan.slice(0, -1).map(([at]) => at));
    expect(durationSeconds(result)).toBe(lastShift);

    expect(result.record?.lambdaTarget).toMatchObject({
      functionName: FUNCTION_NAME,
      functionAlias: ALIAS,
      currentVersion: '1',
      targetVersion: '2',
      targetVersionWeight: 1,
    });
    expect(lifecycle(result.record)).toEqual({
      Start: 'Succeeded',
      BeforeAllowTraffic: 'Succeeded',
      AllowTraffic: 'Succeeded',
      AfterAllowTraffic: 'Succeeded',
      End: 'Succeeded',
    });
    const allowTraffic = lifecycleEvent(result.record, 'AllowTraffic');
    expect(Date.parse(allowTraffic.endTime ?? '') - Date.parse(allowTraffic.startTime ?? '')).toBe(
      (lastShift ?? 0) * 1000,
    );
    // The hooks ran before the first shift and after the last one, with CodeDeploy's payload.
    const invocations = h.lambda.invocations();
    expect(invocations.map((i) => i.functionName)).toEqual([BEFORE_HOOK, AFTER_HOOK]);
    expect((invocations[1]?.at.getTime() ?? 0) - result.outcome.startedAtMs).toBe((lastShift ?? 0) * 1000);
    expect(Object.keys(invocations[0]?.payload ?? {}).sort()).toEqual([
      'DeploymentId',
      'LifecycleEventHookExecutionId',
    ]);
    expect(eventStates(h, result.deploymentId)).toEqual(['START', 'SUCCESS']);
    expect(
      (await h.runtime.deps.store.getDeploymentGroup(APPLICATION, GROUP))?.lastSuccessfulDeploymentId,
    ).toBe(result.deploymentId);
    await expectReleased(h, result.deploymentId);
  });

  it('runs a deployment without hooks straight to the shifts', async () => {
    const h = await createLambdaHarness();
    const result = await h.deploy({ config: CANARY_5, appSpec: lambdaAppSpec({ hooks: {} }) });
    expect(result.record?.status).toBe('Succeeded');
    expect(shifts(result)).toEqual([
      [0, 0.1],
      [300, 1],
    ]);
    expect(h.lambda.invocations()).toEqual([]);
    expect(lifecycle(result.record)).toMatchObject({
      BeforeAllowTraffic: 'Succeeded',
      AfterAllowTraffic: 'Succeeded',
    });
  });
});

describe('hook failures', () => {
  it('a BeforeAllowTraffic hook answering Failed fails the deployment before any traffic moves', async () => {
    const h = await createLambdaHarness();
    h.answerHook(BEFORE_HOOK, 'Failed', 30);
    const result = await h.deploy({ config: CANARY_5 });

    expect(result.outcome.status).toBe('FAILED');
    expect(result.outcome.error).toBe('HOOK_EXECUTION_FAILURE');
    expect(result.record?.status).toBe('Failed');
    expect(result.record?.errorInformation?.code).toBe('HOOK_EXECUTION_FAILURE');
    expect(result.record?.errorInformation?.message).toContain(`hook ${BEFORE_HOOK} reported Failed`);
    expect(durationSeconds(result)).toBe(30);
    expect(result.weights).toEqual([]);
    expect(await h.alias()).toEqual(ORIGINAL_ROUTING);
    expect(lifecycle(result.record)).toEqual({
      Start: 'Succeeded',
      BeforeAllowTraffic: 'Failed',
      AllowTraffic: 'Skipped',
      AfterAllowTraffic: 'Skipped',
      End: 'Skipped',
    });
    expect(h.lambda.invocations().map((i) => i.functionName)).toEqual([BEFORE_HOOK]);
    expect(eventStates(h, result.deploymentId)).toEqual(['START', 'FAILURE']);
    await expectReleased(h, result.deploymentId);
  });

  it('an AfterAllowTraffic hook answering Failed rolls the alias back to the original version', async () => {
    const h = await createLambdaHarness();
    h.answerHook(AFTER_HOOK, 'Failed', 10);
    const result = await h.deploy({ config: CANARY_5 });

    expect(result.record?.status).toBe('Failed');
    expect(result.record?.errorInformation?.code).toBe('HOOK_EXECUTION_FAILURE');
    expect(shifts(result)).toEqual([
      [0, 0.1],
      [300, 1],
      [310, 0],
    ]);
    expect(result.weights.at(-1)?.routing).toEqual(ORIGINAL_ROUTING);
    await expectRolledBack(h, result);
    expect(lifecycle(result.record)).toEqual({
      Start: 'Succeeded',
      BeforeAllowTraffic: 'Succeeded',
      AllowTraffic: 'Succeeded',
      AfterAllowTraffic: 'Failed',
      End: 'Skipped',
    });
    expect(lifecycleEvent(result.record, 'AfterAllowTraffic').diagnostics?.message).toContain(
      'reported Failed',
    );
    expect(eventStates(h, result.deploymentId)).toEqual(['START', 'FAILURE']);
    await expectReleased(h, result.deploymentId);
  });

  it('a hook that never answers fails with HOOK_EXECUTION_FAILURE after exactly 3600 virtual seconds', async () => {
    const h = await createLambdaHarness();
    // The function accepts the asynchronous invocation and never calls PutLifecycleEventHookExecutionStatus.
    h.hookCode(BEFORE_HOOK, async () => undefined);
    const result = await h.deploy({ config: CANARY_5 });

    expect(durationSeconds(result)).toBe(3600);
    expect(result.record?.status).toBe('Failed');
    expect(result.record?.errorInformation?.code).toBe('HOOK_EXECUTION_FAILURE');
    expect(result.record?.errorInformation?.message).toContain('within 3600 seconds');
    const before = lifecycleEvent(result.record, 'BeforeAllowTraffic');
    expect(before.status).toBe('Failed');
    expect(Date.parse(before.endTime ?? '') - Date.parse(before.startTime ?? '')).toBe(3_600_000);
    expect(result.weights).toEqual([]);
    expect(await h.alias()).toEqual(ORIGINAL_ROUTING);
    await expectReleased(h, result.deploymentId);

    // An answer after the timeout is refused and changes nothing.
    const hookExecutionId = h.lambda.invocations()[0]?.payload.LifecycleEventHookExecutionId ?? '';
    expect(await outcomeName(h.putStatus(result.deploymentId, hookExecutionId, 'Succeeded'))).toBe(
      'LifecycleEventAlreadyCompletedException',
    );
    const after = await h.runtime.deps.store.getDeployment(result.deploymentId);
    expect(lifecycle(after)).toMatchObject({ BeforeAllowTraffic: 'Failed' });
    expect(after?.status).toBe('Failed');
  });

  it('PutLifecycleEventHookExecutionStatus refuses what CodeDeploy refuses', async () => {
    const h = await createLambdaHarness();
    const answers: Record<string, string> = {};
    h.hookCode(BEFORE_HOOK, async (event) => {
      const put = (status: string, overrides: { deploymentId?: string; hookId?: string } = {}) =>
        outcomeName(
          h.runtime.putLifecycleEventHookExecutionStatus({
            deploymentId: overrides.deploymentId ?? event.DeploymentId,
            lifecycleEventHookExecutionId: overrides.hookId ?? event.LifecycleEventHookExecutionId,
            status,
          }),
        );
      answers.pending = await put('Pending');
      answers.skipped = await put('Skipped');
      answers.unknownId = await put('Succeeded', { hookId: 'not-a-hook-execution-id' });
      answers.unknownDeployment = await put('Succeeded', { deploymentId: 'd-NOSUCH000' });
      answers.first = await put('Succeeded');
      answers.second = await put('Succeeded');
      answers.secondFailed = await put('Failed');
    });
    const result = await h.deploy({ config: ALL_AT_ONCE });

    expect(answers).toEqual({
      pending: 'InvalidLifecycleEventHookExecutionStatusException',
      skipped: 'InvalidLifecycleEventHookExecutionStatusException',
      unknownId: 'InvalidLifecycleEventHookExecutionIdException',
      unknownDeployment: 'DeploymentDoesNotExistException',
      first: 'ok',
      second: 'LifecycleEventAlreadyCompletedException',
      secondFailed: 'LifecycleEventAlreadyCompletedException',
    });
    // The refused calls changed nothing: the first valid answer decided.
    expect(result.record?.status).toBe('Succeeded');
    expect(lifecycle(result.record)).toMatchObject({ BeforeAllowTraffic: 'Succeeded' });
  });

  it('a hook execution id of another deployment is refused for this one', async () => {
    const h = await createLambdaHarness();
    const first = await h.deploy({ config: ALL_AT_ONCE });
    const firstHookId = h.lambda.invocations()[0]?.payload.LifecycleEventHookExecutionId ?? '';
    let answer = '';
    h.hookCode(BEFORE_HOOK, async (event) => {
      answer = await outcomeName(h.putStatus(event.DeploymentId, firstHookId, 'Succeeded'));
      await h.putStatus(event.DeploymentId, event.LifecycleEventHookExecutionId, 'Succeeded');
    });
    const second = await h.deploy({
      config: ALL_AT_ONCE,
      appSpec: lambdaAppSpec({ currentVersion: '2', targetVersion: '1' }),
    });
    expect(first.deploymentId).not.toBe(second.deploymentId);
    expect(answer).toBe('InvalidLifecycleEventHookExecutionIdException');
    expect(second.record?.status).toBe('Succeeded');
  });
});

describe('alarms', () => {
  it('an alarm during the second bake stops the deployment at once and restores the alias', async () => {
    const h = await createLambdaHarness({ group: { alarmConfiguration: alarmConfig(['Errors']) } });
    h.alarms.define('Errors', 'OK');
    h.alarms.setStateAt('Errors', 'ALARM', 90_000);
    const result = await h.deploy({ config: LINEAR_1 });

    expect(result.outcome.status).toBe('FAILED');
    expect(result.outcome.error).toBe('ALARM_ACTIVE');
    expect(result.record?.status).toBe('Stopped');
    expect(result.record?.errorInformation?.code).toBe('ALARM_ACTIVE');
    expect(result.record?.errorInformation?.message).toContain('Activated alarms: Errors');
    expect(durationSeconds(result)).toBe(90);
    expect(shifts(result)).toEqual([
      [0, 0.1],
      [60, 0.2],
      [90, 0],
    ]);
    await expectRolledBack(h, result);
    expect(lifecycle(result.record)).toEqual({
      Start: 'Succeeded',
      BeforeAllowTraffic: 'Succeeded',
      AllowTraffic: 'Failed',
      AfterAllowTraffic: 'Skipped',
      End: 'Skipped',
    });
    expect(h.lambda.invocations().map((i) => i.functionName)).toEqual([BEFORE_HOOK]);
    expect(eventStates(h, result.deploymentId)).toEqual(['START', 'STOP']);
    expect(await h.runtime.deps.store.deploymentsWatchingAlarm('Errors')).toEqual([]);
    await expectReleased(h, result.deploymentId);
  });

  it('an alarm already in ALARM stops the deployment before anything is touched', async () => {
    const h = await createLambdaHarness({ group: { alarmConfiguration: alarmConfig(['Errors']) } });
    h.alarms.define('Errors', 'ALARM');
    const result = await h.deploy({ config: CANARY_5 });

    expect(result.record?.status).toBe('Stopped');
    expect(result.record?.errorInformation?.code).toBe('ALARM_ACTIVE');
    expect(durationSeconds(result)).toBe(0);
    expect(result.weights).toEqual([]);
    expect(await h.alias()).toEqual(ORIGINAL_ROUTING);
    expect(h.lambda.invocations()).toEqual([]);
    expect(lifecycle(result.record)).toEqual({
      Start: 'Skipped',
      BeforeAllowTraffic: 'Skipped',
      AllowTraffic: 'Skipped',
      AfterAllowTraffic: 'Skipped',
      End: 'Skipped',
    });
    expect(entered(result, 'Rollback')).toEqual([]);
    expect(eventStates(h, result.deploymentId)).toEqual(['START', 'STOP']);
    await expectReleased(h, result.deploymentId);
  });

  it('an alarm going off while a hook runs fails the hook wait at once; the late answer is refused', async () => {
    const h = await createLambdaHarness({ group: { alarmConfiguration: alarmConfig(['Errors']) } });
    h.alarms.define('Errors', 'OK');
    h.alarms.setStateAt('Errors', 'ALARM', 30_000);
    h.answerHook(BEFORE_HOOK, 'Succeeded', 60);
    const result = await h.deploy({ config: CANARY_5 });

    expect(durationSeconds(result)).toBe(30);
    expect(result.record?.status).toBe('Stopped');
    expect(result.record?.errorInformation?.code).toBe('ALARM_ACTIVE');
    expect(result.weights).toEqual([]);
    expect(await h.alias()).toEqual(ORIGINAL_ROUTING);
    expect(lifecycle(result.record)).toMatchObject({ BeforeAllowTraffic: 'Failed', AllowTraffic: 'Skipped' });
    await expectReleased(h, result.deploymentId);

    await h.settled();
    expect(h.elapsedSeconds()).toBe(60);
    expect(h.lambda.invocations()[0]?.error?.errorType).toBe('LifecycleEventAlreadyCompletedException');
    const after = await h.runtime.deps.store.getDeployment(result.deploymentId);
    expect(lifecycle(after)).toMatchObject({ BeforeAllowTraffic: 'Failed' });
  });

  it.each([
    ['an AfterAllowTraffic hook', lambdaAppSpec()],
    ['no AfterAllowTraffic hook', lambdaAppSpec({ hooks: { BeforeAllowTraffic: BEFORE_HOOK } })],
  ])('an alarm going off as the final shift lands is caught, with %s', async (_label, appSpec) => {
    const h = await createLambdaHarness({ group: { alarmConfiguration: alarmConfig(['Errors']) } });
    h.alarms.define('Errors', 'OK');
    // Between the final shift's alarm read and the next wait: EventBridge finds no wait to fail.
    h.lambda.subscribe((change) => {
      if (change.routing.functionVersion === '2') h.alarms.setState('Errors', 'ALARM');
    });
    const result = await h.deploy({ config: CANARY_5, appSpec });

    expect(result.record?.status).toBe('Stopped');
    expect(result.record?.errorInformation?.code).toBe('ALARM_ACTIVE');
    expect(shifts(result)).toEqual([
      [0, 0.1],
      [300, 1],
      [300, 0],
    ]);
    await expectRolledBack(h, result);
    expect(lifecycle(result.record)).toMatchObject({
      AllowTraffic: 'Succeeded',
      AfterAllowTraffic: 'Skipped',
    });
    expect(h.lambda.invocations().map((i) => i.functionName)).toEqual([BEFORE_HOOK]);
    await expectReleased(h, result.deploymentId);
  });

  it('an alarm turning INSUFFICIENT_DATA during a bake does not stop the deployment', async () => {
    const h = await createLambdaHarness({ group: { alarmConfiguration: alarmConfig(['Errors']) } });
    h.alarms.define('Errors', 'OK');
    h.alarms.setStateAt('Errors', 'INSUFFICIENT_DATA', 100_000);
    const result = await h.deploy({ config: CANARY_5 });
    expect(result.record?.status).toBe('Succeeded');
    expect(shifts(result)).toEqual([
      [0, 0.1],
      [300, 1],
    ]);
    expect(h.alarms.stateChanges().map((c) => c.newState)).toEqual(['INSUFFICIENT_DATA']);
  });

  it('alarms that cannot be read when a bake starts stop the deployment; no later shift runs', async () => {
    const h = await createLambdaHarness({ group: { alarmConfiguration: alarmConfig(['Errors']) } });
    h.alarms.define('Errors', 'OK');
    // The Bake's read is the first one after the first shift.
    let armed = false;
    h.lambda.subscribe(() => {
      if (!armed) h.alarms.failNextDescribe(1);
      armed = true;
    });
    const result = await h.deploy({ config: LINEAR_1 });
    await h.settled();

    expect(result.record?.status).toBe('Stopped');
    expect(result.record?.errorInformation?.code).toBe('ALARM_ACTIVE');
    expect(result.record?.errorInformation?.message).toContain('could not be read');
    // The failed step ends the shifting: nothing shifts on while, or after, Rollback restores.
    expect(h.lambda.routingChanges().map((change) => change.routing)).toEqual([
      { functionVersion: '1', additionalVersionWeights: { '2': 0.1 } },
      ORIGINAL_ROUTING,
    ]);
    expect(entered(result, 'ShiftTraffic')).toEqual([0]);
    await expectRolledBack(h, result);
  });

  it('a missing alarm stops the deployment when poll failures are not ignored', async () => {
    const h = await createLambdaHarness({ group: { alarmConfiguration: alarmConfig(['Ghost']) } });
    const result = await h.deploy({ config: CANARY_5 });
    expect(result.record?.status).toBe('Stopped');
    expect(result.record?.errorInformation?.code).toBe('ALARM_ACTIVE');
    expect(result.record?.errorInformation?.message).toContain('do not exist: Ghost');
    expect(result.weights).toEqual([]);
    expect(await h.alias()).toEqual(ORIGINAL_ROUTING);
    await expectReleased(h, result.deploymentId);
  });

  it('a missing alarm is ignored with ignorePollAlarmFailure', async () => {
    const h = await createLambdaHarness();
    const result = await h.deploy({
      config: CANARY_5,
      overrideAlarmConfiguration: alarmConfig(['Ghost'], true),
    });
    expect(result.record?.status).toBe('Succeeded');
    expect(shifts(result)).toEqual([
      [0, 0.1],
      [300, 1],
    ]);
  });

  it('a disabled alarm configuration is not watched', async () => {
    const h = await createLambdaHarness();
    h.alarms.define('Errors', 'ALARM');
    const result = await h.deploy({
      config: ALL_AT_ONCE,
      overrideAlarmConfiguration: { ...alarmConfig(['Errors']), enabled: false },
    });
    expect(result.record?.status).toBe('Succeeded');
  });
});

describe('StopDeployment', () => {
  it('without rollback stops at once and leaves the traffic where it was', async () => {
    const h = await createLambdaHarness();
    const { deploymentId, result: running } = h.start({ config: CANARY_5 });
    const stop = h.at(100, () => h.runtime.stopDeployment(deploymentId));
    const result = await running;

    expect(await stop).toMatchObject({ status: 'Pending' });
    expect(durationSeconds(result)).toBe(100);
    expect(result.record?.status).toBe('Stopped');
    expect(result.record?.errorInformation?.code).toBe('MANUAL_STOP');
    expect(shifts(result)).toEqual([[0, 0.1]]);
    // CodeDeploy leaves a stopped Lambda deployment mid-shift (reference §1.3).
    expect(await h.alias()).toEqual({ functionVersion: '1', additionalVersionWeights: { '2': 0.1 } });
    expect(result.record?.lambdaTarget?.targetVersionWeight).toBe(0.1);
    expect(lifecycle(result.record)).toMatchObject({ AllowTraffic: 'Failed', AfterAllowTraffic: 'Skipped' });
    expect(eventStates(h, deploymentId)).toEqual(['START', 'STOP']);
    await expectReleased(h, deploymentId);

    expect(await outcomeName(h.runtime.stopDeployment(deploymentId))).toBe(
      'DeploymentAlreadyCompletedException',
    );
    // The next deployment refuses an alias left mid-shift instead of shifting on top of it.
    const next = await h.deploy({ config: CANARY_5 });
    expect(next.record?.errorInformation?.code).toBe('INVALID_LAMBDA_CONFIGURATION');
    expect(next.weights).toEqual([]);
  });

  it('with autoRollbackEnabled stops at once and restores the alias', async () => {
    const h = await createLambdaHarness();
    const { deploymentId, result: running } = h.start({ config: CANARY_5 });
    const stop = h.at(100, () => h.runtime.stopDeployment(deploymentId, { autoRollbackEnabled: true }));
    const result = await running;

    expect(await stop).toMatchObject({ status: 'Pending' });
    expect(result.record?.status).toBe('Stopped');
    expect(result.record?.errorInformation?.code).toBe('MANUAL_STOP');
    expect(result.record?.stopRequest?.autoRollbackEnabled).toBe(true);
    expect(shifts(result)).toEqual([
      [0, 0.1],
      [100, 0],
    ]);
    await expectRolledBack(h, result);
    expect(eventStates(h, deploymentId)).toEqual(['START', 'STOP']);
    await expectReleased(h, deploymentId);
  });

  it('during a hook wait stops before any traffic moves', async () => {
    const h = await createLambdaHarness();
    h.answerHook(BEFORE_HOOK, 'Succeeded', 600);
    const { deploymentId, result: running } = h.start({ config: CANARY_5 });
    const stop = h.at(5, () => h.runtime.stopDeployment(deploymentId, { autoRollbackEnabled: true }));
    const result = await running;
    expect(await stop).toMatchObject({ status: 'Pending' });
    expect(durationSeconds(result)).toBe(5);
    expect(result.record?.errorInformation?.code).toBe('MANUAL_STOP');
    expect(result.weights).toEqual([]);
    expect(await h.alias()).toEqual(ORIGINAL_ROUTING);
    await expectReleased(h, deploymentId);
  });
});

describe('retries and concurrency', () => {
  it('a throttled UpdateAlias succeeds on retry, after the ASL backoff in virtual time', async () => {
    const h = await createLambdaHarness();
    const baseline = await h.deploy({ config: CANARY_5 });
    await h.lambda.updateAlias(FUNCTION_NAME, ALIAS, ORIGINAL_ROUTING);
    h.lambda.throttleNext('updateAlias', 2);
    const result = await h.deploy({ config: CANARY_5 });

    expect(result.record?.status).toBe('Succeeded');
    // ShiftTraffic retries: IntervalSeconds 1, BackoffRate 2 -> after 1 s, then 2 s more.
    expect(shifts(result)).toEqual([
      [3, 0.1],
      [303, 1],
    ]);
    const retries = result.events.filter((e) => e.type === 'StateRetried');
    expect(retries.map((e) => e.stateName)).toEqual(['ShiftTraffic', 'ShiftTraffic']);
    expect(result.outcome.stateTransitions).toBe(baseline.outcome.stateTransitions + 2);
    expect(await h.alias()).toEqual(TARGET_ROUTING);
  });

  it('a throttled UpdateAlias during the rollback is retried until the alias is restored', async () => {
    const h = await createLambdaHarness({ group: { alarmConfiguration: alarmConfig(['Errors']) } });
    h.alarms.define('Errors', 'OK');
    h.alarms.onStateChange(() => h.lambda.throttleNext('updateAlias', 1));
    h.alarms.setStateAt('Errors', 'ALARM', 100_000);
    const result = await h.deploy({ config: CANARY_5 });
    expect(result.record?.errorInformation?.code).toBe('ALARM_ACTIVE');
    expect(result.events.filter((e) => e.type === 'StateRetried').map((e) => e.stateName)).toEqual([
      'Rollback',
    ]);
    expect(shifts(result)).toEqual([
      [0, 0.1],
      [101, 0],
    ]);
    await expectRolledBack(h, result);
  });

  it('a second deployment to a locked group fails with DeploymentLimitExceededException and touches nothing', async () => {
    const h = await createLambdaHarness();
    const first = h.start({ config: CANARY_5 });
    const second = h.at(60, async () => {
      const aliasBefore = await h.lambda.getAlias(FUNCTION_NAME, ALIAS);
      const holderBefore = await h.lockHolder();
      const result = await h.start({ config: ALL_AT_ONCE }).result;
      return {
        aliasBefore,
        holderBefore,
        result,
        aliasAfter: await h.alias(),
        holderAfter: await h.lockHolder(),
      };
    });
    const { aliasBefore, holderBefore, result, aliasAfter, holderAfter } = await second;
    const firstResult = await first.result;

    expect(holderBefore).toBe(first.deploymentId);
    expect(result.outcome.status).toBe('FAILED');
    expect(result.outcome.error).toBe('DeploymentLimitExceededException');
    expect(result.outcome.cause).toContain(`already has an active Deployment '${first.deploymentId}'`);
    // No record, no traffic change, the other deployment keeps its lock.
    expect(result.record).toBeUndefined();
    expect(result.weights).toEqual([]);
    expect(aliasAfter).toEqual(aliasBefore);
    expect(aliasAfter).toEqual({ functionVersion: '1', additionalVersionWeights: { '2': 0.1 } });
    expect(holderAfter).toBe(first.deploymentId);
    expect(eventStates(h, result.deploymentId)).toEqual([]);

    expect(firstResult.record?.status).toBe('Succeeded');
    expect(shifts(firstResult)).toEqual([
      [0, 0.1],
      [300, 1],
    ]);
    expect(eventStates(h, first.deploymentId)).toEqual(['START', 'SUCCESS']);
    await expectReleased(h, first.deploymentId);
  });
});
