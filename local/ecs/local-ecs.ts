/**
 * ECS on this machine, at the level the deployment steps see it (EcsTaskSetsPort): services with the
 * EXTERNAL deployment controller, task sets, and tasks. How a task runs and how it is put behind the
 * load balancer are given: the real local service runs each task as a process group and registers it
 * in a target group of the local load balancer (local/ecs/ecs-environment.ts); the simulated one used
 * by `stepdeploy simulate` starts tasks on timers (local/simulated/ecs.ts). ECS's rules are kept: a
 * task set's desired count is its scale of the service's, one task set is PRIMARY, a deleted task
 * set's tasks leave their target group before they stop.
 */
import { EcsUpdateError, ResourceNotFoundError } from '../../functions/domain/deployment-errors.js';
import type {
  CreateTaskSetInput,
  EcsServiceInfo,
  EcsTaskSetsPort,
  TaskDefinitionInfo,
  TaskSetInfo,
  TaskSetStatus,
} from '../../functions/ports/ecs-task-sets.js';
import type { RevisionLocation } from '../../functions/ports/records.js';
import {
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  taskDefinitionInfo,
  TaskDefinitionRegistry,
  type LocalTaskDefinition,
} from './task-definitions.js';

export type TaskStatus = 'PROVISIONING' | 'PENDING' | 'RUNNING' | 'STOPPED';

export interface LocalTask {
  taskId: string;
  taskSetId: string;
  taskDefinitionArn: string;
  lastStatus: TaskStatus;
  /** Where its load-balanced container listens (127.0.0.1), once running. */
  hostPort?: number;
  stoppedReason?: string;
}

/** How tasks run: as processes (the real local service) or on timers (the simulation). */
export interface TaskRunner {
  /**
   * Starts the task's containers; `running` once they run (with the host port of the container the
   * load balancer sends to), `stopped` if they end by themselves.
   */
  start(
    task: LocalTask,
    definition: LocalTaskDefinition,
    containerName: string,
    events: { running(hostPort: number): void; stopped(reason: string): void },
  ): void;
  /** Stops the task's containers (their whole process groups); resolves once they are gone. */
  stop(task: LocalTask): Promise<void>;
}

/** Where running tasks are put behind the load balancer: a target per task in the task set's group. */
export interface TaskTargets {
  register(targetGroup: string, targetId: string, hostPort: number): Promise<void>;
  deregister(targetGroup: string, targetId: string): Promise<void>;
}

interface LocalTaskSet {
  id: string;
  taskSetArn: string;
  externalId?: string;
  status: TaskSetStatus;
  taskDefinitionArn: string;
  targetGroup: string;
  containerName: string;
  containerPort: number;
  scalePercent: number;
  launchType?: string;
  platformVersion?: string;
  tasks: LocalTask[];
}

interface LocalService {
  cluster: string;
  serviceName: string;
  serviceArn: string;
  desiredCount: number;
  taskSets: LocalTaskSet[];
}

/** What survives the process: task definitions, services and task sets (tasks are started again). */
export interface LocalEcsSnapshot {
  taskDefinitions: LocalTaskDefinition[];
  services: Array<Omit<LocalService, 'taskSets'> & { taskSets: Array<Omit<LocalTaskSet, 'tasks'>> }>;
  nextId: number;
}

export interface LocalEcsOptions {
  runner: TaskRunner;
  targets: TaskTargets;
  /** Called after every change of services and task sets (the real service persists them). */
  onChange?: (snapshot: LocalEcsSnapshot) => void;
  /** Where a relative task-definition path is read from when a revision names none. */
  baseDirectory?: string;
  /** Reports a failure nobody awaits (a target that could not be registered). */
  onError?: (error: unknown) => void;
}

export class LocalEcs implements EcsTaskSetsPort {
  readonly taskDefinitions = new TaskDefinitionRegistry();
  private readonly services = new Map<string, LocalService>();
  private nextId = 1;
  private readonly onError: (error: unknown) => void;

