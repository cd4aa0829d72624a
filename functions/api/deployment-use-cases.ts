import { continueDeployment } from '../steps/continue-deployment.js';
import type { StepDeps } from '../steps/deps.js';
import { putLifecycleEventHookExecutionStatus } from '../steps/put-lifecycle-event-hook-execution-status.js';
import { stopDeployment } from '../steps/stop-deployment.js';
import type { ClockPort, RandomPort } from '../ports/clock.js';
import type { DeploymentExecutionsPort } from '../ports/deployment-executions.js';
import type { DeploymentStore } from '../ports/deployment-store.js';
import type { RevisionLocation } from '../ports/records.js';
import type { ControlPlane } from './control-plane.js';

/** The records the deployment operations read and write. */
export type DeploymentOperationsStore = Pick<
  DeploymentStore,
  | 'getDeployment'
  | 'listDeploymentIds'
  | 'createDeployment'
  | 'updateDeployment'
  | 'getDeploymentTarget'
  | 'listDeploymentTargetIds'
  | 'recordGroupDeploymentState'
  | 'acquireGroupLock'
  | 'releaseGroupLock'
  | 'getGroupLockHolder'
>;

/** The use cases the deployment operations call; the engine (local or AWS) provides them. */
export interface DeploymentUseCases {
  store: DeploymentOperationsStore;
  /** Starts a deployment's state machine (CreateDeployment). */
  executions: DeploymentExecutionsPort;
  clock: ClockPort;
  random: RandomPort;
  /** Applications, deployment groups, configs, revisions and on-premises instances, when served. */
  controlPlane?: ControlPlane;
  /** Revision types this runtime deploys (default all of CodeDeploy's; GitHub only in AWS). */
  revisionTypes?: readonly NonNullable<RevisionLocation['revisionType']>[];
  /** Without `autoRollbackEnabled` the deployment's own DEPLOYMENT_STOP_ON_REQUEST decides. */
  stopDeployment(
    deploymentId: string,
    options: { autoRollbackEnabled?: boolean },
  ): Promise<{ status: 'Pending' | 'Succeeded'; statusMessage: string }>;
  continueDeployment(deploymentId: string, waitType: string): Promise<void>;
  putLifecycleEventHookExecutionStatus(input: {
    deploymentId: string;
    lifecycleEventHookExecutionId: string;
    status: string;
  }): Promise<{ lifecycleEventHookExecutionId: string }>;
}

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
