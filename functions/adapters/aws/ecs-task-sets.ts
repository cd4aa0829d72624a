import {
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTaskSetsCommand,
  UpdateServicePrimaryTaskSetCommand,
  type ECSClient,
  type LaunchType,
  type NetworkConfiguration,
  type TaskSet,
} from '@aws-sdk/client-ecs';
import { EcsUpdateError, ResourceNotFoundError } from '../../domain/deployment-errors.js';
import type {
  CreateTaskSetInput,
  EcsNetworkConfiguration,
  EcsServiceInfo,
  EcsTaskSetsPort,
  TaskDefinitionInfo,
  TaskSetInfo,
  TaskSetStatus,
} from '../../ports/ecs-task-sets.js';
import { AwsServiceError, callAws } from './errors.js';

/**
 * What EcsTaskSets calls; the stack grants exactly these (checked by iam-actions.test.ts).
 * CreateTaskSet also passes the task definition's task and execution roles to ECS: `iam:PassRole`,
 * granted on exactly those roles.
 */
export const ECS_TASK_SETS_IAM_ACTIONS = [
  'ecs:DescribeServices',
  'ecs:DescribeTaskSets',
  'ecs:DescribeTaskDefinition',
  'ecs:CreateTaskSet',
  'ecs:UpdateServicePrimaryTaskSet',
  'ecs:DeleteTaskSet',
  'iam:PassRole',
] as const;

const SERVICE = 'ecs';

/** ECS's answers that mean the service is not one a deployment can use. */
const SERVICE_PROBLEMS = new Set([
  'ServiceNotFoundException',
  'ServiceNotActiveException',
  'ClusterNotFoundException',
]);
/** ECS's answers that mean it refused the change itself. */
const UPDATE_PROBLEMS = new Set([
  'InvalidParameterException',
  'ClientException',
  'PlatformUnknownException',
  'PlatformTaskDefinitionIncompatibilityException',
  'UnsupportedFeatureException',
  'TaskSetNotFoundException',
  'AccessDeniedException',
]);

/**
 * An ECS service with the EXTERNAL deployment controller, on `@aws-sdk/client-ecs`: its task sets are
 * described, created (with the deployment id as external id and as client token, so a retried
 * CreateTaskSet creates nothing twice), made primary and deleted.
 */
export class EcsTaskSets implements EcsTaskSetsPort {
  constructor(private readonly client: ECSClient) {}

  async describeService(cluster: string, service: string): Promise<EcsServiceInfo> {
    const response = await this.call('DescribeServices', `${cluster}/${service}`, () =>
      this.client.send(new DescribeServicesCommand({ cluster, services: [service] })),
    );
    const found = response.services?.[0];
    if (!found) {
      const reason = response.failures?.[0]?.reason ?? 'MISSING';
      throw new ResourceNotFoundError(
        `ecs.DescribeServices (${cluster}/${service}): ${reason}: the service does not exist in the cluster.`,
        `${cluster}/${service}`,
      );
    }
    return {
      serviceArn: found.serviceArn ?? '',
      serviceName: found.serviceName ?? service,
      clusterArn: found.clusterArn ?? cluster,
      status: found.status ?? 'INACTIVE',
      desiredCount: found.desiredCount ?? 0,
      deploymentController: found.deploymentController?.type ?? 'ECS',
      taskSets: (found.taskSets ?? []).map(taskSetInfo),
    };
  }

  async describeTaskSets(
    cluster: string,
    service: string,
    taskSetIds: readonly string[],
  ): Promise<TaskSetInfo[]> {
    if (taskSetIds.length === 0) return [];
    const response = await this.call('DescribeTaskSets', `${cluster}/${service}`, () =>
      this.client.send(new DescribeTaskSetsCommand({ cluster, service, taskSets: [...taskSetIds] })),
    );
    return (response.taskSets ?? []).map(taskSetInfo);
  }

  async describeTaskDefinition(taskDefinition: string): Promise<TaskDefinitionInfo> {
    const response = await this.call('DescribeTaskDefinition', taskDefinition, () =>
      this.client.send(new DescribeTaskDefinitionCommand({ taskDefinition })),
    );
    const definition = response.taskDefinition;
    if (!definition?.taskDefinitionArn) {
      throw new ResourceNotFoundError(
        `The task definition ${taskDefinition} does not exist.`,
        taskDefinition,
      );
    }
    return {
      taskDefinitionArn: definition.taskDefinitionArn,
      family: definition.family ?? '',
      revision: definition.revision ?? 0,
      containers: (definition.containerDefinitions ?? []).map((container) => ({
        name: container.name ?? '',
        containerPorts: (container.portMappings ?? [])
          .map((mapping) => mapping.containerPort)
          .filter((port): port is number => port !== undefined),
      })),
      ...(definition.taskRoleArn ? { taskRoleArn: definition.taskRoleArn } : {}),
      ...(definition.executionRoleArn ? { executionRoleArn: definition.executionRoleArn } : {}),
    };
  }

