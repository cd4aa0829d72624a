import { EcsUpdateError } from '../domain/deployment-errors.js';
import { assertAlarmsQuiet } from './alarm-check.js';
import { defineStep, type StepDeps } from './deps.js';
import { ecsContextOf, targetChanges, taskSetOf } from './ecs-target.js';
import { withLifecycleEvent } from './lifecycle-records.js';
import { assertNotStopped, loadDeploymentOf } from './load-deployment.js';

export interface WaitForTaskSetInput {
  deploymentId: string;
  taskToken: string;
}

/** The token's result once the replacement is stable. */
export interface TaskSetStable {
  stable: true;
  runningCount: number;
  healthyTargets: number;
}

/**
 * One look at the replacement task set while it starts, as a token wait bounded by the poll
 * interval: stable (its tasks all running, none pending, as many healthy targets in the replacement
 * target group) completes the token and Install; otherwise the deployment is parked on the token, so
 * a stop or an alarm ends the wait at once, and its timeout (the next poll) comes back here. Past
 * the install timeout (`trafficTimeoutSeconds` from Install's start) the deployment fails.
 */
export function waitForTaskSet(
  deps: Pick<
    StepDeps,
    'deployments' | 'ecs' | 'listeners' | 'pendingWaits' | 'callbacks' | 'alarms' | 'clock' | 'settings'
  >,
) {
  return async ({ deploymentId, taskToken }: WaitForTaskSetInput): Promise<void> => {
    const { deployments, ecs, clock } = deps;
    const record = await loadDeploymentOf(deployments, deploymentId, 'ECS');
    assertNotStopped(record);
    const context = ecsContextOf(record);
    const { target, route } = context;
    const replacement = taskSetOf(target, 'Green');
    if (!replacement) {
      throw new EcsUpdateError(`The deployment ${deploymentId} has no replacement task set to wait for.`);
    }
    const service = await ecs.describeService(target.clusterName, target.serviceName);
    const live = service.taskSets.find((taskSet) => taskSet.id === replacement.identifer);
    if (!live) {
      throw new EcsUpdateError(
        `The replacement task set ${replacement.identifer} of ${target.serviceName} is gone: someone deleted it during the deployment.`,
      );
    }
    const health = await deps.listeners.describeTargetHealth(route.replacementTargetGroup);
    const healthy = health.filter((t) => t.state === 'healthy').length;
    const desired = live.computedDesiredCount;
    const stable = live.runningCount >= desired && live.pendingCount === 0 && healthy >= desired;
    const now = clock.now();
    const progress = `${live.runningCount} of ${desired} task(s) running, ${healthy} healthy target(s) in ${route.replacementTargetGroup}`;
    await deployments.updateDeployment(deploymentId, {
      ...targetChanges(context, now, service.taskSets),
      ...(stable ? { lifecycleEvents: withLifecycleEvent(record, 'Install', 'Succeeded', now) } : {}),
    });
    if (stable) {
      const result: TaskSetStable = {
        stable: true,
        runningCount: live.runningCount,
        healthyTargets: healthy,
      };
      await deps.callbacks.sendTaskSuccess(taskToken, result);
      return;
    }
    const started = record.lifecycleEvents?.find((e) => e.lifecycleEventName === 'Install')?.startTime;
    const timeoutSeconds = deps.settings.trafficTimeoutSeconds;
    if (started && now.getTime() - Date.parse(started) >= timeoutSeconds * 1000) {
      throw new EcsUpdateError(
        `The replacement task set ${live.id} of ${target.serviceName} did not become stable within ${timeoutSeconds} s: ${progress}.`,
      );
    }
    await deps.pendingWaits.putPendingWait({
      deploymentId,
      taskToken,
      kind: 'TaskSetWait',
      stateName: 'WaitForTaskSet',
      since: now.toISOString(),
    });
    // As in a bake: registered first, then the alarms and the stop request are read, so a change in
    // between is seen by this read or fails the registered wait.
    try {
      await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
      assertNotStopped(await loadDeploymentOf(deployments, deploymentId, 'ECS'));
    } catch (error) {
      await deps.pendingWaits.clearPendingWait(deploymentId, taskToken);
      throw error;
    }
  };
}

/** The WaitForTaskSet Task of the ECS flow: `${WaitForTaskSetFunctionArn}`. */
export const WaitForTaskSet = defineStep(
  'WaitForTaskSet',
  waitForTaskSet,
)(['deployments', 'ecs', 'listeners', 'pendingWaits', 'callbacks', 'alarms']);
