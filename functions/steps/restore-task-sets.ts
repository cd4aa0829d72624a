import { defineStep, type StepDeps } from './deps.js';
import { ecsContextOf, targetChanges, taskSetOf } from './ecs-target.js';
import { loadDeploymentOf } from './load-deployment.js';
import type { RollbackOutput } from './rollback.js';

export interface RestoreTaskSetsInput {
  deploymentId: string;
  rollback: Pick<RollbackOutput, 'restoring'>;
}

export interface RestoreTaskSetsOutput {
  /** The original task set was made primary again (the replacement had become primary). */
  primaryRestored: boolean;
  /** The replacement task set was deleted. */
  replacementDeleted: boolean;
}

/**
 * The ECS half of a rollback, after Rollback put both listeners back on the original target group:
 * the original task set is primary again and the replacement is deleted, so the service is exactly
 * as before the deployment. A StopDeployment without rollback leaves both task sets where they are,
 * as CodeDeploy does. Idempotent: it reads the service first and changes only what differs; a
 * replacement that Install created but never recorded is found by its external id.
 */
export function restoreTaskSets(deps: Pick<StepDeps, 'deployments' | 'ecs' | 'clock'>) {
  return async ({ deploymentId, rollback }: RestoreTaskSetsInput): Promise<RestoreTaskSetsOutput> => {
    const { deployments, ecs } = deps;
    const record = await loadDeploymentOf(deployments, deploymentId, 'ECS');
    const nothing = { primaryRestored: false, replacementDeleted: false };
    if (!record.ecsTarget || !record.ecsRoute || !record.ecsPlan) return nothing;
    const context = ecsContextOf(record);
    const { target } = context;
    const now = deps.clock.now();
    if (!rollback.restoring) {
      await deployments.updateDeployment(
        deploymentId,
        targetChanges(
          context,
          now,
          (await ecs.describeService(target.clusterName, target.serviceName)).taskSets,
          {
            status: 'Failed',
          },
        ),
      );
      return nothing;
    }
    const original = taskSetOf(target, 'Blue');
    const recordedReplacement = taskSetOf(target, 'Green');
    let service = await ecs.describeService(target.clusterName, target.serviceName);
    const result = { ...nothing };
    const liveOriginal = service.taskSets.find((taskSet) => taskSet.id === original?.identifer);
    if (liveOriginal && liveOriginal.status !== 'PRIMARY') {
      await ecs.updateServicePrimaryTaskSet(target.clusterName, target.serviceName, liveOriginal.id);
      result.primaryRestored = true;
    }
    const replacements = service.taskSets.filter(
      (taskSet) => taskSet.id === recordedReplacement?.identifer || taskSet.externalId === deploymentId,
    );
    for (const replacement of replacements) {
      await ecs.deleteTaskSet(target.clusterName, target.serviceName, replacement.id);
      result.replacementDeleted = true;
    }
    if (result.primaryRestored || result.replacementDeleted) {
      service = await ecs.describeService(target.clusterName, target.serviceName);
    }
    await deployments.updateDeployment(
      deploymentId,
      targetChanges(context, now, service.taskSets, { status: 'Failed' }),
    );
    return result;
  };
}

/** The RestoreTaskSets Task of the ECS flow: `${RestoreTaskSetsFunctionArn}`. */
export const RestoreTaskSets = defineStep('RestoreTaskSets', restoreTaskSets)(['deployments', 'ecs']);
