/**
 * ContinueDeployment ends a blue/green deployment's ready wait or termination wait early, by completing
 * the token the wait is parked on; every other case is one of CodeDeploy's exceptions and completes
 * nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ComputePlatform } from '../../functions/domain/deployment-configs.js';
import type { DeploymentType } from '../../functions/domain/flows.js';
import type { DeploymentStatus } from '../../functions/domain/status.js';
import { storeRoles } from '../../functions/ports/deployment-store.js';
import type { PendingWaitKind } from '../../functions/ports/records.js';
import type { TaskCallbacksPort } from '../../functions/ports/task-callbacks.js';
import { continueDeployment } from '../../functions/steps/continue-deployment.js';
import { startLocalDatabase, type LocalDatabase } from '../../local/runtime/dynalite.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const ID = 'd-CONTINUE1';
const TOKEN = 'token-of-the-wait';

let db: LocalDatabase;
let completed: Array<{ token: string; output: unknown }>;
let deadTokens: Set<string>;

const callbacks: TaskCallbacksPort = {
  sendTaskSuccess: async (token, output) => {
    if (deadTokens.has(token)) {
      const error = new Error('the wait timed out');
      error.name = 'TaskTimedOut';
      throw error;
    }
    completed.push({ token, output });
  },
  sendTaskFailure: () => Promise.reject(new Error('ContinueDeployment never fails a wait')),
};

async function deployment(options: {
  platform?: ComputePlatform;
  type?: DeploymentType;
  status?: DeploymentStatus;
  waiting?: PendingWaitKind;
}) {
  const platform = options.platform ?? 'ECS';
  await db.store.createDeployment({
    deploymentId: ID,
    applicationName: 'shop',
    deploymentGroupName: 'web',
    computePlatform: platform,
    deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
    deploymentStyle: {
      deploymentType: options.type ?? 'BLUE_GREEN',
      deploymentOption: 'WITH_TRAFFIC_CONTROL',
    },
    status: options.status ?? 'Ready',
    creator: 'user',
    revision: { revisionType: 'AppSpecContent', appSpecContent: { content: 'version: 0.0' } },
    createTime: '2025-03-01T11:59:00.000Z',
  } as Parameters<typeof db.store.createDeployment>[0]);
  if (options.waiting) {
    await db.store.putPendingWait({
      deploymentId: ID,
      taskToken: TOKEN,
      kind: options.waiting,
      stateName: options.waiting,
      since: '2025-03-01T12:00:00.000Z',
    });
  }
}

const continueIt = () => continueDeployment({ ...storeRoles(db.store), callbacks });

beforeEach(async () => {
  db = await startLocalDatabase();
  completed = [];
  deadTokens = new Set();
});

afterEach(async () => {
  await db.close();
});

describe('continueDeployment', () => {
  it('READY_WAIT completes the ready wait token with success and clears the wait', async () => {
    await deployment({ waiting: 'ReadyWait' });
    await continueIt()(ID, 'READY_WAIT');
    expect(completed).toEqual([{ token: TOKEN, output: { continued: 'READY_WAIT' } }]);
    expect(await db.store.getPendingWait(ID)).toBeUndefined();
  });

  it('READY_WAIT is the default wait type, as CodeDeploy infers it when none is given', async () => {
    await deployment({ platform: 'Server', waiting: 'ReadyWait' });
    await continueIt()(ID);
    expect(completed.map((c) => c.token)).toEqual([TOKEN]);
  });

  it('TERMINATION_WAIT completes the termination wait', async () => {
    await deployment({ status: 'InProgress', waiting: 'TerminationWait' });
    await continueIt()(ID, 'TERMINATION_WAIT');
    expect(completed).toEqual([{ token: TOKEN, output: { continued: 'TERMINATION_WAIT' } }]);
  });

  it('a wait of the other kind is DeploymentIsNotInReadyStateException, and nothing is completed', async () => {
    await deployment({ status: 'InProgress', waiting: 'TerminationWait' });
    await expect(continueIt()(ID, 'READY_WAIT')).rejects.toMatchObject({
      name: 'DeploymentIsNotInReadyStateException',
    });
    expect(completed).toEqual([]);
    expect((await db.store.getPendingWait(ID))?.taskToken).toBe(TOKEN);
  });

  it('a bake or a hook is not a ready wait', async () => {
    await deployment({ status: 'InProgress', waiting: 'Bake' });
    await expect(continueIt()(ID, 'READY_WAIT')).rejects.toMatchObject({
      name: 'DeploymentIsNotInReadyStateException',
    });
    expect(completed).toEqual([]);
  });

  it('no wait at all is DeploymentIsNotInReadyStateException', async () => {
    await deployment({ status: 'InProgress' });
    await expect(continueIt()(ID, 'READY_WAIT')).rejects.toMatchObject({
      name: 'DeploymentIsNotInReadyStateException',
    });
  });

  it('a wait whose token already ended (its timeout won) is not continued, and is cleared', async () => {
    await deployment({ waiting: 'ReadyWait' });
    deadTokens.add(TOKEN);
    await expect(continueIt()(ID, 'READY_WAIT')).rejects.toMatchObject({
      name: 'DeploymentIsNotInReadyStateException',
    });
    expect(await db.store.getPendingWait(ID)).toBeUndefined();
  });

  it.each([
    ['Server', 'IN_PLACE'],
    ['Lambda', 'BLUE_GREEN'],
  ] as const)('a %s %s deployment is UnsupportedActionForDeploymentTypeException', async (platform, type) => {
    await deployment({ platform, type, status: 'InProgress', waiting: 'Bake' });
    await expect(continueIt()(ID, 'READY_WAIT')).rejects.toMatchObject({
      name: 'UnsupportedActionForDeploymentTypeException',
    });
    expect(completed).toEqual([]);
  });

  it('a completed deployment is DeploymentAlreadyCompletedException', async () => {
    await deployment({ status: 'Succeeded' });
    await expect(continueIt()(ID, 'TERMINATION_WAIT')).rejects.toMatchObject({
      name: 'DeploymentAlreadyCompletedException',
    });
  });

  it('an unknown wait type is InvalidDeploymentWaitTypeException before anything is read', async () => {
    await expect(continueIt()('d-NOSUCHONE', 'SOON')).rejects.toMatchObject({
      name: 'InvalidDeploymentWaitTypeException',
    });
  });

  it('an unknown deployment is DeploymentDoesNotExistException', async () => {
    await expect(continueIt()('d-NOSUCHONE', 'READY_WAIT')).rejects.toMatchObject({
      name: 'DeploymentDoesNotExistException',
    });
  });
});
