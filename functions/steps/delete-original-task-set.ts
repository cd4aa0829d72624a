import { defineStep, type StepDeps } from './deps.js';
import { ecsContextOf, targetChanges, taskSetOf } from './ecs-target.js';
import { assertNotStopped, loadDeploymentOf } from './load-deployment.js';

export interface DeleteOriginalTaskSetInput {
  deploymentId: string;
}

/**
 * The end of an ECS deployment: the termination wait is over, so the original task set is deleted
 * (its tasks stop). Idempotent: a task set already gone is not deleted twice. A stop that arrived
 * during the wait's last moments is honoured first: the original then stays for the rollback.
 */
export function deleteOriginalTaskSet(deps: Pick<StepDeps, 'deployments' | 'ecs' | 'clock'>) {
  return async ({ deploymentId }: DeleteOriginalTaskSetInput): Promise<void> => {
    const { deployments, ecs } = deps;
    const record = await loadDeploymentOf(deployments, deploymentId, 'ECS');
    assertNotStopped(record);
    const context = ecsContextOf(record);
    const { target } = context;
    const original = taskSetOf(target, 'Blue');
    let service = await ecs.describeService(target.clusterName, target.serviceName);
    if (original && service.taskSets.some((taskSet) => taskSet.id === original.identifer)) {
      await ecs.deleteTaskSet(target.clusterName, target.serviceName, original.identifer);
      service = await ecs.describeService(target.clusterName, target.serviceName);
    }
    await deployments.updateDeployment(
      deploymentId,
      targetChanges(context, deps.clock.now(), service.taskSets),
    );
  };
}

/** The DeleteOriginalTaskSet Task of the ECS flow: `${DeleteOriginalTaskSetFunctionArn}`. */
export const DeleteOriginalTaskSet = defineStep(
  'DeleteOriginalTaskSet',
  deleteOriginalTaskSet,
)(['deployments', 'ecs']);
