import { failureFor, type DeploymentFailure } from '../domain/deployment-errors.js';
import type { DeploymentRecord } from '../ports/records.js';
import type { StepDeps } from './deps.js';
import { withLifecycleEvent } from './lifecycle-records.js';
import { loadDeployment } from './load-deployment.js';

export interface CaughtError {
  Error?: string;
  Cause?: string;
}

export interface RollbackInput {
  deploymentId: string;
  error: CaughtError;
}

export interface RollbackOutput extends DeploymentFailure {
  rolledBack: boolean;
  /** Server: whether a new deployment of the last successful revision should follow. */
  rollbackRequested: boolean;
}

/**
 * The Catch branch of every stage after Prepare. Lambda: the alias goes back to CurrentVersion with
 * no routing config, unless a StopDeployment without rollback asked to leave traffic where it is.
 * Failures and alarms always restore the alias: a failed deployment must not leave traffic on a
 * version that did not pass (CodeDeploy "immediately flips the alias back").
 */
export function rollback(deps: Pick<StepDeps, 'store' | 'lambda' | 'transport' | 'clock'>) {
  return async ({ deploymentId, error }: RollbackInput): Promise<RollbackOutput> => {
    const { store, lambda, clock } = deps;
    const record = await loadDeployment(store, deploymentId);
    const failure = describeFailure(record, error);
    if (record.computePlatform === 'Server') return rollbackServer(deps, record, failure);
    const keepTraffic = failure.code === 'MANUAL_STOP' && !record.stopRequest?.autoRollbackEnabled;
    const target = record.lambdaTarget;
    let rolledBack = false;
    let rollbackMessage: string | undefined;
    if (target && !keepTraffic) {
      const live = await lambda.getAlias(target.functionName, target.functionAlias);
      const restored =
        live.functionVersion === target.currentVersion &&
        Object.keys(live.additionalVersionWeights).length === 0;
      if (!restored) {
        await lambda.updateAlias(target.functionName, target.functionAlias, {
          functionVersion: target.currentVersion,
          additionalVersionWeights: {},
        });
        rolledBack = true;
      }
      rollbackMessage = `The alias ${target.functionAlias} of ${target.functionName} points at version ${target.currentVersion} again, with no routing configuration.`;
    }
    const failedEvent = record.lifecycleEvents?.find((event) => event.status === 'InProgress');
    await store.updateDeployment(deploymentId, {
      errorInformation: { code: failure.code, message: failure.message },
      ...(rollbackMessage ? { rollbackInfo: { ...record.rollbackInfo, rollbackMessage } } : {}),
      ...(target && !keepTraffic ? { lambdaTarget: { ...target, targetVersionWeight: 0 } } : {}),
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
    return { ...failure, rolledBack, rollbackRequested: false };
  };
}

/**
 * Server: CodeDeploy rolls back by deploying the last successful revision as a new deployment, once
 * this one has ended. Here the error is recorded and the decision made; Finish then releases the
 * lock and StartRollbackDeployment starts the new deployment.
 */
async function rollbackServer(
  deps: Pick<StepDeps, 'store' | 'transport' | 'clock'>,
  record: DeploymentRecord,
  failure: DeploymentFailure,
): Promise<RollbackOutput> {
  const { store } = deps;
  // A stop or an alarm ends the scripts still running: nothing may run on after the deployment ended,
  // least of all alongside the rollback deployment that may follow.
  for (const commandId of record.currentEvent?.commandIds ?? []) {
    if (!(await store.getCommandWait(commandId))) continue;
    await deps.transport.cancelCommand(commandId);
    await store.deleteCommandWait(commandId);
  }
  const group = await store.getDeploymentGroup(record.applicationName, record.deploymentGroupName);
  const rollbackRequested =
    rollbackWanted(record, failure) &&
    record.creator !== 'codeDeployRollback' &&
    group?.lastSuccessfulDeploymentId !== undefined &&
    group.lastSuccessfulDeploymentId !== record.deploymentId;
  await store.updateDeployment(record.deploymentId, {
    errorInformation: { code: failure.code, message: failure.message },
  });
  return { ...failure, rolledBack: false, rollbackRequested };
}

/** CodeDeploy's AutoRollbackConfiguration events; StopDeployment(autoRollbackEnabled) asks by itself. */
function rollbackWanted(record: DeploymentRecord, failure: DeploymentFailure): boolean {
  if (failure.code === 'MANUAL_STOP') {
    return record.stopRequest?.autoRollbackEnabled === true || hasEvent(record, 'DEPLOYMENT_STOP_ON_REQUEST');
  }
  if (failure.code === 'ALARM_ACTIVE') return hasEvent(record, 'DEPLOYMENT_STOP_ON_ALARM');
  return hasEvent(record, 'DEPLOYMENT_FAILURE');
}

function hasEvent(
  record: DeploymentRecord,
  event: 'DEPLOYMENT_FAILURE' | 'DEPLOYMENT_STOP_ON_ALARM' | 'DEPLOYMENT_STOP_ON_REQUEST',
) {
  const config = record.autoRollbackConfiguration;
  return config?.enabled === true && config.events.includes(event);
}

/** The error as CodeDeploy would report it; a hook's token timing out is a hook failure. */
export function describeFailure(record: DeploymentRecord, error: CaughtError | undefined): DeploymentFailure {
  const failure = failureFor(error);
  const inProgress = record.lifecycleEvents?.find((event) => event.status === 'InProgress');
  const isHookEvent =
    inProgress &&
    [
      'BeforeAllowTraffic',
      'AfterAllowTraffic',
      'BeforeInstall',
      'AfterInstall',
      'AfterAllowTestTraffic',
    ].includes(inProgress.lifecycleEventName);
  if (error?.Error === 'States.Timeout' && isHookEvent) {
    return {
      code: 'HOOK_EXECUTION_FAILURE',
      status: 'Failed',
      message: `The ${inProgress.lifecycleEventName} hook did not report a status within 3600 seconds (PutLifecycleEventHookExecutionStatus was not called).`,
    };
  }
  return failure;
}
