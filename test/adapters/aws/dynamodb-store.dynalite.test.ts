import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, dynamoDbDeploymentStore } from '../../../functions/adapters/aws/dynamodb-store.js';
import type { DeploymentStore } from '../../../functions/ports/deployment-store.js';
import type {
  HookExecutionRecord,
  LambdaDeploymentRecord,
  PendingWait,
} from '../../../functions/ports/records.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const TABLE = 'stepdeploy-test';
/** A lease that runs out long after the test. */
const LEASE = { untilMs: Date.parse('2099-01-01T00:00:00Z'), nowMs: Date.parse('2026-01-01T00:00:00Z') };

let server: Server;
let client: DynamoDBClient;
let store: DeploymentStore;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await createTable(client, TABLE);
  store = dynamoDbDeploymentStore(client, TABLE);
});

afterAll(async () => {
  client.destroy();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

function deployment(id: string, overrides: Partial<LambdaDeploymentRecord> = {}): LambdaDeploymentRecord {
  return {
    deploymentId: id,
    applicationName: 'shop',
    deploymentGroupName: 'prod',
    computePlatform: 'Lambda',
    deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce',
    status: 'Created',
    creator: 'user',
    revision: { revisionType: 'AppSpecContent', appSpecContent: { content: 'version: 0.0', sha256: 'abc' } },
    createTime: '2024-05-01T10:00:00.000Z',
    lambdaTarget: {
      functionName: 'fn',
      functionAlias: 'live',
      currentVersion: '1',
      targetVersion: '2',
      targetVersionWeight: 0.1,
    },
    lifecycleEvents: [{ lifecycleEventName: 'BeforeAllowTraffic', status: 'Pending' }],
    ignoreApplicationStopFailures: false,
    description: '',
    ...overrides,
  };
}

describe('the DynamoDB store on dynalite', () => {
  it('creates the table idempotently', async () => {
    await expect(createTable(client, TABLE)).resolves.toBeUndefined();
  });

  it('creates a deployment once and returns the stored record on the second create', async () => {
    const first = await store.createDeployment(deployment('d-CREATE001'));
    expect(first).toEqual({ record: deployment('d-CREATE001'), created: true });

    const second = await store.createDeployment(
      deployment('d-CREATE001', { status: 'Failed', creator: 'codeDeployRollback' }),
    );
    expect(second.created).toBe(false);
    expect(second.record).toEqual(deployment('d-CREATE001'));
    expect(await store.getDeployment('d-CREATE001')).toEqual(deployment('d-CREATE001'));
  });

  it('returns undefined for an unknown deployment', async () => {
    expect(await store.getDeployment('d-NOPE00000')).toBeUndefined();
  });

  it('updates only the given fields, removes fields set to undefined, and keeps nested values intact', async () => {
    await store.createDeployment(
      deployment('d-UPDATE001', { stopRequest: { autoRollbackEnabled: true, requestedAt: 't' } }),
    );
    const updated = await store.updateDeployment('d-UPDATE001', {
      status: 'InProgress',
      startTime: '2024-05-01T10:00:01.000Z',
      stopRequest: undefined,
      lifecycleEvents: [{ lifecycleEventName: 'BeforeAllowTraffic', status: 'Succeeded', endTime: 'x' }],
    });
    expect(updated).toEqual({
      ...deployment('d-UPDATE001'),
      status: 'InProgress',
      startTime: '2024-05-01T10:00:01.000Z',
      lifecycleEvents: [{ lifecycleEventName: 'BeforeAllowTraffic', status: 'Succeeded', endTime: 'x' }],
    });
    expect(await store.getDeployment('d-UPDATE001')).toEqual(updated);
  });

  it('applies a conditional update when the status is expected and rejects it otherwise', async () => {
    await store.createDeployment(deployment('d-CONDIT001'));
    const ok = await store.updateDeployment('d-CONDIT001', { status: 'InProgress' }, ['Created', 'Queued']);
    expect(ok.status).toBe('InProgress');

    const conflict = store.updateDeployment('d-CONDIT001', { status: 'Succeeded' }, ['Created']);
    await expect(conflict).rejects.toMatchObject({
      name: 'DeploymentStatusConflictError',
      message: 'Deployment d-CONDIT001 is InProgress, expected one of: Created',
    });
    expect((await store.getDeployment('d-CONDIT001'))?.status).toBe('InProgress');
  });

  it('rejects an update of an unknown deployment with DeploymentDoesNotExistException, creating nothing', async () => {
    await expect(store.updateDeployment('d-MISSING01', { status: 'Failed' })).rejects.toMatchObject({
      name: 'DeploymentDoesNotExistException',
    });
    expect(await store.getDeployment('d-MISSING01')).toBeUndefined();
  });

  it('accepts the unchanged identity in a whole-record update and refuses to move a deployment to another group', async () => {
    const record = deployment('d-IDENT0001');
    await store.createDeployment(record);
    expect((await store.updateDeployment('d-IDENT0001', { ...record, status: 'Ready' })).status).toBe(
      'Ready',
    );
    await expect(store.updateDeployment('d-IDENT0001', { deploymentGroupName: 'other' })).rejects.toThrow(
      'The deploymentGroupName of deployment d-IDENT0001 cannot change',
    );
  });

  it('returns the stored record for an update with no changes, still checking the status', async () => {
    await store.createDeployment(deployment('d-NOCHANGE1'));
    expect(await store.updateDeployment('d-NOCHANGE1', {}, ['Created'])).toEqual(deployment('d-NOCHANGE1'));
    await expect(store.updateDeployment('d-NOCHANGE1', {}, [])).rejects.toMatchObject({
      name: 'DeploymentStatusConflictError',
    });
  });

  it('lists a group newest first through the index, and everything through a scan', async () => {
    const group = { applicationName: 'listing', deploymentGroupName: 'blue' };
    await store.createDeployment(
      deployment('d-LIST00002', { ...group, createTime: '2024-06-02T00:00:00.000Z' }),
    );
    await store.createDeployment(
      deployment('d-LIST00003', { ...group, createTime: '2024-06-03T00:00:00.000Z' }),
    );
    await store.createDeployment(
      deployment('d-LIST00001', { ...group, createTime: '2024-06-01T00:00:00.000Z' }),
    );
    await store.createDeployment(
      deployment('d-LIST00004', {
        applicationName: 'listing',
        deploymentGroupName: 'green',
        createTime: '2024-06-04T00:00:00.000Z',
      }),
    );

    const byGroup = await store.listDeployments(group);
    expect(byGroup.map((d) => d.deploymentId)).toEqual(['d-LIST00003', 'd-LIST00002', 'd-LIST00001']);

    const byApp = await store.listDeployments({ applicationName: 'listing' });
    expect(byApp.map((d) => d.deploymentId)).toEqual([
      'd-LIST00004',
      'd-LIST00003',
      'd-LIST00002',
      'd-LIST00001',
    ]);

    const all = await store.listDeployments();
    expect(all.map((d) => d.deploymentId)).toEqual(expect.arrayContaining(['d-LIST00004', 'd-CREATE001']));
    // Only deployment items: waits, hooks and locks share the table but are not deployments.
    expect(all.every((d) => d.deploymentId.startsWith('d-'))).toBe(true);
    const times = all.map((d) => d.createTime);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('moves a deployment within the group order when its createTime changes', async () => {
    const group = { applicationName: 'reorder', deploymentGroupName: 'g' };
    await store.createDeployment(
      deployment('d-REORDER01', { ...group, createTime: '2024-01-01T00:00:00.000Z' }),
    );
    await store.createDeployment(
      deployment('d-REORDER02', { ...group, createTime: '2024-01-02T00:00:00.000Z' }),
    );
    await store.updateDeployment('d-REORDER01', { createTime: '2024-01-03T00:00:00.000Z' });
    expect((await store.listDeployments(group)).map((d) => d.deploymentId)).toEqual([
      'd-REORDER01',
      'd-REORDER02',
    ]);
  });

  describe('group lock', () => {
    it('lets A take it, rejects B with CodeDeploy message, lets A re-take it', async () => {
      await store.acquireGroupLock('shop', 'locked', 'd-AAAAAAAAA', LEASE);
      await expect(store.acquireGroupLock('shop', 'locked', 'd-BBBBBBBBB', LEASE)).rejects.toMatchObject({
        name: 'DeploymentLimitExceededException',
        message: "The Deployment Group 'locked' already has an active Deployment 'd-AAAAAAAAA'",
      });
      await expect(store.acquireGroupLock('shop', 'locked', 'd-AAAAAAAAA', LEASE)).resolves.toBeUndefined();
      expect(await store.getGroupLockHolder('shop', 'locked')).toBe('d-AAAAAAAAA');
    });

    it('ignores a release by a non-holder, and hands the lock over after the holder releases', async () => {
      await store.acquireGroupLock('shop', 'handover', 'd-AAAAAAAAA', LEASE);
      await store.releaseGroupLock('shop', 'handover', 'd-BBBBBBBBB');
      expect(await store.getGroupLockHolder('shop', 'handover')).toBe('d-AAAAAAAAA');

      await store.releaseGroupLock('shop', 'handover', 'd-AAAAAAAAA');
      expect(await store.getGroupLockHolder('shop', 'handover')).toBeUndefined();
      await store.acquireGroupLock('shop', 'handover', 'd-BBBBBBBBB', LEASE);
      expect(await store.getGroupLockHolder('shop', 'handover')).toBe('d-BBBBBBBBB');
    });

    it('releases an unlocked group as a no-op', async () => {
      await expect(store.releaseGroupLock('shop', 'never-locked', 'd-AAAAAAAAA')).resolves.toBeUndefined();
    });

    it('keeps locks of groups whose names contain the key separator apart', async () => {
      await store.acquireGroupLock('a#b', 'c', 'd-SEPARAT01', LEASE);
      await expect(store.acquireGroupLock('a', 'b#c', 'd-SEPARAT02', LEASE)).resolves.toBeUndefined();
      expect(await store.getGroupLockHolder('a#b', 'c')).toBe('d-SEPARAT01');
    });

    it('lets exactly one of many concurrent deployments take the lock', async () => {
      const ids = ['d-RACE00001', 'd-RACE00002', 'd-RACE00003', 'd-RACE00004'];
      const results = await Promise.allSettled(
        ids.map((id) => store.acquireGroupLock('shop', 'race', id, LEASE)),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const holder = await store.getGroupLockHolder('shop', 'race');
      for (const result of results) {
        if (result.status === 'rejected') {
          expect(result.reason).toMatchObject({
            name: 'DeploymentLimitExceededException',
            message: `The Deployment Group 'race' already has an active Deployment '${holder}'`,
          });
        }
      }
    });
  });

  it('stores and reads deployment groups', async () => {
    const group = {
      applicationName: 'shop',
      deploymentGroupName: 'config',
      deploymentGroupId: 'g-1',
      computePlatform: 'Server' as const,
      instanceIds: ['i-1', 'i-2'],
      alarmConfiguration: { enabled: true, ignorePollAlarmFailure: false, alarms: [{ name: 'errors' }] },
    };
    await store.putDeploymentGroup(group);
    expect(await store.getDeploymentGroup('shop', 'config')).toEqual(group);
    expect(await store.getDeploymentGroup('shop', 'unknown')).toBeUndefined();
    // The lock of the same group is a different item: writing the config leaves no lock behind.
    expect(await store.getGroupLockHolder('shop', 'config')).toBeUndefined();
  });

  describe('hook executions', () => {
    const hook: HookExecutionRecord = {
      lifecycleEventHookExecutionId: 'hook-secret-1',
      deploymentId: 'd-HOOK00001',
      lifecycleEventName: 'BeforeAllowTraffic',
      functionName: 'check',
      taskToken: 'token-1',
      status: 'Pending',
      createTime: '2024-05-01T10:00:00.000Z',
    };

    it('completes once, then rejects the second answer with LifecycleEventAlreadyCompletedException', async () => {
      await store.putHookExecution(hook);
      expect(await store.getHookExecution('hook-secret-1')).toEqual(hook);
      expect(await store.completeHookExecution('hook-secret-1', 'Succeeded')).toEqual({
        ...hook,
        status: 'Succeeded',
      });
      await expect(store.completeHookExecution('hook-secret-1', 'Failed')).rejects.toMatchObject({
        name: 'LifecycleEventAlreadyCompletedException',
      });
      expect((await store.getHookExecution('hook-secret-1'))?.status).toBe('Succeeded');
    });

    it('rejects an unknown hook execution id with InvalidLifecycleEventHookExecutionIdException', async () => {
      await expect(store.completeHookExecution('no-such-hook', 'Succeeded')).rejects.toMatchObject({
        name: 'InvalidLifecycleEventHookExecutionIdException',
      });
      expect(await store.getHookExecution('no-such-hook')).toBeUndefined();
    });
  });

  describe('pending waits', () => {
    const wait = (taskToken: string): PendingWait => ({
      deploymentId: 'd-WAIT00001',
      taskToken,
      kind: 'Bake',
      stateName: 'Bake',
      since: '2024-05-01T10:00:00.000Z',
    });

    it('replaces the wait, ignores a clear with a stale token, clears with the current one', async () => {
      await store.putPendingWait(wait('token-1'));
      await store.putPendingWait(wait('token-2'));
      expect(await store.getPendingWait('d-WAIT00001')).toEqual(wait('token-2'));

      await store.clearPendingWait('d-WAIT00001', 'token-1');
      expect(await store.getPendingWait('d-WAIT00001')).toEqual(wait('token-2'));

      await store.clearPendingWait('d-WAIT00001', 'token-2');
      expect(await store.getPendingWait('d-WAIT00001')).toBeUndefined();
      await expect(store.clearPendingWait('d-WAIT00001', 'token-2')).resolves.toBeUndefined();
    });

    it('keeps the wait and the deployment record of the same id apart', async () => {
      await store.createDeployment(deployment('d-WAIT00002'));
      await store.putPendingWait({ ...wait('token-x'), deploymentId: 'd-WAIT00002' });
      await store.clearPendingWait('d-WAIT00002', 'token-x');
      expect(await store.getDeployment('d-WAIT00002')).toEqual(deployment('d-WAIT00002'));
    });
  });

  it('finds the deployments watching an alarm until they stop watching', async () => {
    await store.watchAlarms('d-ALARM0001', ['errors', 'latency', 'errors']);
    await store.watchAlarms('d-ALARM0002', ['errors']);
    expect((await store.deploymentsWatchingAlarm('errors')).sort()).toEqual(['d-ALARM0001', 'd-ALARM0002']);
    expect(await store.deploymentsWatchingAlarm('latency')).toEqual(['d-ALARM0001']);
    expect(await store.deploymentsWatchingAlarm('unwatched')).toEqual([]);

    await store.unwatchAlarms('d-ALARM0001', ['errors', 'latency']);
    expect(await store.deploymentsWatchingAlarm('errors')).toEqual(['d-ALARM0002']);
    expect(await store.deploymentsWatchingAlarm('latency')).toEqual([]);
  });

  it('claims an execution name once; a second claim returns the first deployment id', async () => {
    expect(await store.claimExecutionName('pipeline-action-1', 'd-CLAIM0001')).toBe('d-CLAIM0001');
    expect(await store.claimExecutionName('pipeline-action-1', 'd-CLAIM0002')).toBe('d-CLAIM0001');
    expect(await store.claimExecutionName('pipeline-action-2', 'd-CLAIM0002')).toBe('d-CLAIM0002');
  });

  it('finds the deployment a foreign execution name was claimed for, and nothing for one never claimed', async () => {
    await store.claimExecutionName('pipeline-action-3', 'd-CLAIM0003');
    await store.claimExecutionName('pipeline-action-3', 'd-CLAIM0004');
    expect(await store.claimedDeploymentId('pipeline-action-3')).toBe('d-CLAIM0003');
    expect(await store.claimedDeploymentId('pipeline-action-never')).toBeUndefined();
  });

  it('writes the documented item layout', async () => {
    await store.createDeployment(deployment('d-LAYOUT001'));
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: TABLE,
        Key: { pk: { S: 'DEPLOYMENT#d-LAYOUT001' }, sk: { S: 'DEPLOYMENT' } },
      }),
    );
    expect(Item).toMatchObject({
      gsi1pk: { S: 'APP#shop#prod' },
      gsi1sk: { S: '2024-05-01T10:00:00.000Z' },
      status: { S: 'Created' },
      lambdaTarget: { M: expect.objectContaining({ targetVersionWeight: { N: '0.1' } }) },
    });
  });

  it('keeps one target record per instance of a deployment, apart from the deployment itself', async () => {
    const {
      lambdaTarget: _target,
      lifecycleEvents: _events,
      appSpec: _appSpec,
      ...base
    } = deployment('d-TARGETS01');
    await store.createDeployment({ ...base, computePlatform: 'Server' });
    const event = {
      lifecycleEventName: 'Install',
      status: 'Succeeded' as const,
      startTime: 't0',
      endTime: 't1',
    };
    await store.putDeploymentTarget({
      deploymentId: 'd-TARGETS01',
      targetId: 'host-1',
      status: 'InProgress',
      lastUpdatedAt: 't1',
      lifecycleEvents: [event],
    });
    await store.putDeploymentTarget({
      deploymentId: 'd-TARGETS01',
      targetId: 'host-2',
      status: 'Pending',
      lastUpdatedAt: 't1',
      lifecycleEvents: [],
    });
    await store.putDeploymentTarget({
      deploymentId: 'd-TARGETS01',
      targetId: 'host-1',
      status: 'Succeeded',
      lastUpdatedAt: 't2',
      lifecycleEvents: [event],
    });
    await store.putDeploymentTarget({
      deploymentId: 'd-OTHER0001',
      targetId: 'host-1',
      status: 'Failed',
      lastUpdatedAt: 't1',
      lifecycleEvents: [],
    });
    const targets = await store.listDeploymentTargets('d-TARGETS01');
    expect(targets.map((t) => [t.targetId, t.status])).toEqual([
      ['host-1', 'Succeeded'],
      ['host-2', 'Pending'],
    ]);
    expect(targets[0]?.lifecycleEvents).toEqual([event]);
    expect((await store.getDeployment('d-TARGETS01'))?.computePlatform).toBe('Server');
    expect(await store.getPendingWait('d-TARGETS01')).toBeUndefined();
  });

  it('finds a command wait by its command id until it is deleted', async () => {
    const wait = {
      commandId: 'cmd-1',
      deploymentId: 'd-CMD000001',
      batchNumber: 1,
      chunk: 0,
      lifecycleEventName: 'AfterInstall',
      instanceIds: ['a', 'b'],
      sentAt: 't0',
    };
    await store.putCommandWait(wait);
    expect(await store.getCommandWait('cmd-1')).toEqual(wait);
    expect(await store.getCommandWait('cmd-2')).toBeUndefined();
    await store.deleteCommandWait('cmd-1');
    expect(await store.getCommandWait('cmd-1')).toBeUndefined();
  });

  it('lets exactly one of two callers take a command wait', async () => {
    const wait = {
      commandId: 'cmd-take',
      deploymentId: 'd-TAKE00001',
      batchNumber: 2,
      chunk: 3,
      lifecycleEventName: 'Install',
      instanceIds: ['a'],
      sentAt: 't0',
    };
    await store.putCommandWait(wait);
    const [one, two] = await Promise.all([
      store.takeCommandWait('cmd-take'),
      store.takeCommandWait('cmd-take'),
    ]);
    const taken = [one, two].filter((w) => w !== undefined);
    expect(taken).toEqual([wait]);
    expect(await store.getCommandWait('cmd-take')).toBeUndefined();
  });
});
