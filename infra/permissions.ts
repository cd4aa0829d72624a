import { IAM_ACTIONS_BY_PORT, type AwsPortName } from '../functions/adapters/aws/iam-actions.js';

/**
 * Which resources each IAM action an adapter calls is granted on. The actions themselves come from the
 * adapters (IAM_ACTIONS_BY_PORT); this only says where they apply.
 * - `table`, `revisionObjects`, `hookFunctions`, `eventBus`, `stateMachines`: resources of the stack.
 * - `lambdaTargets`, `targetGroups`, `instances`, `ecsServices`, `ecsTaskSets`, `listeners`,
 *   `passRoles`, `autoScalingGroups`, `terminableInstances`: granted by each deployment group on what it declares, so stepdeploy can touch only
 *   what a group names.
 * - `unscoped`: the API has no resource-level permission, so the only possible resource is `*`.
 */
export type ResourceScope =
  | 'table'
  | 'revisionObjects'
  | 'hookFunctions'
  | 'eventBus'
  | 'stateMachines'
  | 'lambdaTargets'
  | 'targetGroups'
  | 'instances'
  | 'ecsServices'
  | 'ecsTaskSets'
  | 'listeners'
  | 'passRoles'
  | 'autoScalingGroups'
  | 'terminableInstances'
  | 'unscoped';

const SCOPE_OF_ACTION: Readonly<Record<string, ResourceScope>> = {
  'dynamodb:GetItem': 'table',
  'dynamodb:PutItem': 'table',
  'dynamodb:UpdateItem': 'table',
  'dynamodb:DeleteItem': 'table',
  'dynamodb:Query': 'table',
  'dynamodb:Scan': 'table',
  'dynamodb:BatchWriteItem': 'table',
  'dynamodb:BatchGetItem': 'table',
  's3:GetObject': 'revisionObjects',
  's3:GetObjectVersion': 'revisionObjects',
  'lambda:InvokeFunction': 'hookFunctions',
  'events:PutEvents': 'eventBus',
  // Task tokens and executions belong to stepdeploy's own state machines.
  'states:SendTaskSuccess': 'stateMachines',
  'states:SendTaskFailure': 'stateMachines',
  'states:SendTaskHeartbeat': 'stateMachines',
  'states:StartExecution': 'stateMachines',
  'lambda:GetAlias': 'lambdaTargets',
  'lambda:UpdateAlias': 'lambdaTargets',
  'lambda:GetFunctionConfiguration': 'lambdaTargets',
  'elasticloadbalancing:RegisterTargets': 'targetGroups',
  'elasticloadbalancing:DeregisterTargets': 'targetGroups',
  // ECS: the service's own calls on its ARN, a task set's deletion on the task-set ARN, the task
  // definition's roles passed to ECS when a task set is created.
  'ecs:DescribeServices': 'ecsServices',
  'ecs:DescribeTaskSets': 'ecsServices',
  'ecs:CreateTaskSet': 'ecsServices',
  'ecs:UpdateServicePrimaryTaskSet': 'ecsServices',
  'ecs:DeleteTaskSet': 'ecsTaskSets',
  'iam:PassRole': 'passRoles',
  'elasticloadbalancing:ModifyListener': 'listeners',
  'elasticloadbalancing:ModifyRule': 'listeners',
  // SendCommand is checked on the document and on each instance it targets.
  'ssm:SendCommand': 'instances',
  // The adapter asks for metric and composite alarms, and DescribeAlarms returns composite alarms only
  // when it is allowed on *.
  'cloudwatch:DescribeAlarms': 'unscoped',
  // ELBv2 Describe* calls have no resource-level permissions.
  'elasticloadbalancing:DescribeTargetGroups': 'unscoped',
  'elasticloadbalancing:DescribeTargetHealth': 'unscoped',
  'elasticloadbalancing:DescribeListeners': 'unscoped',
  'elasticloadbalancing:DescribeRules': 'unscoped',
  // Task definitions are read by family:revision; DescribeTaskDefinition has no resource-level permission.
  'ecs:DescribeTaskDefinition': 'unscoped',
  'elasticloadbalancing:DescribeTargetGroupAttributes': 'unscoped',
  // A command id is not an ARN: SSM's per-command calls have no resource-level permissions.
  'ssm:GetCommandInvocation': 'unscoped',
  'ssm:ListCommandInvocations': 'unscoped',
  'ssm:CancelCommand': 'unscoped',
  // Resolving a group's instances from its tags and Auto Scaling groups (the instance directory):
  // listings, which have no resource-level permissions; tags of managed instances, which are many.
  'ec2:DescribeInstances': 'unscoped',
  'ssm:DescribeInstanceInformation': 'unscoped',
  'ssm:ListTagsForResource': 'unscoped',
  'autoscaling:DescribeAutoScalingGroups': 'unscoped',
  // Server blue/green: the group's Auto Scaling group and its copies (CodeDeploy_<group>_*), by name.
  'autoscaling:CreateAutoScalingGroup': 'autoScalingGroups',
  'autoscaling:DeleteAutoScalingGroup': 'autoScalingGroups',
  // Discovered originals, terminated after a successful reroute: EC2 instances with the group's tags.
  'ec2:TerminateInstances': 'terminableInstances',
};

export function scopeOf(action: string): ResourceScope {
  const scope = SCOPE_OF_ACTION[action];
  if (!scope) {
    throw new Error(
      `An adapter calls ${action}, but infra/permissions.ts does not say which resources it applies to; add it to SCOPE_OF_ACTION.`,
    );
  }
  return scope;
}

/** The IAM actions of the given ports, grouped by the resources they are granted on. */
export function actionsByScope(ports: readonly AwsPortName[]): Map<ResourceScope, string[]> {
  const grouped = new Map<ResourceScope, string[]>();
  for (const action of new Set(ports.flatMap((port) => IAM_ACTIONS_BY_PORT[port]))) {
    const scope = scopeOf(action);
    grouped.set(scope, [...(grouped.get(scope) ?? []), action]);
  }
  return grouped;
}
