import {
  HookExecutionFailedError,
  InvalidLifecycleEventHookExecutionIdException,
  InvalidLifecycleEventHookExecutionStatusException,
  LifecycleEventAlreadyCompletedException,
  UnsupportedActionForDeploymentTypeException,
} from '../domain/deployment-errors.js';
import type { DeploymentRecords } from '../ports/deployment-store.js';
import type { LifecycleEventRecord } from '../ports/records.js';
import type { StepDeps } from './deps.js';
import { isDeadTokenError } from './task-tokens.js';
import { withLifecycleEvent } from './lifecycle-records.js';
import { loadDeployment } from './load-deployment.js';

export interface PutLifecycleEventHookExecutionStatusInput {
  deploymentId: string;
  lifecycleEventHookExecutionId: string;
  status: string;
}

/**
 * CodeDeploy's PutLifecycleEventHookExecutionStatus: a hook function reports Succeeded or Failed, and
 * the deployment's parked hook state resumes. Exceptions are CodeDeploy's.
 */
export function putLifecycleEventHookExecutionStatus(
  deps: Pick<StepDeps, 'deployments' | 'hookExecutions' | 'pendingWaits' | 'callbacks' | 'clock'>,
) {
  return async (
    input: PutLifecycleEventHookExecutionStatusInput,
  ): Promise<{ lifecycleEventHookExecutionId: string }> => {
    const { deployments, hookExecutions, callbacks, clock } = deps;
    const { deploymentId, lifecycleEventHookExecutionId: hookId, status } = input;
    if (status !== 'Succeeded' && status !== 'Failed') {
      throw new InvalidLifecycleEventHookExecutionStatusException(
        `The status ${status} is not valid for a lifecycle event hook execution. Use Succeeded or Failed.`,
      );
    }
    const record = await loadDeployment(deployments, deploymentId);
    if (record.computePlatform === 'Server') {
      throw new UnsupportedActionForDeploymentTypeException(
        'PutLifecycleEventHookExecutionStatus is for Lambda and ECS deployments; EC2/On-Premises hooks are scripts.',
      );
    }
    const hook = await hookExecutions.getHookExecution(hookId);
    if (!hook || hook.deploymentId !== deploymentId) {
      throw new InvalidLifecycleEventHookExecutionIdException(
        `The lifecycle event hook execution id ${hookId} does not belong to deployment ${deploymentId}.`,
      );
    }
    // The conditional write makes a second answer fail, even when two arrive at once.
    await hookExecutions.completeHookExecution(hookId, status);
    // The answer is recorded BEFORE the token resumes the state machine: the next state (ShiftTraffic,
    // Finish, Rollback) rewrites the lifecycle events from its own read, so a write made after the
    // resume raced with it and could undo its changes (or put back events it had closed).
    const before = await loadDeployment(deployments, deploymentId);
    const event = before.lifecycleEvents?.find((e) => e.lifecycleEventName === hook.lifecycleEventName);
    // Only an event still waiting for its hook takes the answer; one that timed out or was failed by
    // a stop or an alarm keeps the status the deployment gave it.
    const recorded = event?.status === 'InProgress';
    const failedMessage = `The ${hook.lifecycleEventName} hook ${hook.functionName} reported Failed.`;
    if (recorded) {
      await deployments.updateDeployment(deploymentId, {
        lifecycleEvents: withLifecycleEvent(
          before,
          hook.lifecycleEventName,
          status,
          clock.now(),
          status === 'Failed' ? { errorCode: 'UnknownError', message: failedMessage } : undefined,
        ),
      });
    }
    try {
      if (status === 'Succeeded') {
        await callbacks.sendTaskSuccess(hook.taskToken, {
          lifecycleEventName: hook.lifecycleEventName,
          status,
        });
      } else {
        await callbacks.sendTaskFailure(hook.taskToken, new HookExecutionFailedError('').name, failedMessage);
      }
    } catch (error) {
      if (isDeadTokenError(error)) {
        // Too late: the token had already timed out or been failed. Put the event back as it was, so
        // the deployment's own ending (Rollback, Finish) decides its status.
        if (recorded && event) await restoreLifecycleEvent(deployments, deploymentId, event, status);
        throw new LifecycleEventAlreadyCompletedException(
          `The ${hook.lifecycleEventName} lifecycle event of deployment ${deploymentId} already completed (it timed out or the deployment ended).`,
        );
      }
      throw error;
    }
    await deps.pendingWaits.clearPendingWait(deploymentId, hook.taskToken);
    return { lifecycleEventHookExecutionId: hookId };
  };
}

/** Undoes this answer's write, unless something else has changed the event since. */
async function restoreLifecycleEvent(
  deployments: DeploymentRecords,
  deploymentId: string,
  previous: LifecycleEventRecord,
  answered: string,
): Promise<void> {
  const fresh = await loadDeployment(deployments, deploymentId);
  const events = fresh.lifecycleEvents ?? [];
  const current = events.find((e) => e.lifecycleEventName === previous.lifecycleEventName);
  if (current?.status !== answered) return;
  await deployments.updateDeployment(deploymentId, {
    lifecycleEvents: events.map((e) => (e === current ? previous : e)),
  });
}
