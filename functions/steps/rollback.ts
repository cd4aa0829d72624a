import { failureFor, type DeploymentFailure } from '../domain/deployment-errors.js';
import { flowKeyOf, rollsBackByRedeploying } from '../domain/flows.js';
import type { AutoRollbackEvent, DeploymentRecord } from '../ports/records.js';
import { cancelCommandsInFlight } from './commands-in-flight.js';
import { defineStep, type StepDeps } from './deps.js';
import { withLifecycleEvent } from './lifecycle-records.js';
import { loadDeployment } from './load-deployment.js';
import { replacementWeightChanges, restoredRouteMessage, trafficRouteOf } from './traffic-route.js';

export interface CaughtError {
  Error?: string;
  Cause?: string;
}

export interface RollbackInput {
  deploymentId: string;
  error: CaughtError;
}

/** The start of the rollback message of an in-place deployment whose rollback deployment is about to start. */
export const ROLLBACK_PENDING = 'Rolling back deployment';

export interface RollbackOutput extends DeploymentFailure {
  /** Whether the traffic was moved back to the original (it was elsewhere). */
  rolledBack: boolean;
  /**
   * Whether the deployment undoes its changes (traffic restored; ECS: the replacement task set goes),
   * which it does unless a StopDeployment without rollback asked to leave everything where it is.
   */
  restoring: boolean;
  /** In place: whether a new deployment of the last successful revision should follow. */
  rollbackRequested: boolean;
}

/**
 * The Catch branch of every stage after Prepare, in every flow. It records the error, ends the
 * instance commands still running, and puts the traffic back on the original (a Lambda alias back to
 * CurrentVersion with no routing; ECS listeners back on the original target group), unless a
 * StopDeployment without rollback asked to leave it where it is: failures and alarms always restore
 * it, since a failed deployment must not leave traffic on a version that did not pass (CodeDeploy
 * "immediately flips the alias back"). An in-place flow rolls back as CodeDeploy does, with a new
 * deployment of the last successful revision: here it is decided, Finish releases the lock and
 * StartRollbackDeployment starts it.
 */
export function rollback(
  deps: Pick<
    StepDeps,
    'deployments' | 'groups' | 'commandWaits' | 'serverBatches' | 'traffic' | 'transport' | 'clock'
  >,
) {
  return async ({ deploymentId, error }: RollbackInput): Promise<RollbackOutput> => {
    const { deployments, clock } = deps;
    const record = await loadDeployment(deployments, deploymentId);
    const failure = describeFailure(record, error);
    await cancelCommandsInFlight(deps, record);

    const route = trafficRouteOf(record);
    const keepTraffic = failure.code === 'MANUAL_STOP' && !record.stopRequest?.autoRollbackEnabled;
    const restoring = !keepTraffic;
    const rolledBack = route !== undefined && restoring ? (await deps.traffic.restore(route)).changed : false;

    const rollbackRequested =
      rollsBackByRedeploying(flowKeyOf(record)) && (await redeployWanted(deps, record, failure));
    // Clients (the CLI) see from it that a rollback deployment is coming once this one has ended.
    const rollbackMessage =
      route !== undefined && restoring
        ? restoredRouteMessage(route)
        : rollbackRequested
          ? `${ROLLBACK_PENDING} ${deploymentId}: a new deployment of the last successful revision starts as it ends.`
          : undefined;
    const failedEvent = record.lifecycleEvents?.find((event) => event.status === 'InProgress');
    await deployments.updateDeployment(deploymentId, {
      errorInformation: { code: failure.code, message: failure.message },
      ...(rollbackMessage ? { rollbackInfo: { ...record.rollbackInfo, rollbackMessage } } : {}),
      ...(restoring ? replacementWeightChanges(record, 0, 'every') : {}),
      ...(failedEvent
        ? {
            lifecycleEvents: withLifecycleEvent(
              record,
              failedEvent.lifecycleEventName,
              'Failed',
              clock.now(),
              {
                errorCode: 'UnknownError',
                message: failure.message,
              },
            ),
          }
        : {}),
    });
    return { ...failure, rolledBack, restoring, rollbackRequested };
  };
}

/**
 * Whether a new deployment of the last successful revision follows: the configuration asks for it,
 * this is not itself a rollback, and the group has a successful deployment other than this one.
 */
export async function redeployWanted(
  deps: Pick<StepDeps, 'groups'>,
  record: DeploymentRecord,
  failure: DeploymentFailure,
): Promise<boolean> {
  if (!rollbackWanted(record, failure) || record.creator === 'codeDeployRollback') return false;
  const group = await deps.groups.getDeploymentGroup(record.applicationName, record.deploymentGroupName);
  return (
    group?.lastSuccessfulDeploymentId !== undefined &&
    group.lastSuccessfulDeploymentId !== record.deploymentId
  );
}

/** CodeDeploy's AutoRollbackConfiguration events; StopDeployment(autoRollbackEnabled) asks by itself. */
function rollbackWanted(record: DeploymentRecord, failure: DeploymentFailure): boolean {
  if (failure.code === 'MANUAL_STOP') {
    return record.stopRequest?.autoRollbackEnabled === true || hasEvent(record, 'DEPLOYMENT_STOP_ON_REQUEST');
  }
  if (failure.code === 'ALARM_ACTIVE') return hasEvent(record, 'DEPLOYMENT_STOP_ON_ALARM');
  return hasEvent(record, 'DEPLOYMENT_FAILURE');
}

function hasEvent(record: DeploymentRecord, event: AutoRollbackEvent) {
  const config = record.autoRollbackConfiguration;
  return config?.enabled === true && config.events.includes(event);
}

const HOOK_EVENTS: ReadonlySet<string> = new Set([
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
  'BeforeInstall',
  'AfterInstall',
  'AfterAllowTestTraffic',
]);

/** The error as CodeDeploy would report it; a hook's token timing out is a hook failure. */
export function describeFailure(record: DeploymentRecord, error: CaughtError | undefined): DeploymentFailure {
  const failure = failureFor(error);
  const inProgress = record.lifecycleEvents?.find((event) => event.status === 'InProgress');
  if (error?.Error === 'States.Timeout' && inProgress && HOOK_EVENTS.has(inProgress.lifecycleEventName)) {
    return {
      code: 'HOOK_EXECUTION_FAILURE',
      status: 'Failed',
      message: `The ${inProgress.lifecycleEventName} hook did not report a status within 3600 seconds (PutLifecycleEventHookExecutionStatus was not called).`,
    };
  }
  return failure;
}

/** The Rollback Task of every flow: `${RollbackFunctionArn}`. */
export const Rollback = defineStep('Rollback', rollback, {
  // Cancels the commands of a batch in flight: up to 200 of them for 10,000 instances.
  timeoutSeconds: 300,
})(['deployments', 'groups', 'commandWaits', 'serverBatches', 'traffic', 'transport']);
