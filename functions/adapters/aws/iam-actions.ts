import { ALARMS_IAM_ACTIONS } from './alarms.js';
import { AUTO_SCALING_FLEET_IAM_ACTIONS } from './auto-scaling-fleet.js';
import type { AwsPortName } from './aws-adapters.js';
import { DEPLOYMENT_EXECUTIONS_IAM_ACTIONS } from './deployment-executions.js';
import { DYNAMODB_CONTROL_PLANE_IAM_ACTIONS } from './dynamodb-control-plane.js';
import { DYNAMODB_ROLE_IAM_ACTIONS } from './dynamodb-store.js';
import { ECS_TASK_SETS_IAM_ACTIONS } from './ecs-task-sets.js';
import { ELBV2_LISTENERS_IAM_ACTIONS } from './elbv2-listeners.js';
import { ELBV2_LOAD_BALANCER_IAM_ACTIONS } from './elbv2-load-balancer.js';
import { EVENTS_IAM_ACTIONS } from './events.js';
import { HOOK_INVOKER_IAM_ACTIONS } from './hook-invoker.js';
import { LAMBDA_ALIAS_IAM_ACTIONS } from './lambda-alias.js';
import { LAMBDA_ALIAS_ROUTER_IAM_ACTIONS } from './lambda-alias-router.js';
import { INSTANCE_DIRECTORY_IAM_ACTIONS } from './instance-directory.js';
import { S3_REVISION_SOURCE_IAM_ACTIONS } from './s3-revision-source.js';
import { SSM_TRANSPORT_IAM_ACTIONS } from './ssm-transport.js';
import { TARGET_GROUP_PAIR_ROUTER_IAM_ACTIONS } from './target-group-pair-router.js';
import { TARGET_REGISTRATION_ROUTER_IAM_ACTIONS } from './target-registration-router.js';
import { TASK_CALLBACKS_IAM_ACTIONS } from './task-callbacks.js';

export type { AwsPortName } from './aws-adapters.js';

/** The traffic router's actions: those of the router of every route kind it serves. */
export const TRAFFIC_ROUTER_IAM_ACTIONS = [
  ...LAMBDA_ALIAS_ROUTER_IAM_ACTIONS,
  ...TARGET_GROUP_PAIR_ROUTER_IAM_ACTIONS,
  ...TARGET_REGISTRATION_ROUTER_IAM_ACTIONS,
];

/**
 * The IAM actions each port's AWS adapter calls, as the adapters declare them: the stack grants a
 * function the actions of the ports its step declares (`ports`), and nothing else.
 */
export const IAM_ACTIONS_BY_PORT: Readonly<Record<AwsPortName, readonly string[]>> = {
  ...DYNAMODB_ROLE_IAM_ACTIONS,
  traffic: TRAFFIC_ROUTER_IAM_ACTIONS,
  lambda: LAMBDA_ALIAS_IAM_ACTIONS,
  ecs: ECS_TASK_SETS_IAM_ACTIONS,
  listeners: ELBV2_LISTENERS_IAM_ACTIONS,
  hooks: HOOK_INVOKER_IAM_ACTIONS,
  alarms: ALARMS_IAM_ACTIONS,
  callbacks: TASK_CALLBACKS_IAM_ACTIONS,
  events: EVENTS_IAM_ACTIONS,
  transport: SSM_TRANSPORT_IAM_ACTIONS,
  instances: INSTANCE_DIRECTORY_IAM_ACTIONS,
  loadBalancer: ELBV2_LOAD_BALANCER_IAM_ACTIONS,
  fleet: AUTO_SCALING_FLEET_IAM_ACTIONS,
  revisions: S3_REVISION_SOURCE_IAM_ACTIONS,
  executions: DEPLOYMENT_EXECUTIONS_IAM_ACTIONS,
  // The port reads one config (getDeploymentConfig), whatever else the store can do.
  deploymentConfigs: ['dynamodb:GetItem'],
  controlPlane: DYNAMODB_CONTROL_PLANE_IAM_ACTIONS,
};

/** The actions a function using `ports` needs, each once, sorted (a stable policy document). */
export function iamActionsFor(ports: readonly AwsPortName[]): string[] {
  return [...new Set(ports.flatMap((port) => IAM_ACTIONS_BY_PORT[port]))].sort();
}