  constructor(private readonly options: LocalEcsOptions) {
    this.onError = options.onError ?? ((error) => console.error('local ECS:', error));
  }

  // --- Set-up: what `aws ecs create-service --deployment-controller type=EXTERNAL` and a first task set do

  hasService(cluster: string, serviceName: string): boolean {
    return this.services.has(key(cluster, serviceName));
  }

  /**
   * Creates an EXTERNAL service with its first task set (PRIMARY) from a task definition, its tasks
   * registered in `targetGroup`.
   */
  createService(input: {
    cluster: string;
    serviceName: string;
    desiredCount: number;
    taskDefinition: string;
    targetGroup: string;
    containerName: string;
    containerPort: number;
  }): TaskSetInfo {
    if (this.hasService(input.cluster, input.serviceName)) {
      throw new EcsUpdateError(
        `The service ${input.serviceName} exists already in the cluster ${input.cluster}.`,
      );
    }
    if (!Number.isInteger(input.desiredCount) || input.desiredCount < 0) {
      throw new RangeError(`desiredCount must be a whole number, 0 or more, not ${input.desiredCount}.`);
    }
    const service: LocalService = {
      cluster: input.cluster,
      serviceName: input.serviceName,
      serviceArn: `arn:aws:ecs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:service/${input.cluster}/${input.serviceName}`,
      desiredCount: input.desiredCount,
      taskSets: [],
    };
    this.services.set(key(input.cluster, input.serviceName), service);
    const taskSet = this.addTaskSet(service, {
      taskDefinitionArn: this.definition(input.taskDefinition).taskDefinitionArn,
      targetGroup: input.targetGroup,
      containerName: input.containerName,
      containerPort: input.containerPort,
      scalePercent: 100,
      status: 'PRIMARY',
    });
    this.changed();
    return this.info(service, taskSet);
  }

  /** Removes a service whose creation did not complete, stopping its tasks (DeleteService --force). */
  async deleteService(cluster: string, serviceName: string): Promise<void> {
    const service = this.services.get(key(cluster, serviceName));
    if (!service) return;
    this.services.delete(key(cluster, serviceName));
    this.changed();
    await Promise.all(service.taskSets.map((taskSet) => this.stopTasks(taskSet, taskSet.tasks.splice(0))));
  }

  /** Puts back what an earlier process kept, and starts the tasks of every task set again. */
  restore(snapshot: LocalEcsSnapshot): void {
    this.taskDefinitions.restore(snapshot.taskDefinitions);
    this.nextId = Math.max(this.nextId, snapshot.nextId);
    for (const saved of snapshot.services) {
      const service: LocalService = { ...saved, taskSets: [] };
      this.services.set(key(saved.cluster, saved.serviceName), service);
      for (const taskSet of saved.taskSets) {
        const restored: LocalTaskSet = { ...taskSet, tasks: [] };
        service.taskSets.push(restored);
        this.scale(service, restored);
      }
    }
  }

  snapshot(): LocalEcsSnapshot {
    return {
      taskDefinitions: this.taskDefinitions.all(),
      services: [...this.services.values()].map((service) => ({
        ...service,
        taskSets: service.taskSets.map(({ tasks: _tasks, ...taskSet }) => taskSet),
      })),
      nextId: this.nextId,
    };
  }

  /** Every task of every service, for the process records and the demo. */
  tasks(): LocalTask[] {
    return [...this.services.values()].flatMap((s) => s.taskSets.flatMap((t) => t.tasks));
  }

  /** Stops every task (closing the environment); the services and task sets stay for the next process. */
  async stopAllTasks(): Promise<void> {
    await Promise.all(
      [...this.services.values()].flatMap((service) =>
        service.taskSets.map((taskSet) => this.stopTasks(taskSet, taskSet.tasks.splice(0))),
      ),
    );
  }

  // --- EcsTaskSetsPort

