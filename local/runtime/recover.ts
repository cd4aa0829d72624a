import type { DeploymentStore } from '../../functions/ports/deployment-store.js';
import { closeLifecycleEvents } from '../../functions/steps/lifecycle-records.js';
import { closeTarget } from '../../functions/steps/server-targets.js';

const UNFINISHED = new Set(['Created', 'Queued', 'InProgress', 'Baking', 'Ready']);

/**
 * An embedded execution lives in its process. When that process ended mid-deployment (Ctrl-C, a
 * crash), the next process to open the records ends the deployment as Failed and unlocks its group,
 * so nothing stays in progress forever. Only call this when no other live process holds the records.
 */
export async function recoverInterruptedDeployments(store: DeploymentStore, now: Date): Promise<string[]> {
  const recovered: string[] = [];
  for (const record of await store.listDeployments()) {
    if (!UNFINISHED.has(record.status)) continue;
    const at = now.toISOString();
    await store.updateDeployment(record.deploymentId, {
      status: 'Failed',
      completeTime: at,
      errorInformation: {
        code: 'INTERNAL_ERROR',
        message:
          'The stepdeploy process running this deployment ended before the deployment did; it was marked failed and its deployment group unlocked.',
      },
      lifecycleEvents: closeLifecycleEvents(record.lifecycleEvents ?? [], now),
    });
    for (const target of await store.listDeploymentTargets(record.deploymentId)) {
      if (target.status !== 'Pending' && target.status !== 'InProgress') continue;
      await store.putDeploymentTarget(
        closeTarget(target, target.status === 'Pending' ? 'Skipped' : 'Failed', now),
      );
    }
    const wait = await store.getPendingWait(record.deploymentId);
    if (wait) await store.clearPendingWait(record.deploymentId, wait.taskToken);
    await store.releaseGroupLock(record.applicationName, record.deploymentGroupName, record.deploymentId);
    recovered.push(record.deploymentId);
  }
  return recovered;
}
