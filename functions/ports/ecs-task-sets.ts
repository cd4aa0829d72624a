/**
 * An ECS service that uses the EXTERNAL deployment controller, as a blue/green deployment drives it:
 * task sets are created, made primary and deleted by the deployment (ECS in AWS; the local ECS
 * service, whose tasks are processes, and the simulated one on the embedded runtime). Names follow
 * ECS's API (DescribeServices, CreateTaskSet, ...), trimmed to what the steps read.
 */
import type { EcsCapacityProvider, EcsNetworkConfiguration } from '../domain/appspec/model.js';
import type { RevisionLocation } from './records.js';

export type { EcsCapacityProvider, EcsNetworkConfiguration };

/** ECS's task-set status: PRIMARY serves the service, ACTIVE does not, DRAINING is going away. */
export type TaskSetStatus = 'PRIMARY' | 'ACTIVE' | 'DRAINING';

export interface TaskSetInfo {
  /** `ecs-svc/...` in AWS; the id UpdateServicePrimaryTaskSet and DeleteTaskSet take. */
  id: string;
  taskSetArn: string;
  /** What the creator tagged it with: stepdeploy puts the deployment id here. */
  externalId?: string;
  status: TaskSetStatus;
  taskDefinition: string;
  /** The desired count ECS computed from the service's desired count and the task set's scale. */
  computedDesiredCount: number;
  pendingCount: number;
  runningCount: number;
  /** STEADY_STATE once running = desired, nothing pending, and the load balancer reports them healthy. */
  stabilityStatus: 'STEADY_STATE' | 'STABILIZING';
  /** The target group the task set's tasks register in, by ARN (AWS) or name (locally). */
  targetGroupArn?: string;
  launchType?: string;
  platformVersion?: string;
  networkConfiguration?: EcsNetworkConfiguration;
  capacityProviderStrategy?: EcsCapacityProvider[];
}

export interface EcsServiceInfo {
  serviceArn: string;
  serviceName: string;
  clusterArn: string;
  /** ACTIVE, DRAINING or INACTIVE. */
  status: string;
  desiredCount: number;
  /** ECS, CODE_DEPLOY or EXTERNAL: stepdeploy deploys EXTERNAL services only. */
  deploymentController: string;
  taskSets: TaskSetInfo[];
}

/** What a task definition offers a deployment: its containers and the roles its tasks pass. */
export interface TaskDefinitionInfo {
  taskDefinitionArn: string;
  family: string;
  revision: number;
  containers: Array<{ name: string; containerPorts: number[] }>;
  taskRoleArn?: string;
  executionRoleArn?: string;
}

export interface CreateTaskSetInput {
  cluster: string;
  service: string;
  /** The deployment id: a retried CreateTaskSet finds the task set it made by this. */
  externalId: string;
  taskDefinition: string;
  /** The target group its tasks register in (the replacement of the pair). */
  targetGroupArn: string;
  containerName: string;
  containerPort: number;
  launchType?: string;
  platformVersion?: string;
  networkConfiguration?: EcsNetworkConfiguration;
  capacityProviderStrategy?: EcsCapacityProvider[];
  /** Percent of the service's desired count; 100 runs as many tasks as the original. */
  scalePercent: number;
}

export interface EcsTaskSetsPort {
  /** The service and its task sets; a service that does not exist is a ResourceNotFoundError. */
  describeService(cluster: string, service: string): Promise<EcsServiceInfo>;
  /** The named task sets of the service as they are now; ids it does not have are left out. */
  describeTaskSets(cluster: string, service: string, taskSetIds: readonly string[]): Promise<TaskSetInfo[]>;
  /**
   * The task definition an AppSpec names: an ARN or `family[:revision]`. On this machine it may also
   * be a task-definition JSON file relative to the revision's AppSpec, which is registered from it.
   */
  describeTaskDefinition(taskDefinition: string, revision?: RevisionLocation): Promise<TaskDefinitionInfo>;
  createTaskSet(input: CreateTaskSetInput): Promise<TaskSetInfo>;
  updateServicePrimaryTaskSet(cluster: string, service: string, taskSetId: string): Promise<void>;
  /** Deletes the task set and stops its tasks (force: even if not scaled down first). */
  deleteTaskSet(cluster: string, service: string, taskSetId: string): Promise<void>;
}

/** `family:revision` of a task definition ARN or reference, for messages. */
export function taskDefinitionLabel(taskDefinition: string): string {
  return taskDefinition.replace(/^arn:[^:]+:ecs:[^:]*:[^:]*:task-definition\//, '');
}