  async describeService(cluster: string, serviceName: string): Promise<EcsServiceInfo> {
    const service = this.service('DescribeServices', cluster, serviceName);
    return {
      serviceArn: service.serviceArn,
      serviceName: service.serviceName,
      clusterArn: `arn:aws:ecs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:cluster/${cluster}`,
      status: 'ACTIVE',
      desiredCount: service.desiredCount,
      deploymentController: 'EXTERNAL',
      taskSets: service.taskSets.map((taskSet) => this.info(service, taskSet)),
    };
  }

  async describeTaskSets(
    cluster: string,
    serviceName: string,
    ids: readonly string[],
  ): Promise<TaskSetInfo[]> {
    const service = this.service('DescribeTaskSets', cluster, serviceName);
    return service.taskSets.filter((t) => ids.includes(t.id)).map((t) => this.info(service, t));
  }

  async describeTaskDefinition(reference: string, revision?: RevisionLocation): Promise<TaskDefinitionInfo> {
    return taskDefinitionInfo(
      this.taskDefinitions.resolve(reference, revisionDirectory(revision) ?? this.options.baseDirectory),
    );
  }

  async createTaskSet(input: CreateTaskSetInput): Promise<TaskSetInfo> {
    const service = this.service('CreateTaskSet', input.cluster, input.service);
    const existing = service.taskSets.find((t) => t.externalId === input.externalId);
    if (existing) return this.info(service, existing);
    const taskSet = this.addTaskSet(service, {
      ...(input.externalId ? { externalId: input.externalId } : {}),
      taskDefinitionArn: this.definition(input.taskDefinition).taskDefinitionArn,
      targetGroup: input.targetGroupArn,
      containerName: input.containerName,
      containerPort: input.containerPort,
      scalePercent: input.scalePercent,
      status: 'ACTIVE',
      ...(input.launchType ? { launchType: input.launchType } : {}),
      ...(input.platformVersion ? { platformVersion: input.platformVersion } : {}),
    });
    this.changed();
    return this.info(service, taskSet);
  }

  async updateServicePrimaryTaskSet(cluster: string, serviceName: string, taskSetId: string): Promise<void> {
    const service = this.service('UpdateServicePrimaryTaskSet', cluster, serviceName);
    const primary = this.taskSet(service, taskSetId);
    for (const taskSet of service.taskSets) taskSet.status = taskSet === primary ? 'PRIMARY' : 'ACTIVE';
    this.changed();
  }

  async deleteTaskSet(cluster: string, serviceName: string, taskSetId: string): Promise<void> {
    const service = this.service('DeleteTaskSet', cluster, serviceName);
    const taskSet = service.taskSets.find((t) => t.id === taskSetId);
    if (!taskSet) return; // deleted already: a retried call has nothing left to do
    if (taskSet.status === 'PRIMARY' && service.taskSets.length > 1) {
      throw new EcsUpdateError(
        `The task set ${taskSetId} is the PRIMARY task set of ${serviceName}: make another one primary first.`,
      );
    }
    taskSet.status = 'DRAINING';
    service.taskSets = service.taskSets.filter((t) => t !== taskSet);
    this.changed();
    await this.stopTasks(taskSet, taskSet.tasks.splice(0));
  }

  // --- internals

  private addTaskSet(
    service: LocalService,
    spec: Omit<LocalTaskSet, 'id' | 'taskSetArn' | 'tasks'>,
  ): LocalTaskSet {
    const id = `ecs-svc/${String(this.nextId++).padStart(19, '0')}`;
    const taskSet: LocalTaskSet = {
      ...spec,
      id,
      taskSetArn: `arn:aws:ecs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:task-set/${service.cluster}/${service.serviceName}/${id}`,
      tasks: [],
    };
    service.taskSets.push(taskSet);
    this.scale(service, taskSet);
    return taskSet;
  }

