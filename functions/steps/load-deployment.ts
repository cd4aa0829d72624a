import { DeploymentDoesNotExistException, DeploymentStoppedError } from '../domain/deployment-errors.js';
import type { DeploymentStore } from '../ports/deployment-store.js';
import type { DeploymentRecord } from '../ports/records.js';

export async function loadDeployment(
  store: DeploymentStore,
  deploymentId: string,
): Promise<DeploymentRecord> {
  const record = await store.getDeployment(deploymentId);
  if (!record) throw new DeploymentDoesNotExistException(`The deployment ${deploymentId} does not exist.`);
  return record;
}

/** Steps that are not parked on a token honour a stop request here, before they change anything. */
export function assertNotStopped(record: DeploymentRecord): void {
  if (record.stopRequest)
    throw new DeploymentStoppedError(stoppedMessage(record.stopRequest.autoRollbackEnabled));
}

export function stoppedMessage(autoRollbackEnabled: boolean): string {
  return autoRollbackEnabled
    ? 'The deployment was stopped by a StopDeployment request, with rollback.'
    : 'The deployment was stopped by a StopDeployment request.';
}
