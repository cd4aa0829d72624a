/**
 * Bake parks a deployment on its token; StopDeployment fails the token it finds. A stop that arrives
 * after Bake's first read of the deployment but before its wait is registered finds no token to fail,
 * so Bake itself must see it, by reading the deployment again once the wait is in place.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeRoles, type PendingWaits } from '../../functions/ports/deployment-store.js';
import type { TaskCallbacksPort } from '../../functions/ports/task-callbacks.js';
import { bake } from '../../functions/steps/bake.js';
import { stopDeployment } from '../../functions/steps/stop-deployment.js';
import { startLocalDatabase, type LocalDatabase } from '../../local/runtime/dynalite.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const DEPLOYMENT_ID = 'd-BAKESTOP1';
const clock = { now: () => new Date('2025-03-01T12:00:00.000Z') };

let db: LocalDatabase;
let failedTokens: string[];

const callbacks: TaskCallbacksPort = {
  sendTaskSuccess: () => Promise.reject(new Error('nothing completes a bake token')),
  sendTaskFailure: async (taskToken) => void failedTokens.push(taskToken),
};

beforeEach(async () => {
  db = await startLocalDatabase();
  failedTokens = [];
  await db.store.createDeployment({
    deploymentId: DEPLOYMENT_ID,
    applicationName: 'shop',
    deploymentGroupName: 'api',
    computePlatform: 'Lambda',
    deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
    status: 'InProgress',
    creator: 'user',
    revision: { revisionType: 'AppSpecContent', appSpecContent: { content: 'version: 0.0' } },
    createTime: '2025-03-01T11:59:00.000Z',
  });
});

afterEach(async () => {
  await db.close();
});

describe('bake', () => {
  it('fails at once on a stop that arrived between its first read and the registration of its wait', async () => {
    const roles = storeRoles(db.store);
    const stop = stopDeployment({ ...roles, callbacks, clock });
    // The stop lands just before the wait is stored: it records the request and finds no token.
    const pendingWaits: PendingWaits = {
      putPendingWait: async (wait) => {
        await stop(DEPLOYMENT_ID);
        await roles.pendingWaits.putPendingWait(wait);
      },
      getPendingWait: (id) => roles.pendingWaits.getPendingWait(id),
      clearPendingWait: (id, token) => roles.pendingWaits.clearPendingWait(id, token),
    };
    const alarms = { describeAlarms: async () => new Map() };
    await expect(
      bake({ ...roles, pendingWaits, alarms, clock })({
        deploymentId: DEPLOYMENT_ID,
        bakeSeconds: 300,
        taskToken: 'bake-1',
      }),
    ).rejects.toMatchObject({
      name: 'DeploymentStoppedError',
      message: 'The deployment was stopped by a StopDeployment request.',
    });
    // The stop failed no token (there was none yet), and no wait is left behind for a later one.
    expect(failedTokens).toEqual([]);
    expect(await db.store.getPendingWait(DEPLOYMENT_ID)).toBeUndefined();
  });

  it('parks on its token when no stop came, leaving the wait for a stop or an alarm to fail', async () => {
    const roles = storeRoles(db.store);
    const alarms = { describeAlarms: async () => new Map() };
    await bake({ ...roles, alarms, clock })({
      deploymentId: DEPLOYMENT_ID,
      bakeSeconds: 300,
      taskToken: 'bake-2',
    });
    expect(await db.store.getPendingWait(DEPLOYMENT_ID)).toMatchObject({ taskToken: 'bake-2', kind: 'Bake' });
    await stopDeployment({ ...roles, callbacks, clock })(DEPLOYMENT_ID);
    expect(failedTokens).toEqual(['bake-2']);
  });
});
