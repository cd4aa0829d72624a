import { storeRoles, type DeploymentStore } from '../../functions/ports/deployment-store.js';
import { abandonDeployment, isUnfinished } from '../../functions/steps/abandon-deployment.js';

/**
 * An embedded execution lives in its process. When that process ended mid-deployment (Ctrl-C, a
 * crash), the next process to open the records ends the deployment as Failed and unlocks its group,
 * so nothing stays in progress forever. Only call this when no other live process holds the records.
 */
export async function recoverInterruptedDeployments(store: DeploymentStore, now: Date): Promise<string[]> {
  return endDeploymentsLeftRunning(
    store,
    now,
    'The stepdeploy process running this deployment ended before the deployment did; it was marked failed and its deployment group unlocked.',
  );
}

/** Ends every unfinished deployment as Failed (INTERNAL_ERROR) with `message`, unlocking its group. */
export async function endDeploymentsLeftRunning(
  store: DeploymentStore,
  now: Date,
  message: string,
): Promise<string[]> {
  const abandon = abandonDeployment({ ...storeRoles(store), clock: { now: () => now } });
  const recovered: string[] = [];
  for (const record of await store.listDeployments()) {
    if (!isUnfinished(record)) continue;
    const ended = await abandon(record, { code: 'INTERNAL_ERROR', message });
    if (ended) recovered.push(record.deploymentId);
  }
  return recovered;
}
