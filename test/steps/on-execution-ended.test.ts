/**
 * OnExecutionEnded and the local recovery, against DynamoDB's API (dynalite, in memory): a deployment
 * whose execution ended without Finish is ended as Failed, with everything it held released, once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StateChangeEvent } from '../../functions/ports/events.js';
import type { TargetStatus } from '../../functions/domain/status.js';
import { storeRoles } from '../../functions/ports/deployment-store.js';
import type { ServerDeploymentRecord } from '../../functions/ports/records.js';
import type { TrafficRoute } from '../../functions/ports/traffic-router.js';
import { abandonDeployment } from '../../functions/steps/abandon-deployment.js';
import { onExecutionEnded } from '../../functions/steps/on-execution-ended.js';
import { recoverInterruptedDeployments } from '../../local/runtime/recover.js';
import { startLocalDatabase, type LocalDatabase } from '../../local/runtime/dynalite.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const APP = 'shop';
const GROUP = 'web';
const ALARM = 'web-5xx';
const NOW = new Date('2025-03-01T12:00:00.000Z');
/** A lease that runs out long after the test. */
const LEASE = { untilMs: Date.parse('2099-01-01T00:00:00Z'), nowMs: NOW.getTime() };
const ARN = (name: string) => `arn:aws:states:eu-west-1:111122223333:execution:stepdeploy-server:${name}`;

let db: LocalDatabase;
let events: StateChangeEvent[];
let cancelled: string[];
/** Routes the traffic router restored, and deployments the executions port started. */
let restored: TrafficRoute[];
let started: Array<{ deploymentId: string; creator?: string }>;

beforeEach(async () => {
  db = await startLocalDatabase();
  events = [];
  cancelled = [];
  restored = [];
  started = [];
});

afterEach(async () => {
  await db.close();
});

const deps = () => ({
  ...storeRoles(db.store),
  clock: { now: () => NOW },
  events: { publish: async (event: StateChangeEvent) => void events.push(event) },
  transport: {
    sendCommand: () => Promise.reject(new Error('an ended execution sends no command')),
    getCommandResults: () => Promise.reject(new Error('an ended execution reads no results')),
    cancelCommand: async (commandId: string) => void cancelled.push(commandId),
  },
  traffic: {
    verify: () => Promise.reject(new Error('an ended execution verifies no route')),
    setWeight: () => Promise.reject(new Error('an ended execution shifts no traffic')),
    restore: async (route: TrafficRoute) => {
      restored.push(route);
      return { changed: true };
    },
  },
  executions: {
    startDeployment: async (_flow: unknown, request: { deploymentId: string; creator?: string }) =>
      void started.push({
        deploymentId: request.deploymentId,
        ...(request.creator ? { creator: request.creator } : {}),
      }),
  },
  random: { bytes: (length: number) => new Uint8Array(length).fill(7) },
});

/** A Server deployment mid-batch, as the steps leave it: lock, targets, a parked wait, an alarm watch. */
async function seedInProgress(deploymentId: string, overrides: Partial<ServerDeploymentRecord> = {}) {
  await db.store.putDeploymentGroup({
    applicationName: APP,
    deploymentGroupName: GROUP,
    deploymentGroupId: 'dg-web',
    computePlatform: 'Server',
    instanceIds: ['i-1', 'i-2'],
  });
  await db.store.acquireGroupLock(APP, GROUP, deploymentId, LEASE);
  await db.store.createDeployment({
    deploymentId,
    applicationName: APP,
    deploymentGroupName: GROUP,
    computePlatform: 'Server',
    deploymentConfigName: 'CodeDeployDefault.OneAtATime',
    status: 'InProgress',
    creator: 'user',
    revision: { revisionType: 'S3', s3Location: { bucket: 'revisions', key: 'r.zip', bundleType: 'zip' } },
    createTime: '2025-03-01T11:00:00.000Z',
    alarmConfiguration: { enabled: true, ignorePollAlarmFailure: false, alarms: [{ name: ALARM }] },
    lifecycleEvents: [
      { lifecycleEventName: 'Install', status: 'InProgress', startTime: '2025-03-01T11:01:00.000Z' },
      { lifecycleEventName: 'End', status: 'Pending' },
    ],
    ...overrides,
  });
  const target = (targetId: string, status: TargetStatus) => ({
    deploymentId,
    targetId,
    status,
    lastUpdatedAt: '2025-03-01T11:01:00.000Z',
    lifecycleEvents: [
      { lifecycleEventName: 'Install', status: status === 'InProgress' ? 'InProgress' : 'Pending' } as const,
      { lifecycleEventName: 'ApplicationStart', status: 'Pending' } as const,
    ],
  });
  await db.store.putDeploymentTarget(target('i-1', 'InProgress'));
  await db.store.putDeploymentTarget(target('i-2', 'Pending'));
  await db.store.putPendingWait({
    deploymentId,
    taskToken: 'token-1',
    kind: 'InstanceCommand',
    stateName: 'RunLifecycleEvent',
    since: '2025-03-01T11:01:00.000Z',
  });
  await db.store.watchAlarms(deploymentId, [ALARM]);
}

