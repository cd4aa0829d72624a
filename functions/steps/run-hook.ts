import { formatHookExecutionId } from '../domain/hook-execution-id.js';
import { assertAlarmsQuiet } from './alarm-check.js';
import { defineStep, type StepDeps } from './deps.js';
import { withLifecycleEvent } from './lifecycle-records.js';
import { assertNotStopped, loadDeployment } from './load-deployment.js';

export interface RunHookInput {
  deploymentId: string;
  lifecycleEventName: string;
  taskToken: string;
}

/**
 * Starts a Lambda/ECS hook the way CodeDeploy does: invoke the function asynchronously with
 * {DeploymentId, LifecycleEventHookExecutionId} and leave the state parked on its task token until
 * PutLifecycleEventHookExecutionStatus answers. An event with no hook succeeds at once.
 */
export function runHook(
  deps: Pick<
    StepDeps,
    'deployments' | 'hookExecutions' | 'pendingWaits' | 'hooks' | 'callbacks' | 'clock' | 'random' | 'alarms'
  >,
) {
  return async ({ deploymentId, lifecycleEventName, taskToken }: RunHookInput): Promise<void> => {
    const { deployments, pendingWaits, clock } = deps;
    const record = await loadDeployment(deployments, deploymentId);
    assertNotStopped(record);
    const appSpec = record.appSpec;
    const hook =
      appSpec && appSpec.platform !== 'server'
        ? appSpec.hooks.find((h) => h.event === lifecycleEventName)
        : undefined;
    if (!hook) {
      // No wait to register: read the alarms, as the end of a bake would (the last shift just moved traffic).
      await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
      await deployments.updateDeployment(deploymentId, {
        lifecycleEvents: withLifecycleEvent(record, lifecycleEventName, 'Succeeded', clock.now()),
      });
      await deps.callbacks.sendTaskSuccess(taskToken, { lifecycleEventName, hook: null });
      return;
    }
    const hookExecutionId = formatHookExecutionId(deps.random.bytes(32));
    const since = clock.now().toISOString();
    await deps.hookExecutions.putHookExecution({
      lifecycleEventHookExecutionId: hookExecutionId,
      deploymentId,
      lifecycleEventName,
      functionName: hook.functionName,
      taskToken,
      status: 'Pending',
      createTime: since,
    });
    await pendingWaits.putPendingWait({
      deploymentId,
      taskToken,
      kind: 'Hook',
      stateName: lifecycleEventName,
      since,
    });
    // As in a bake: the wait is registered BEFORE the alarms are read, so an alarm that changed since
    // the last read (EventBridge found no wait to fail) is seen here, and a later change fails the wait.
    try {
      await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
    } catch (error) {
      await pendingWaits.clearPendingWait(deploymentId, taskToken);
      throw error;
    }
    await deployments.updateDeployment(deploymentId, {
      lifecycleEvents: withLifecycleEvent(record, lifecycleEventName, 'InProgress', clock.now()),
    });
    await deps.hooks.invokeHook(hook.functionName, {
      DeploymentId: deploymentId,
      LifecycleEventHookExecutionId: hookExecutionId,
    });
  };
}

/** The hook Tasks of the Lambda flow (BeforeAllowTraffic, AfterAllowTraffic): `${RunHookFunctionArn}`. */
export const RunHook = defineStep(
  'RunHook',
  runHook,
)(['deployments', 'hookExecutions', 'pendingWaits', 'hooks', 'callbacks', 'alarms']);