  async createTaskSet(input: CreateTaskSetInput): Promise<TaskSetInfo> {
    const resource = `${input.cluster}/${input.service}`;
    const response = await this.call('CreateTaskSet', resource, () =>
      this.client.send(
        new CreateTaskSetCommand({
          cluster: input.cluster,
          service: input.service,
          externalId: input.externalId,
          // ECS's own idempotency: the same token within its window returns the same task set.
          clientToken: input.externalId,
          taskDefinition: input.taskDefinition,
          loadBalancers: [
            {
              targetGroupArn: input.targetGroupArn,
              containerName: input.containerName,
              containerPort: input.containerPort,
            },
          ],
          ...(input.launchType ? { launchType: input.launchType as LaunchType } : {}),
          ...(input.platformVersion ? { platformVersion: input.platformVersion } : {}),
          ...(input.networkConfiguration
            ? { networkConfiguration: toNetworkConfiguration(input.networkConfiguration) }
            : {}),
          ...(input.capacityProviderStrategy?.length
            ? { capacityProviderStrategy: input.capacityProviderStrategy }
            : {}),
          scale: { unit: 'PERCENT', value: input.scalePercent },
        }),
      ),
    );
    if (!response.taskSet) throw new EcsUpdateError(`ecs.CreateTaskSet (${resource}) returned no task set.`);
    return taskSetInfo(response.taskSet);
  }

  async updateServicePrimaryTaskSet(cluster: string, service: string, taskSetId: string): Promise<void> {
    await this.call('UpdateServicePrimaryTaskSet', `${cluster}/${service}/${taskSetId}`, () =>
      this.client.send(
        new UpdateServicePrimaryTaskSetCommand({ cluster, service, primaryTaskSet: taskSetId }),
      ),
    );
  }

  async deleteTaskSet(cluster: string, service: string, taskSetId: string): Promise<void> {
    try {
      await this.call('DeleteTaskSet', `${cluster}/${service}/${taskSetId}`, () =>
        this.client.send(new DeleteTaskSetCommand({ cluster, service, taskSet: taskSetId, force: true })),
      );
    } catch (error) {
      // Deleted already (a retry after the first call went through): what was asked is done.
      const code =
        error instanceof EcsUpdateError && error.cause instanceof AwsServiceError && error.cause.code;
      if (code === 'TaskSetNotFoundException') return;
      throw error;
    }
  }

  /** `callAws`, with ECS's refusals said as the deployment error CodeDeploy reports for them. */
  private async call<T>(operation: string, resource: string, send: () => Promise<T>): Promise<T> {
    try {
      return await callAws({ service: SERVICE, operation, resource }, send);
    } catch (error) {
      if (!(error instanceof AwsServiceError)) throw error;
      if (SERVICE_PROBLEMS.has(error.code)) {
        throw new ResourceNotFoundError(error.message, resource, { cause: error });
      }
      if (UPDATE_PROBLEMS.has(error.code)) throw new EcsUpdateError(error.message, { cause: error });
      throw error;
    }
  }
}

function taskSetInfo(taskSet: TaskSet): TaskSetInfo {
  const awsvpc = taskSet.networkConfiguration?.awsvpcConfiguration;
  const network: EcsNetworkConfiguration | undefined = awsvpc
    ? {
        subnets: awsvpc.subnets ?? [],
        securityGroups: awsvpc.securityGroups ?? [],
        assignPublicIp: awsvpc.assignPublicIp === 'ENABLED' ? 'ENABLED' : 'DISABLED',
      }
    : undefined;
  const running = taskSet.runningCount ?? 0;
  return {
    id: taskSet.id ?? '',
    taskSetArn: taskSet.taskSetArn ?? '',
    ...(taskSet.externalId ? { externalId: taskSet.externalId } : {}),
    status: (taskSet.status ?? 'ACTIVE') as TaskSetStatus,
    taskDefinition: taskSet.taskDefinition ?? '',
    computedDesiredCount: taskSet.computedDesiredCount ?? 0,
    pendingCount: taskSet.pendingCount ?? 0,
    runningCount: running,
    stabilityStatus: taskSet.stabilityStatus === 'STEADY_STATE' ? 'STEADY_STATE' : 'STABILIZING',
    ...(taskSet.loadBalancers?.[0]?.targetGroupArn
      ? { targetGroupArn: taskSet.loadBalancers[0].targetGroupArn }
      : {}),
    ...(taskSet.launchType ? { launchType: taskSet.launchType } : {}),
    ...(taskSet.platformVersion ? { platformVersion: taskSet.platformVersion } : {}),
    ...(network ? { networkConfiguration: network } : {}),
    ...(taskSet.capacityProviderStrategy?.length
      ? {
          capacityProviderStrategy: taskSet.capacityProviderStrategy.map((provider) => ({
            capacityProvider: provider.capacityProvider ?? '',
            base: provider.base ?? 0,
            weight: provider.weight ?? 0,
          })),
        }
      : {}),
  };
}

function toNetworkConfiguration(network: EcsNetworkConfiguration): NetworkConfiguration {
  return {
    awsvpcConfiguration: {
      subnets: network.subnets,
      securityGroups: network.securityGroups,
      assignPublicIp: network.assignPublicIp,
    },
  };
}