/** Everything the deployment held is released and every open record closed. */
async function expectAbandoned(deploymentId: string) {
  const record = await db.store.getDeployment(deploymentId);
  expect(record).toMatchObject({ status: 'Failed', completeTime: NOW.toISOString() });
  expect(record?.lifecycleEvents).toEqual([
    {
      lifecycleEventName: 'Install',
      status: 'Failed',
      startTime: '2025-03-01T11:01:00.000Z',
      endTime: NOW.toISOString(),
      // The event in flight says why it failed: what ended the deployment.
      diagnostics: {
        errorCode: 'UnknownError',
        scriptName: '',
        message: record?.errorInformation?.message,
        logTail: '',
      },
    },
    { lifecycleEventName: 'End', status: 'Skipped' },
  ]);
  const targets = await db.store.listDeploymentTargets(deploymentId);
  expect(Object.fromEntries(targets.map((t) => [t.targetId, t.status]))).toEqual({
    'i-1': 'Failed',
    'i-2': 'Skipped',
  });
  // The instance's event in flight fails with a message, never an empty one.
  const inFlight = targets.find((t) => t.targetId === 'i-1')?.lifecycleEvents[0];
  expect(inFlight).toMatchObject({ status: 'Failed', diagnostics: { errorCode: 'UnknownError' } });
  expect(inFlight?.diagnostics?.message).toBe(record?.errorInformation?.message);
  expect(inFlight?.diagnostics?.message).not.toBe('');
  expect(await db.store.getPendingWait(deploymentId)).toBeUndefined();
  expect(await db.store.deploymentsWatchingAlarm(ALARM)).toEqual([]);
  expect(await db.store.getGroupLockHolder(APP, GROUP)).toBeUndefined();
  return record;
}

