import {
  HookExecutionFailedError,
  InvalidLifecycleEventHookExecutionIdException,
  InvalidLifecycleEventHookExecutionStatusException,
  LifecycleEventAlreadyCompletedException,
  UnsupportedActionForDeploymentTypeException,
} from '../domain/deployment-errors.js';
import type { StepDeps } from './deps.js';
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
export function putLifecycleEventHookExecutionStatus(deps: Pick<StepDeps, 'store' | 'callbacks' | 'clock'>) {
  return async (
    input: PutLifecycleEventHookExecutionStatusInput,
  ): Promise<{ lifecycleEventHookExecutionId: string }> => {
    const { store, callbacks, clock } = deps;
    const { deploymentId, lifecycleEventHookExecutionId: hookId, status } = input;
    if (status !== 'Succeeded' && status !== 'Failed') {
      throw new InvalidLifecycleEventHookExecutionStatusException(
        `The status ${status} is not valid for a lifecycle event hook execution. Use Succeeded or Failed.`,
      );
    }
    const record = await loadDeployment(store, deploymentId);
    if (record.computePlatform === 'Server') {
      throw new UnsupportedActionForDeploymentTypeException(
        'PutLifecycleEventHookExecutionStatus is for Lambda and ECS deployments; EC2/On-Premises hooks are scripts.',
      );
    }
    const hook = await store.getHookExecution(hookId);
    if (!hook || hook.deploymentId !== deploymentId) {
      throw new InvalidLifecycleEventHookExecutionIdException(
        `The lifecycle event hook execution id ${hookId} does not belong to deployment ${deploymentId}.`,
      );
    }
    // The conditional write makes a second answer fail, even when two arrive at once.
    await store.completeHookExecution(hookId, status);
    try {
      if (status === 'Succeeded') {
        await callbacks.sendTaskSuccess(hook.taskToken, {
          lifecycleEventName: hook.lifecycleEventName,
          status,
        });
      } else {
        await callbacks.sendTaskFailure(
          hook.taskToken,
          new HookExecutionFailedError('').name,
          `The ${hook.lifecycleEventName} hook ${hook.functionName} reported Failed.`,
        );
      }
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TaskTimedOut' || name === 'TaskDoesNotExist' || name === 'TaskTokenNoLongerValidError') {
        throw new LifecycleEventAlreadyCompletedException(
          `The ${hook.lifecycleEventName} lifecycle event of deployment ${deploymentId} already completed (it timed out or the deployment ended).`,
        );
      }
      throw error;
    }
    await store.clearPendingWait(deploymentId, hook.taskToken);
    const fresh = await loadDeployment(store, deploymentId);
    await store.updateDeployment(deploymentId, {
      lifecycleEvents: withLifecycleEvent(fresh, hook.lifecycleEventName, status, clock.now()),
    });
    return { lifecycleEventHookExecutionId: hookId };
  };
}
