import type { AlarmsPort } from './alarms.js';
import type { ControlPlaneStores } from './control-plane-stores.js';
import type { DeploymentConfigStore } from './deployment-configs.js';
import type { DeploymentExecutionsPort } from './deployment-executions.js';
import type { EcsTaskSetsPort } from './ecs-task-sets.js';
import type { StoreRoles } from './deployment-store.js';
import type { EventsPort } from './events.js';
import type { HookInvokerPort } from './hook-invoker.js';
import type { InstanceDirectoryPort } from './instance-directory.js';
import type { InstanceTransportPort } from './instance-transport.js';
import type { LambdaAliasPort } from './lambda-alias.js';
import type { ListenersPort } from './listeners.js';
import type { LoadBalancerPort } from './load-balancer.js';
import type { ReplacementFleetPort } from './replacement-fleet.js';
import type { RevisionSourcePort } from './revision-source.js';
import type { TaskCallbacksPort } from './task-callbacks.js';
import type { TrafficRouterPort } from './traffic-router.js';

/**
 * Every port a step may use, by the name steps use for it. Each one is served by an AWS adapter in a
 * Lambda function (which is granted that adapter's IAM actions) and by a local one on the embedded
 * runtime. The store's roles are ports of their own, so a step names only the records it touches.
 */
export interface Ports extends StoreRoles {
  /** Moves traffic between the original and the replacement, whatever carries it. */
  traffic: TrafficRouterPort;
  /** Lambda: reads the alias and the versions Prepare checks. */
  lambda: LambdaAliasPort;
  /** ECS: the service's task sets (EXTERNAL deployment controller). */
  ecs: EcsTaskSetsPort;
  /** ECS: the listeners' forward actions and the target groups' health, which Prepare and Install read. */
  listeners: ListenersPort;
  alarms: AlarmsPort;
  hooks: HookInvokerPort;
  callbacks: TaskCallbacksPort;
  events: EventsPort;
  transport: InstanceTransportPort;
  /** Server groups: the instances their tag filters, tag sets and Auto Scaling groups select. */
  instances: InstanceDirectoryPort;
  loadBalancer: LoadBalancerPort;
  /** Server blue/green: the copied replacement fleet, and the end of the original one. */
  fleet: ReplacementFleetPort;
  revisions: RevisionSourcePort;
  executions: DeploymentExecutionsPort;
  /** Custom deployment configurations (CreateDeploymentConfig), read when a deployment starts. */
  deploymentConfigs: Pick<DeploymentConfigStore, 'getDeploymentConfig'>;
  /** The API's stores of applications, groups, configs, revisions and instances (no flow step uses it). */
  controlPlane: ControlPlaneStores;
}

export type PortName = keyof Ports;
