import { EcsUpdateError } from '../domain/deployment-errors.js';
import type { TaskSetInfo } from '../ports/ecs-task-sets.js';
import { assertAlarmsQuiet } from './alarm-check.js';
import { errorMessage, errorName } from './caught-errors.js';
import { defineStep, type StepDeps } from './deps.js';
import { ecsContextOf, replacementTaskSetInfo, targetChanges } from './ecs-target.js';
import { withLifecycleEvent } from './lifecycle-records.js';
import { assertNotStopped, loadDeploymentOf } from './load-deployment.js';

export interface CreateTaskSetInput {
  deploymentId: string;
}

export interface CreateTaskSetOutput {
  taskSetId: string;
}

/**
 * CodeDeploy's Install event: the replacement task set, created on the replacement target group
 * from the AppSpec's task definition, container and port (platform version, network configuration
 * and capacity providers from the AppSpec, else as the original runs), scaled to the service's
 * desired count. Idempotent: the task set carries the deployment id as its external id, so a retry
 * finds the one it made instead of making a second.
 */
export function createTaskSet(deps: Pick<StepDeps, 'deployments' | 'ecs' | 'alarms' | 'clock'>) {
  return async ({ deploymentId }: CreateTaskSetInput): Promise<CreateTaskSetOutput> => {
    const { deployments, ecs, clock } = deps;
    const record = await loadDeploymentOf(deployments, deploymentId, 'ECS');
    assertNotStopped(record);
    await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
    const context = ecsContextOf(record);
    const { target, route, plan } = context;
    const appSpec = record.appSpec!;
    const service = await ecs.describeService(target.clusterName, target.serviceName);
    let replacement = service.taskSets.find((taskSet) => taskSet.externalId === deploymentId);
    const now = clock.now();
    await deployments.updateDeployment(deploymentId, {
      lifecycleEvents: withLifecycleEvent(record, 'Install', 'InProgress', now),
    });
    if (!replacement) {
      const strategy = appSpec.capacityProviderStrategy ?? plan.capacityProviderStrategy;
      try {
        replacement = await ecs.createTaskSet({
          cluster: target.clusterName,
          service: target.serviceName,
          externalId: deploymentId,
          taskDefinition: plan.taskDefinitionArn,
          targetGroupArn: plan.replacementTargetGroupArn,
          containerName: appSpec.containerName,
          containerPort: appSpec.containerPort,
          // ECS takes a launch type or a capacity provider strategy, never both.
          ...(strategy?.length
            ? { capacityProviderStrategy: strategy }
            : plan.launchType
              ? { launchType: plan.launchType }
              : {}),
          ...(appSpec.platformVersion || plan.platformVersion
            ? { platformVersion: appSpec.platformVersion ?? plan.platformVersion }
            : {}),
          ...(appSpec.networkConfiguration || plan.networkConfiguration
            ? { networkConfiguration: appSpec.networkConfiguration ?? plan.networkConfiguration }
            : {}),
          scalePercent: 100,
        });
      } catch (error) {
        if (errorName(error) === 'ThrottlingError') throw error;
        throw new EcsUpdateError(
          `ECS did not create the replacement task set of ${target.serviceName}: ${errorMessage(error)}`,
        );
      }
    }
    const live: TaskSetInfo[] = [
      ...service.taskSets.filter((taskSet) => taskSet.id !== replacement.id),
      replacement,
    ];
    const withEvent = await loadDeploymentOf(deployments, deploymentId, 'ECS');
    await deployments.updateDeployment(
      deploymentId,
      targetChanges(ecsContextOf(withEvent), now, live, {
        ...(withEvent.ecsTarget?.taskSetsInfo.some((t) => t.identifer === replacement.id)
          ? {}
          : {
              add: replacementTaskSetInfo(
                replacement,
                route.replacementTargetGroup,
                route.testTrafficRoute !== undefined,
              ),
            }),
      }),
    );
    return { taskSetId: replacement.id };
  };
}

/** The Install Task of the ECS flow: `${CreateTaskSetFunctionArn}`. */
export const CreateTaskSet = defineStep('CreateTaskSet', createTaskSet)(['deployments', 'ecs', 'alarms']);
