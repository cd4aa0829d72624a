import type { ComputePlatform } from '../domain/deployment-configs.js';
import {
  DeploymentDoesNotExistException,
  DeploymentFlowMismatchError,
  DeploymentStoppedError,
} from '../domain/deployment-errors.js';
import type { DeploymentRecords } from '../ports/deployment-store.js';
import type { DeploymentOf, DeploymentRecord } from '../ports/records.js';

export async function loadDeployment(
  deployments: DeploymentRecords,
  deploymentId: string,
): Promise<DeploymentRecord> {
  const record = await deployments.getDeployment(deploymentId);
  if (!record) throw new DeploymentDoesNotExistException(`The deployment ${deploymentId} does not exist.`);
  return record;
}

/** The deployment, which a step of one platform's flow expects to be of that platform. */
export async function loadDeploymentOf<P extends ComputePlatform>(
  deployments: DeploymentRecords,
  deploymentId: string,
  platform: P,
): Promise<DeploymentOf<P>> {
  const record = await loadDeployment(deployments, deploymentId);
  if (!isDeploymentOf(record, platform)) {
    throw new DeploymentFlowMismatchError(
      `The deployment ${deploymentId} is a ${record.computePlatform} deployment; this step deploys ${platform}.`,
    );
  }
  return record;
}

export function isDeploymentOf<P extends ComputePlatform>(
  record: DeploymentRecord,
  platform: P,
): record is DeploymentOf<P> {
  return record.computePlatform === platform;
}

/**
 * A Server blue/green deployment rolling back (traffic going back to its original fleet): it is
 * ending already, so stop requests and alarms change nothing any more.
 */
export function isRollingBack(record: DeploymentRecord): boolean {
  return record.computePlatform === 'Server' && record.serverBlueGreen?.rollingBack === true;
}

/** The alarms a step watches: none while a blue/green deployment rolls back. */
export function watchedAlarms(record: DeploymentRecord): DeploymentRecord['alarmConfiguration'] {
  return isRollingBack(record) ? undefined : record.alarmConfiguration;
}

/**
 * Steps that are not parked on a token honour a stop request here, before they change anything
 * (a blue/green rollback goes on: it is what a stop asks for).
 */
export function assertNotStopped(record: DeploymentRecord): void {
  if (record.stopRequest && !isRollingBack(record))
    throw new DeploymentStoppedError(stoppedMessage(record.stopRequest.autoRollbackEnabled));
}

export function stoppedMessage(autoRollbackEnabled: boolean): string {
  return autoRollbackEnabled
    ? 'The deployment was stopped by a StopDeployment request, with rollback.'
    : 'The deployment was stopped by a StopDeployment request.';
}
