import { DeploymentAlreadyCompletedException, DeploymentStoppedError } from '../domain/deployment-errors.js';
import { isTerminalDeploymentStatus } from '../domain/status.js';
import type { StepDeps } from './deps.js';
import { isDeadTokenError } from './task-tokens.js';
import { loadDeployment, stoppedMessage } from './load-deployment.js';

export interface StopDeploymentOutput {
  status: 'Pending' | 'Succeeded';
  statusMessage: string;
}

/**
 * CodeDeploy's StopDeployment. The request is recorded (steps between waits honour it) and the
 * pending wait, if any, fails at once; the state machine's Catch then rolls back or not. Without
 * `autoRollbackEnabled`, the deployment rolls back when its automatic rollback is enabled for
 * DEPLOYMENT_STOP_ON_REQUEST (the group's, or CreateDeployment's).
 */
export function stopDeployment(deps: Pick<StepDeps, 'deployments' | 'pendingWaits' | 'callbacks' | 'clock'>) {
  return async (
    deploymentId: string,
    options: { autoRollbackEnabled?: boolean } = {},
  ): Promise<StopDeploymentOutput> => {
    const { deployments, pendingWaits, callbacks, clock } = deps;
    const record = await loadDeployment(deployments, deploymentId);
    if (isTerminalDeploymentStatus(record.status)) {
      throw new DeploymentAlreadyCompletedException(
        `The deployment ${deploymentId} has already completed (${record.status}).`,
      );
    }
    const rollback = record.autoRollbackConfiguration;
    const autoRollbackEnabled =
      options.autoRollbackEnabled ??
      (rollback?.enabled === true && rollback.events.includes('DEPLOYMENT_STOP_ON_REQUEST'));
    if (!record.stopRequest) {
      await deployments.updateDeployment(deploymentId, {
        stopRequest: { autoRollbackEnabled, requestedAt: clock.now().toISOString() },
      });
    }
    const wait = await pendingWaits.getPendingWait(deploymentId);
    if (wait) {
      try {
        await callbacks.sendTaskFailure(
          wait.taskToken,
          new DeploymentStoppedError('').name,
          stoppedMessage(autoRollbackEnabled),
        );
      } catch (error) {
        if (!isDeadTokenError(error)) throw error;
      }
      await pendingWaits.clearPendingWait(deploymentId, wait.taskToken);
    }
    return { status: 'Pending', statusMessage: `Stopping deployment ${deploymentId}.` };
  };
}