  /** Starts tasks until the task set runs its computed desired count. */
  private scale(service: LocalService, taskSet: LocalTaskSet): void {
    const definition = this.definition(taskSet.taskDefinitionArn);
    while (taskSet.tasks.filter((t) => t.lastStatus !== 'STOPPED').length < desiredCount(service, taskSet)) {
      const task: LocalTask = {
        taskId: `task-${String(this.nextId++).padStart(6, '0')}`,
        taskSetId: taskSet.id,
        taskDefinitionArn: definition.taskDefinitionArn,
        lastStatus: 'PENDING',
      };
      taskSet.tasks.push(task);
      this.options.runner.start(task, definition, taskSet.containerName, {
        running: (hostPort) => {
          if (task.lastStatus !== 'PENDING') return;
          task.lastStatus = 'RUNNING';
          task.hostPort = hostPort;
          this.options.targets.register(taskSet.targetGroup, task.taskId, hostPort).catch(this.onError);
        },
        stopped: (reason) => {
          if (task.lastStatus === 'STOPPED') return;
          const wasRunning = task.lastStatus === 'RUNNING';
          task.lastStatus = 'STOPPED';
          task.stoppedReason = reason;
          if (wasRunning)
            this.options.targets.deregister(taskSet.targetGroup, task.taskId).catch(this.onError);
        },
      });
    }
  }

  private async stopTasks(taskSet: LocalTaskSet, tasks: LocalTask[]): Promise<void> {
    await Promise.all(
      tasks.map(async (task) => {
        // Out of the target group first, as ECS deregisters a task before stopping it.
        if (task.lastStatus === 'RUNNING')
          await this.options.targets.deregister(taskSet.targetGroup, task.taskId);
        task.lastStatus = 'STOPPED';
        task.stoppedReason = 'Task set deleted';
        await this.options.runner.stop(task);
      }),
    );
  }

  private info(service: LocalService, taskSet: LocalTaskSet): TaskSetInfo {
    const live = taskSet.tasks.filter((t) => t.lastStatus !== 'STOPPED');
    const running = live.filter((t) => t.lastStatus === 'RUNNING').length;
    const desired = desiredCount(service, taskSet);
    return {
      id: taskSet.id,
      taskSetArn: taskSet.taskSetArn,
      ...(taskSet.externalId ? { externalId: taskSet.externalId } : {}),
      status: taskSet.status,
      taskDefinition: taskSet.taskDefinitionArn,
      computedDesiredCount: desired,
      pendingCount: live.length - running,
      runningCount: running,
      stabilityStatus: running === desired && live.length === running ? 'STEADY_STATE' : 'STABILIZING',
      targetGroupArn: taskSet.targetGroup,
      ...(taskSet.launchType ? { launchType: taskSet.launchType } : {}),
      ...(taskSet.platformVersion ? { platformVersion: taskSet.platformVersion } : {}),
    };
  }

  private definition(reference: string): LocalTaskDefinition {
    const found = this.taskDefinitions.find(reference);
    if (!found) throw new EcsUpdateError(`The task definition ${reference} is not registered here.`);
    return found;
  }

  private service(operation: string, cluster: string, serviceName: string): LocalService {
    const service = this.services.get(key(cluster, serviceName));
    if (!service) {
      throw new ResourceNotFoundError(
        `ecs.${operation} (${cluster}/${serviceName}): ServiceNotFoundException: the service does not exist in the cluster.`,
        `${cluster}/${serviceName}`,
      );
    }
    return service;
  }

  private taskSet(service: LocalService, taskSetId: string): LocalTaskSet {
    const taskSet = service.taskSets.find((t) => t.id === taskSetId || t.taskSetArn === taskSetId);
    if (!taskSet) {
      throw new EcsUpdateError(
        `The service ${service.serviceName} has no task set ${taskSetId} (TaskSetNotFoundException).`,
      );
    }
    return taskSet;
  }

  private changed(): void {
    this.options.onChange?.(this.snapshot());
  }
}

function key(cluster: string, serviceName: string): string {
  return `${cluster}/${serviceName}`;
}

function desiredCount(service: LocalService, taskSet: LocalTaskSet): number {
  return Math.ceil((service.desiredCount * taskSet.scalePercent) / 100);
}

/** The directory a local ECS AppSpec came from (where its task-definition files are). */
function revisionDirectory(revision: RevisionLocation | undefined): string | undefined {
  return revision?.localDirectory;
}