describe('onExecutionEnded', () => {
  it.each([
    ['ABORTED', 'INTERNAL_ERROR', 'stopped in Step Functions; stop a deployment with StopDeployment instead'],
    ['TIMED_OUT', 'TIMEOUT', "the state machine's TimeoutSeconds passed"],
    ['FAILED', 'INTERNAL_ERROR', "a state failed outside the state machine's Catch"],
  ] as const)(
    'an execution %s mid-deployment ends it as Failed (%s) and publishes FAILURE',
    async (status, code, hint) => {
      await seedInProgress('d-ENDED0001');
      const result = await onExecutionEnded(deps())({
        executionArn: ARN('d-ENDED0001'),
        executionName: 'd-ENDED0001',
        status,
      });
      expect(result).toEqual({
        ended: true,
        deploymentId: 'd-ENDED0001',
        status: 'Failed',
        errorCode: code,
        restored: false,
      });
      const record = await expectAbandoned('d-ENDED0001');
      expect(record?.errorInformation?.code).toBe(code);
      expect(record?.errorInformation?.message).toContain(
        `The Step Functions execution ${ARN('d-ENDED0001')} was ${status} before the deployment finished`,
      );
      expect(record?.errorInformation?.message).toContain(hint);
      expect(events).toHaveLength(1);
      expect(events[0]?.detail).toMatchObject({
        deploymentId: 'd-ENDED0001',
        state: 'FAILURE',
        errorCode: code,
      });
    },
  );

  it('cancels the command of the lifecycle event in flight, so no script runs on after the unlock', async () => {
    await seedInProgress('d-ENDED0009', {
      currentBatch: {
        batchId: 'batch-1',
        batchNumber: 1,
        wave: 0,
        size: { unhealthy: 2, healthy: 0 },
        chunkCount: 2,
        run: 1,
        recorded: false,
        polls: { script: 0, traffic: 0 },
      },
    });
    await db.store.putBatchChunks([
      {
        deploymentId: 'd-ENDED0009',
        batchNumber: 1,
        chunk: 0,
        instanceIds: ['i-1'],
        queued: [],
        commands: { Install: 'cmd-running' },
      },
      {
        deploymentId: 'd-ENDED0009',
        batchNumber: 1,
        chunk: 1,
        instanceIds: ['i-2'],
        queued: [],
        commands: { Install: 'cmd-done' },
      },
    ]);
    await db.store.putCommandWait({
      commandId: 'cmd-running',
      deploymentId: 'd-ENDED0009',
      batchNumber: 1,
      chunk: 0,
      lifecycleEventName: 'Install',
      instanceIds: ['i-1'],
      sentAt: '2025-03-01T11:01:00.000Z',
    });
    await onExecutionEnded(deps())({
      executionArn: ARN('d-ENDED0009'),
      executionName: 'd-ENDED0009',
      status: 'TIMED_OUT',
    });
    // cmd-done already reported (its wait is gone): only the running one is cancelled.
    expect(cancelled).toEqual(['cmd-running']);
    expect(await db.store.getCommandWait('cmd-running')).toBeUndefined();
    await expectAbandoned('d-ENDED0009');
  });

  it("restores a Lambda deployment's alias through the traffic router before ending it", async () => {
    await db.store.putDeploymentGroup({
      applicationName: APP,
      deploymentGroupName: 'api',
      deploymentGroupId: 'dg-api',
      computePlatform: 'Lambda',
    });
    await db.store.acquireGroupLock(APP, 'api', 'd-LAMBDA001', LEASE);
    await db.store.createDeployment({
      deploymentId: 'd-LAMBDA001',
      applicationName: APP,
      deploymentGroupName: 'api',
      computePlatform: 'Lambda',
      deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
      status: 'InProgress',
      creator: 'user',
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: '{}' } },
      createTime: '2025-03-01T11:00:00.000Z',
      lambdaTarget: {
        functionName: 'checkout',
        functionAlias: 'live',
        currentVersion: '4',
        targetVersion: '5',
        targetVersionWeight: 0.1,
      },
    });
    const result = await onExecutionEnded(deps())({
      executionArn: ARN('d-LAMBDA001'),
      executionName: 'd-LAMBDA001',
      status: 'TIMED_OUT',
    });
    expect(result).toMatchObject({ ended: true, restored: true });
    expect(restored).toEqual([
      {
        kind: 'LambdaAlias',
        functionName: 'checkout',
        functionAlias: 'live',
        currentVersion: '4',
        targetVersion: '5',
      },
    ]);
    // A Lambda deployment rolls back by restoring its alias: no new deployment follows.
    expect(started).toEqual([]);
    expect((await db.store.getDeployment('d-LAMBDA001'))?.rollbackInfo?.rollbackMessage).toBe(
      'The alias live of checkout points at version 4 again, with no routing configuration.',
    );
  });

  it('starts the rollback deployment a Server group asks for on failure, and none when it does not ask', async () => {
    await seedInProgress('d-ENDED0010', {
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
    });
    await db.store.recordGroupDeploymentState(APP, GROUP, { lastSuccessfulDeploymentId: 'd-EARLIER01' });
    await db.store.createDeployment({
      deploymentId: 'd-EARLIER01',
      applicationName: APP,
      deploymentGroupName: GROUP,
      computePlatform: 'Server',
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      status: 'Succeeded',
      creator: 'user',
      revision: { revisionType: 'S3', s3Location: { bucket: 'revisions', key: 'v1.tgz', bundleType: 'tgz' } },
      createTime: '2025-03-01T10:00:00.000Z',
    });
    const result = await onExecutionEnded(deps())({
      executionArn: ARN('d-ENDED0010'),
      executionName: 'd-ENDED0010',
      status: 'ABORTED',
    });
    expect(result).toMatchObject({ ended: true, rollbackDeploymentId: expect.stringMatching(/^d-/) });
    expect(started).toEqual([
      {
        deploymentId: (result as { rollbackDeploymentId: string }).rollbackDeploymentId,
        creator: 'codeDeployRollback',
      },
    ]);

    await seedInProgress('d-ENDED0011');
    await onExecutionEnded(deps())({
      executionArn: ARN('d-ENDED0011'),
      executionName: 'd-ENDED0011',
      status: 'ABORTED',
    });
    expect(started).toHaveLength(1);
  });

  it('a second delivery of the event changes nothing and publishes nothing', async () => {
    await seedInProgress('d-ENDED0002');
    const input = {
      executionArn: ARN('d-ENDED0002'),
      executionName: 'd-ENDED0002',
      status: 'ABORTED' as const,
    };
    await onExecutionEnded(deps())(input);
    const first = await db.store.getDeployment('d-ENDED0002');
    const again = await onExecutionEnded(deps())(input);
    expect(again).toEqual({
      ended: false,
      deploymentId: 'd-ENDED0002',
      reason: 'The deployment d-ENDED0002 had already ended (Failed); nothing to do.',
    });
    expect(await db.store.getDeployment('d-ENDED0002')).toEqual(first);
    expect(events).toHaveLength(1);
  });

  it('leaves a deployment Finish already ended as it is, but releases a lock Finish failed to release', async () => {
    await seedInProgress('d-ENDED0003', {
      status: 'Succeeded',
      completeTime: '2025-03-01T11:30:00.000Z',
      lifecycleEvents: [{ lifecycleEventName: 'Install', status: 'Succeeded' }],
    });
    const result = await onExecutionEnded(deps())({
      executionArn: ARN('d-ENDED0003'),
      executionName: 'd-ENDED0003',
      status: 'FAILED',
    });
    expect(result).toMatchObject({
      ended: false,
      reason: expect.stringContaining('already ended (Succeeded)'),
    });
    expect(await db.store.getDeployment('d-ENDED0003')).toMatchObject({
      status: 'Succeeded',
      completeTime: '2025-03-01T11:30:00.000Z',
    });
    expect(await db.store.getGroupLockHolder(APP, GROUP)).toBeUndefined();
    expect(events).toEqual([]);
  });

  it('finds the deployment of a foreign (CodePipeline) execution name through the name Prepare claimed', async () => {
    await seedInProgress('d-ENDED0004', { executionName: 'pipeline-action-1' });
    await db.store.claimExecutionName('pipeline-action-1', 'd-ENDED0004');
    const result = await onExecutionEnded(deps())({
      executionArn: ARN('pipeline-action-1'),
      executionName: 'pipeline-action-1',
      status: 'ABORTED',
    });
    expect(result).toMatchObject({ ended: true, deploymentId: 'd-ENDED0004' });
    await expectAbandoned('d-ENDED0004');
  });

  it('an execution that ended before Prepare recorded anything: its lock is released, nothing else', async () => {
    await db.store.acquireGroupLock(APP, GROUP, 'd-ENDED0005', LEASE);
    const result = await onExecutionEnded(deps())({
      executionArn: ARN('d-ENDED0005'),
      executionName: 'd-ENDED0005',
      status: 'TIMED_OUT',
      request: { applicationName: APP, deploymentGroupName: GROUP },
    });
    expect(result).toEqual({
      ended: false,
      deploymentId: 'd-ENDED0005',
      reason: `The execution ${ARN('d-ENDED0005')} ended TIMED_OUT before it recorded the deployment d-ENDED0005.`,
    });
    expect(await db.store.getGroupLockHolder(APP, GROUP)).toBeUndefined();
    expect(events).toEqual([]);
  });

  it("does not release another deployment's lock", async () => {
    await db.store.acquireGroupLock(APP, GROUP, 'd-HOLDER001', LEASE);
    await onExecutionEnded(deps())({
      executionArn: ARN('d-ENDED0006'),
      executionName: 'd-ENDED0006',
      status: 'ABORTED',
      request: { applicationName: APP, deploymentGroupName: GROUP },
    });
    expect(await db.store.getGroupLockHolder(APP, GROUP)).toBe('d-HOLDER001');
  });

  it('a foreign execution name nobody claimed names no deployment', async () => {
    const result = await onExecutionEnded(deps())({
      executionArn: ARN('someone-else'),
      executionName: 'someone-else',
      status: 'FAILED',
    });
    expect(result).toEqual({
      ended: false,
      reason: `No deployment was created for the execution ${ARN('someone-else')}.`,
    });
  });
});

