/**
 * The ECS steps' shared reading of their record: the service, the route and the plan Prepare
 * recorded, and the task sets as CodeDeploy's ECSTarget reports them (taskSetsInfo).
 */
import { DeploymentFlowMismatchError } from '../domain/deployment-errors.js';
import type { TargetStatus } from '../domain/status.js';
import type { TaskSetInfo } from '../ports/ecs-task-sets.js';
import { targetGroupNameOf } from '../ports/listeners.js';
import type {
  DeploymentChanges,
  EcsDeploymentPlan,
  EcsDeploymentRecord,
  EcsTargetInfo,
  EcsTaskSetInfo,
} from '../ports/records.js';
import type { TargetGroupPairRoute } from '../ports/traffic-router.js';

/** What every ECS step after Prepare works on. */
export interface EcsContext {
  record: EcsDeploymentRecord;
  target: EcsTargetInfo;
  route: TargetGroupPairRoute;
  plan: EcsDeploymentPlan;
}

export function ecsContextOf(record: EcsDeploymentRecord): EcsContext {
  const { ecsTarget: target, ecsRoute: route, ecsPlan: plan } = record;
  if (!target || !route || !plan) {
    throw new DeploymentFlowMismatchError(
      `The ECS deployment ${record.deploymentId} has no service, route or plan recorded: its Prepare did not finish.`,
    );
  }
  return { record, target, route, plan };
}

export { targetGroupNameOf };

export function originalTaskSetInfo(
  taskSet: TaskSetInfo,
  targetGroup: string,
  testListener: boolean,
): EcsTaskSetInfo {
  return {
    ...counts(taskSet),
    status: taskSet.status,
    trafficWeight: 100,
    targetGroup: { name: targetGroup },
    taskSetLabel: 'Blue',
    taskDefinition: taskSet.taskDefinition,
    ...(testListener ? { testTrafficWeight: 100 } : {}),
  };
}

export function replacementTaskSetInfo(
  taskSet: TaskSetInfo,
  targetGroup: string,
  testListener: boolean,
): EcsTaskSetInfo {
  return {
    ...counts(taskSet),
    status: taskSet.status,
    trafficWeight: 0,
    targetGroup: { name: targetGroup },
    taskSetLabel: 'Green',
    taskDefinition: taskSet.taskDefinition,
    ...(testListener ? { testTrafficWeight: 0 } : {}),
  };
}

function counts(taskSet: TaskSetInfo) {
  return {
    identifer: taskSet.id,
    desiredCount: taskSet.computedDesiredCount,
    pendingCount: taskSet.pendingCount,
    runningCount: taskSet.runningCount,
  };
}

/** The recorded task set of that label, if the deployment has one. */
export function taskSetOf(target: EcsTargetInfo, label: 'Blue' | 'Green'): EcsTaskSetInfo | undefined {
  return target.taskSetsInfo.find((taskSet) => taskSet.taskSetLabel === label);
}

/**
 * The record's target with the live state of its task sets (counts and status), a task set that is
 * gone marked DELETED, and optionally a new target status.
 */
export function targetChanges(
  context: EcsContext,
  now: Date,
  live: readonly TaskSetInfo[],
  options: { status?: TargetStatus; add?: EcsTaskSetInfo } = {},
): DeploymentChanges {
  const taskSets = [...context.target.taskSetsInfo, ...(options.add ? [options.add] : [])];
  const byId = new Map(live.map((taskSet) => [taskSet.id, taskSet]));
  return {
    ecsTarget: {
      ...context.target,
      ...(options.status ? { status: options.status } : {}),
      lastUpdatedAt: now.toISOString(),
      taskSetsInfo: taskSets.map((info) => {
        const found = byId.get(info.identifer);
        return found ? { ...info, ...counts(found), status: found.status } : { ...info, status: 'DELETED' };
      }),
    },
  };
}
