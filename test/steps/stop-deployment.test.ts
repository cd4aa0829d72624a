/**
 * StopDeployment without `autoRollbackEnabled` does what the deployment's automatic rollback says for
 * DEPLOYMENT_STOP_ON_REQUEST (the group's, or CreateDeployment's), as CodeDeploy; the request's own
 * value wins when given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeRoles } from '../../functions/ports/deployment-store.js';
import type { AutoRollbackConfiguration } from '../../functions/ports/records.js';
import { stopDeployment } from '../../functions/steps/stop-deployment.js';
import { startLocalDatabase, type LocalDatabase } from '../../local/runtime/dynalite.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let db: LocalDatabase;
const clock = { now: () => new Date('2025-03-01T12:00:00.000Z') };
const callbacks = {
  sendTaskSuccess: () => Promise.reject(new Error('no wait here')),
  sendTaskFailure: () => Promise.reject(new Error('no wait here')),
};

beforeAll(async () => {
  db = await startLocalDatabase();
});
afterAll(() => db.close());

async function stoppedWith(
  deploymentId: string,
  autoRollbackConfiguration: AutoRollbackConfiguration | undefined,
  requested: { autoRollbackEnabled?: boolean },
): Promise<boolean | undefined> {
  await db.store.createDeployment({
    deploymentId,
    applicationName: 'shop',
    deploymentGroupName: 'web',
    computePlatform: 'Server',
    deploymentConfigName: 'CodeDeployDefault.OneAtATime',
    status: 'InProgress',
    creator: 'user',
    revision: { revisionType: 'S3', s3Location: { bucket: 'b', key: 'k.zip', bundleType: 'zip' } },
    createTime: '2025-03-01T11:59:00.000Z',
    ...(autoRollbackConfiguration ? { autoRollbackConfiguration } : {}),
  });
  const answer = await stopDeployment({ ...storeRoles(db.store), callbacks, clock })(deploymentId, requested);
  expect(answer).toEqual({ status: 'Pending', statusMessage: `Stopping deployment ${deploymentId}.` });
  return (await db.store.getDeployment(deploymentId))?.stopRequest?.autoRollbackEnabled;
}

describe('StopDeployment without autoRollbackEnabled', () => {
  it.each<[string, string, AutoRollbackConfiguration | undefined, boolean]>([
    [
      'd-STOPRQ001',
      'DEPLOYMENT_STOP_ON_REQUEST enabled',
      { enabled: true, events: ['DEPLOYMENT_STOP_ON_REQUEST'] },
      true,
    ],
    ['d-STOPRQ002', 'only DEPLOYMENT_FAILURE', { enabled: true, events: ['DEPLOYMENT_FAILURE'] }, false],
    [
      'd-STOPRQ003',
      'the event, but rollback disabled',
      { enabled: false, events: ['DEPLOYMENT_STOP_ON_REQUEST'] },
      false,
    ],
    ['d-STOPRQ004', 'no automatic rollback', undefined, false],
  ])('%s (%s) rolls back: %s', async (id, _case, configuration, rollsBack) => {
    expect(await stoppedWith(id, configuration, {})).toBe(rollsBack);
  });

  it("keeps the request's own value when it gives one", async () => {
    const onRequest: AutoRollbackConfiguration = { enabled: true, events: ['DEPLOYMENT_STOP_ON_REQUEST'] };
    expect(await stoppedWith('d-STOPRQ005', onRequest, { autoRollbackEnabled: false })).toBe(false);
    expect(await stoppedWith('d-STOPRQ006', undefined, { autoRollbackEnabled: true })).toBe(true);
  });
});
