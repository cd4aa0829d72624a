import {
  DeploymentAlreadyCompletedException,
  DeploymentIsNotInReadyStateException,
  InvalidDeploymentWaitTypeException,
  UnsupportedActionForDeploymentTypeException,
} from '../domain/deployment-errors.js';
import { flowKeyOf } from '../domain/flows.js';
import { isTerminalDeploymentStatus } from '../domain/status.js';
import type { PendingWaitKind } from '../ports/records.js';
import type { StepDeps } from './deps.js';
import { loadDeployment } from './load-deployment.js';
import { isDeadTokenError } from './task-tokens.js';

/** CodeDeploy's DeploymentWaitType. */
export type DeploymentWaitType = 'READY_WAIT' | 'TERMINATION_WAIT';

const WAIT_KIND: Record<DeploymentWaitType, PendingWaitKind> = {
  READY_WAIT: 'ReadyWait',
  TERMINATION_WAIT: 'TerminationWait',
};

/** What the ended wait's state receives as its result: which request ended it. */
export interface ContinuedWait {
  continued: DeploymentWaitType;
}

/**
 * CodeDeploy's ContinueDeployment (and the deprecated SkipWaitTimeForInstanceTermination, which is
 * TERMINATION_WAIT): a blue/green deployment parked on its ready wait or its termination wait goes on
 * at once. The wait is a token wait whose timeout is its normal end; this completes the token with
 * success. Only ECS and Server blue/green deployments have these waits (Lambda ones are blue/green
 * too, but CodeDeploy refuses ContinueDeployment for them).
 */
export function continueDeployment(deps: Pick<StepDeps, 'deployments' | 'pendingWaits' | 'callbacks'>) {
  return async (deploymentId: string, waitType: string = 'READY_WAIT'): Promise<void> => {
    const { deployments, pendingWaits, callbacks } = deps;
    if (waitType !== 'READY_WAIT' && waitType !== 'TERMINATION_WAIT') {
      throw new InvalidDeploymentWaitTypeException(
        `The wait type ${JSON.stringify(waitType)} is not valid: use READY_WAIT or TERMINATION_WAIT.`,
      );
    }
    const record = await loadDeployment(deployments, deploymentId);
    const flow = flowKeyOf(record);
    if (flow.deploymentType !== 'BLUE_GREEN' || flow.computePlatform === 'Lambda') {
      throw new UnsupportedActionForDeploymentTypeException(
        `ContinueDeployment applies to ECS and EC2/On-Premises blue/green deployments; ${deploymentId} is a ${flow.computePlatform} ${flow.deploymentType === 'IN_PLACE' ? 'in-place' : 'blue/green'} deployment.`,
      );
    }
    if (isTerminalDeploymentStatus(record.status)) {
      throw new DeploymentAlreadyCompletedException(
        `The deployment ${deploymentId} has already completed (${record.status}).`,
      );
    }
    const wait = await pendingWaits.getPendingWait(deploymentId);
    if (!wait || wait.kind !== WAIT_KIND[waitType]) {
      const where =
        waitType === 'READY_WAIT'
          ? 'waiting for traffic to be rerouted'
          : 'waiting to terminate the original';
      throw new DeploymentIsNotInReadyStateException(
        `The deployment ${deploymentId} is not ${where} (${waitType}); it is ${record.status}${wait ? `, in ${wait.stateName}` : ''}.`,
      );
    }
    try {
      const output: ContinuedWait = { continued: waitType };
      await callbacks.sendTaskSuccess(wait.taskToken, output);
      // Out of `Ready` at once, as CodeDeploy reports it; a deployment that moved on meanwhile keeps its status.
      if (waitType === 'READY_WAIT') await backInProgress(deps, deploymentId);
    } catch (error) {
      // The wait ended meanwhile (its timeout, a stop): nothing is left to continue.
      if (!isDeadTokenError(error)) throw error;
      throw new DeploymentIsNotInReadyStateException(
        `The deployment ${deploymentId} is no longer in ${wait.stateName}.`,
      );
    } finally {
      await pendingWaits.clearPendingWait(deploymentId, wait.taskToken);
    }
  };
}

async function backInProgress(deps: Pick<StepDeps, 'deployments'>, deploymentId: string): Promise<void> {
  try {
    await deps.deployments.updateDeployment(deploymentId, { status: 'InProgress' }, ['Ready']);
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'DeploymentStatusConflictError') throw error;
  }
}
