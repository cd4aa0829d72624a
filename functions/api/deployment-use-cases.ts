import { continueDeployment } from '../steps/continue-deployment.js';
import type { StepDeps } from '../steps/deps.js';
import { putLifecycleEventHookExecutionStatus } from '../steps/put-lifecycle-event-hook-execution-status.js';
import { stopDeployment } from '../steps/stop-deployment.js';
import type { ControlPlane } from './control-plane.js';
import type { DeploymentUseCases } from './deployments.js';

/** The ports the deployment operations run on (a function serving the API is granted these). */
export type DeploymentApiDeps = Pick<
  StepDeps,
  | 'deployments'
  | 'deploymentTargets'
  | 'groups'
  | 'groupLocks'
  | 'hookExecutions'
  | 'pendingWaits'
  | 'callbacks'
  | 'executions'
  | 'clock'
  | 'random'
>;

/**
 * The deployment operations' use cases over the store's roles and the engine's ports: the same
 * steps (StopDeployment, ContinueDeployment, the hook answer) the local server and the AWS API
 * function run.
 */
export function deploymentUseCases(
  deps: DeploymentApiDeps,
  options: { controlPlane?: ControlPlane; revisionTypes?: DeploymentUseCases['revisionTypes'] } = {},
): DeploymentUseCases {
  return {
    store: { ...deps.deployments, ...deps.deploymentTargets, ...deps.groups, ...deps.groupLocks },
    executions: deps.executions,
    clock: deps.clock,
    random: deps.random,
    ...(options.controlPlane ? { controlPlane: options.controlPlane } : {}),
    ...(options.revisionTypes ? { revisionTypes: options.revisionTypes } : {}),
    stopDeployment: stopDeployment(deps),
    continueDeployment: continueDeployment(deps),
    putLifecycleEventHookExecutionStatus: putLifecycleEventHookExecutionStatus(deps),
  };
}