describe('abandonDeployment', () => {
  it('of two callers, only the one that finds the deployment unfinished in the store ends it', async () => {
    await seedInProgress('d-RACE00001');
    const stale = await db.store.getDeployment('d-RACE00001');
    if (!stale) throw new Error('seeded deployment missing');
    await db.store.updateDeployment('d-RACE00001', { status: 'Stopped', completeTime: 'earlier' });
    const ended = await abandonDeployment(deps())(stale, { code: 'INTERNAL_ERROR', message: 'late' });
    expect(ended).toBeUndefined();
    expect(await db.store.getDeployment('d-RACE00001')).toMatchObject({
      status: 'Stopped',
      completeTime: 'earlier',
    });
  });
});

describe('recoverInterruptedDeployments (the local counterpart, same abandonDeployment step)', () => {
  it('ends unfinished deployments as Failed (INTERNAL_ERROR), unlocks their groups, skips ended ones', async () => {
    await seedInProgress('d-RECOVER01');
    const unfinished = await db.store.getDeployment('d-RECOVER01');
    if (!unfinished) throw new Error('seeded deployment missing');
    await db.store.createDeployment({ ...unfinished, deploymentId: 'd-RECOVER02', status: 'Succeeded' });
    expect(await recoverInterruptedDeployments(db.store, NOW)).toEqual(['d-RECOVER01']);
    const record = await expectAbandoned('d-RECOVER01');
    expect(record?.errorInformation).toEqual({
      code: 'INTERNAL_ERROR',
      message:
        'The stepdeploy process running this deployment ended before the deployment did; it was marked failed and its deployment group unlocked.',
    });
    expect((await db.store.getDeployment('d-RECOVER02'))?.status).toBe('Succeeded');
    expect(await recoverInterruptedDeployments(db.store, NOW)).toEqual([]);
  });
});
