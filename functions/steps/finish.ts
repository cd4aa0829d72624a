import { failureFor } from '../domain/deployment-errors.js';
import { isDeploymentId } from '../domain/deployment-id.js';
import {
  deploymentEventState,
  isTerminalDeploymentStatus,
  type DeploymentStatus,
  type ErrorCode,
} from '../domain/status.js';
import type { DeploymentRecord } from '../ports/records.js';
import { defineStep, type StepDeps } from './deps.js';
import { closeLifecycleEvents } from './lifecycle-records.js';
import { closeUnfinishedTargets, overviewOf } from './server-targets.js';
import { publishDeploymentEvent } from './publish-event.js';
import type { CaughtError, RollbackOutput } from './rollback.js';

export interface FinishInput {
  executionName: string;
  /** The whole state: Prepare's output, and the error and the rollback's result when they exist. */
  state: {
    deploymentId?: string;
    /** The request's own fields (the execution input). */
    applicationName?: string;
    deploymentGroupName?: string;
    deployment?: { deploymentId: string };
    error?: CaughtError;
    rollback?: RollbackOutput;
    rollbackError?: CaughtError;
  };
}

export interface FinishOutput {
  deploymentId?: string;
  status: DeploymentStatus;
  errorCode?: string;
  message?: string;
  /** Always present: the Server machine's Choice reads it (a missing path would fail the Choice). */
  rollbackRequested: boolean;
}

/** The status a deployment ends with, and its CodeDeploy error code and message when it did not succeed. */
interface Outcome {
  status: DeploymentStatus;
  errorCode?: ErrorCode;
  message?: string;
}

type FinishDeps = Pick<
  StepDeps,
  | 'deployments'
  | 'groups'
  | 'groupLocks'
  | 'deploymentTargets'
  | 'pendingWaits'
  | 'alarmWatches'
  | 'events'
  | 'clock'
>;

/**
 * The last state of every deployment: final status, lifecycle events (and instances) closed, the wait
 * and the alarm watches cleared, the group's lock released (only if this deployment holds it), the
 * event published. Idempotent: a retry after a partial run finishes the same way.
 */
export function finish(deps: FinishDeps) {
  return async ({ executionName, state }: FinishInput): Promise<FinishOutput> => {
    const { deployments, groupLocks, pendingWaits, clock } = deps;
    const deploymentId =
      state.deployment?.deploymentId ??
      state.deploymentId ??
      (isDeploymentId(executionName) ? executionName : undefined);
    const record = deploymentId ? await deployments.getDeployment(deploymentId) : undefined;
    if (!record) {
      // Prepare failed before it recorded anything (a busy group, an unknown group). It may have taken
      // the lock just before failing: release it, which changes nothing unless this deployment holds it.
      if (deploymentId && state.applicationName && state.deploymentGroupName) {
        await groupLocks.releaseGroupLock(state.applicationName, state.deploymentGroupName, deploymentId);
      }
      const failure = failureFor(state.error);
      return {
        ...(deploymentId ? { deploymentId } : {}),
        status: 'Failed',
        errorCode: state.error?.Error ?? failure.code,
        message: failure.message,
        rollbackRequested: false,
      };
    }
    const outcome = isTerminalDeploymentStatus(record.status) ? storedOutcome(record) : outcomeOf(state);
    const now = clock.now();
    const reason = endedBefore(outcome);
    const targets = await closeUnfinishedTargets(deps.deploymentTargets, record.deploymentId, now, reason);
    const finished = await deployments.updateDeployment(record.deploymentId, {
      status: outcome.status,
      // The exact counts, from the listing just read: the counters kept on the way may be one off
      // after a step died between writing a target and moving its counter.
      ...(targets.length > 0 ? { deploymentOverview: overviewOf(targets) } : {}),
      completeTime: record.completeTime ?? now.toISOString(),
      lifecycleEvents: closeLifecycleEvents(record.lifecycleEvents ?? [], now, outcome.status, reason),
      ...(outcome.errorCode
        ? { errorInformation: { code: outcome.errorCode, message: outcome.message ?? '' } }
        : {}),
    });
    const wait = await pendingWaits.getPendingWait(record.deploymentId);
    if (wait) await pendingWaits.clearPendingWait(record.deploymentId, wait.taskToken);
    const alarmNames = record.alarmConfiguration?.alarms.map((alarm) => alarm.name) ?? [];
    await deps.alarmWatches.unwatchAlarms(record.deploymentId, alarmNames);
    if (outcome.status === 'Succeeded') await markLastSuccessful(deps, record);
    await groupLocks.releaseGroupLock(
      record.applicationName,
      record.deploymentGroupName,
      record.deploymentId,
    );
    const eventState = deploymentEventState(outcome.status);
    if (eventState) await publishDeploymentEvent(deps, finished, eventState);
    const rollbackRequested = outcome.status !== 'Succeeded' && state.rollback?.rollbackRequested === true;
    return { deploymentId: record.deploymentId, ...outcome, rollbackRequested };
  };
}

/** The message of an event that was still running when the deployment ended. */
function endedBefore(outcome: { status: string; errorCode?: string; message?: string }): string {
  const why = outcome.errorCode
    ? ` (${outcome.errorCode}${outcome.message ? `: ${outcome.message}` : ''})`
    : '';
  return `The deployment ended ${outcome.status}${why} before this lifecycle event finished.`;
}

function outcomeOf(state: FinishInput['state']): Outcome {
  if (state.rollbackError) {
    const failure = failureFor(state.error);
    return {
      status: 'Failed',
      errorCode: failure.code,
      message: `${failure.message} The rollback failed too: ${failureFor(state.rollbackError).message}`,
    };
  }
  if (state.rollback)
    return { status: state.rollback.status, errorCode: state.rollback.code, message: state.rollback.message };
  if (state.error) {
    const failure = failureFor(state.error);
    return { status: failure.status, errorCode: failure.code, message: failure.message };
  }
  return { status: 'Succeeded' };
}

function storedOutcome(record: DeploymentRecord): Outcome {
  return {
    status: record.status,
    ...(record.errorInformation
      ? { errorCode: record.errorInformation.code, message: record.errorInformation.message }
      : {}),
  };
}

/** The group's last success and the revision it deployed (GetDeploymentGroup's targetRevision). */
async function markLastSuccessful(deps: Pick<StepDeps, 'groups'>, record: DeploymentRecord): Promise<void> {
  await deps.groups.recordGroupDeploymentState(record.applicationName, record.deploymentGroupName, {
    lastSuccessfulDeploymentId: record.deploymentId,
    targetRevision: record.revision,
  });
}

/** The Finish Task of every flow: `${FinishFunctionArn}`. */
export const Finish = defineStep('Finish', finish, {
  // A Server deployment's end closes every unfinished target: 10,000 instances are 400 batched writes.
  timeoutSeconds: 900,
})(['deployments', 'groups', 'groupLocks', 'deploymentTargets', 'pendingWaits', 'alarmWatches', 'events']);
