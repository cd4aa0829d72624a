import { defineStep, type StepDeps } from './deps.js';
import { ecsContextOf, targetChanges, taskSetOf } from './ecs-target.js';
import { assertNotStopped, loadDeploymentOf } from './load-deployment.js';
import { EcsUpdateError } from '../domain/deployment-errors.js';

export interface SetPrimaryTaskSetInput {
  deploymentId: string;
}

/**
 * After AfterAllowTraffic: the replacement, which serves all production traffic now, becomes the
 * service's primary task set (UpdateServicePrimaryTaskSet), and the ECS target is Succeeded; the
 * original is kept until the termination wait ends. Idempotent: a primary replacement is left as is.
 */
export function setPrimaryTaskSet(deps: Pick<StepDeps, 'deployments' | 'ecs' | 'clock'>) {
  return async ({ deploymentId }: SetPrimaryTaskSetInput): Promise<void> => {
    const { deployments, ecs } = deps;
    const record = await loadDeploymentOf(deployments, deploymentId, 'ECS');
    assertNotStopped(record);
    const context = ecsContextOf(record);
    const { target } = context;
    const replacement = taskSetOf(target, 'Green');
    if (!replacement) throw new EcsUpdateError(`The deployment ${deploymentId} has no replacement task set.`);
    let service = await ecs.describeService(target.clusterName, target.serviceName);
    const live = service.taskSets.find((taskSet) => taskSet.id === replacement.identifer);
    if (!live) {
      throw new EcsUpdateError(
        `The replacement task set ${replacement.identifer} of ${target.serviceName} is gone: someone deleted it during the deployment.`,
      );
    }
    if (live.status !== 'PRIMARY') {
      await ecs.updateServicePrimaryTaskSet(target.clusterName, target.serviceName, live.id);
      service = await ecs.describeService(target.clusterName, target.serviceName);
    }
    await deployments.updateDeployment(
      deploymentId,
      targetChanges(context, deps.clock.now(), service.taskSets, { status: 'Succeeded' }),
    );
  };
}

/** The SetPrimaryTaskSet Task of the ECS flow: `${SetPrimaryTaskSetFunctionArn}`. */
export const SetPrimaryTaskSet = defineStep('SetPrimaryTaskSet', setPrimaryTaskSet)(['deployments', 'ecs']);
