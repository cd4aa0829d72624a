import { isDeploymentId } from '../domain/deployment-id.js';
import type { ErrorCode } from '../domain/status.js';
import type { ErrorInformation } from '../ports/records.js';
import { abandonDeployment, isUnfinished } from './abandon-deployment.js';
import { cancelCommandsInFlight } from './commands-in-flight.js';
import type { StepDeps } from './deps.js';
import { publishDeploymentEvent } from './publish-event.js';

/** The Step Functions statuses that end an execution without its Finish state having run. */
export type EndedExecutionStatus = 'TIMED_OUT' | 'ABORTED' | 'FAILED';

export interface OnExecutionEndedInput {
  executionArn: string;
  /** The execution name: the deployment id, or a foreign name (CodePipeline) Prepare claimed. */
  executionName: string;
  status: EndedExecutionStatus;
  /** The execution input's fields, when the event carried it (it is left out above 256 KiB). */
  request?: { deploymentId?: string; applicationName?: string; deploymentGroupName?: string };
}

export type OnExecutionEndedOutput =
  | { ended: true; deploymentId: string; status: 'Failed'; errorCode: string }
  | { ended: false; deploymentId?: string; reason: string };

/** What each ending means for the user, and what to do about it. */
const ENDINGS: Record<EndedExecutionStatus, { code: ErrorCode; detail: string }> = {
  ABORTED: {
    code: 'INTERNAL_ERROR',
    detail: 'it was stopped in Step Functions; stop a deployment with StopDeployment instead',
  },
  TIMED_OUT: {
    code: 'TIMEOUT',
    detail: "the state machine's TimeoutSeconds passed",
  },
  FAILED: {
    code: 'INTERNAL_ERROR',
    detail: "a state failed outside the state machine's Catch; the execution's history shows which",
  },
};

export function endedExecutionError(executionArn: string, status: EndedExecutionStatus): ErrorInformation {
  const { code, detail } = ENDINGS[status];
  return {
    code,
    message: `The Step Functions execution ${executionArn} was ${status} before the deployment finished (${detail}); the deployment was marked failed and its deployment group unlocked.`,
  };
}

/**
 * Target of the EventBridge rule on executions that end TIMED_OUT, ABORTED or FAILED: the state
 * machine's Finish never ran, so the deployment would stay in progress and its group locked. An
 * unfinished deployment's running commands are cancelled, it ends as Failed (abandonDeployment) and
 * its FAILURE event is published; one
 * already ended is left as it is.
 */
export function onExecutionEnded(
  deps: Pick<
    StepDeps,
    | 'deployments'
    | 'executionNames'
    | 'groupLocks'
    | 'deploymentTargets'
    | 'pendingWaits'
    | 'alarmWatches'
    | 'commandWaits'
    | 'serverBatches'
    | 'events'
    | 'clock'
    | 'transport'
  >,
) {
  return async (input: OnExecutionEndedInput): Promise<OnExecutionEndedOutput> => {
    const { deployments, groupLocks } = deps;
    const { executionArn, executionName, status, request } = input;
    const deploymentId =
      request?.deploymentId ??
      (isDeploymentId(executionName)
        ? executionName
        : await deps.executionNames.claimedDeploymentId(executionName));
    if (!deploymentId) {
      return { ended: false, reason: `No deployment was created for the execution ${executionArn}.` };
    }
    const record = await deployments.getDeployment(deploymentId);
    if (!record) {
      // Prepare may have taken the lock and ended before it recorded anything: release it (a no-op
      // unless this deployment holds it).
      if (request?.applicationName && request.deploymentGroupName) {
        await groupLocks.releaseGroupLock(request.applicationName, request.deploymentGroupName, deploymentId);
      }
      return {
        ended: false,
        deploymentId,
        reason: `The execution ${executionArn} ended ${status} before it recorded the deployment ${deploymentId}.`,
      };
    }
    if (!isUnfinished(record)) {
      // Finish may have recorded the outcome and then failed before it released the lock.
      await groupLocks.releaseGroupLock(record.applicationName, record.deploymentGroupName, deploymentId);
      return {
        ended: false,
        deploymentId,
        reason: `The deployment ${deploymentId} had already ended (${record.status}); nothing to do.`,
      };
    }
    // The scripts of the event in flight would run on after the group is unlocked, maybe alongside the
    // next deployment: stop them first, as a stop or an alarm does.
    await cancelCommandsInFlight(deps, record);
    const errorInformation = endedExecutionError(executionArn, status);
    const ended = await abandonDeployment(deps)(record, errorInformation);
    if (!ended) {
      return {
        ended: false,
        deploymentId,
        reason: `The deployment ${deploymentId} ended while this event was handled; nothing to do.`,
      };
    }
    await publishDeploymentEvent(deps, ended, 'FAILURE');
    return { ended: true, deploymentId, status: 'Failed', errorCode: errorInformation.code };
  };
}
