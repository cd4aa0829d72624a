import { createHash } from 'node:crypto';
import { ArnFormat, Stack, Token, Validations, type Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import {
  declaredApplicationUpdate,
  declaredGroupListing,
  deploymentGroupConfigUpdate,
  type DeploymentGroupConfig,
} from '../functions/adapters/aws/dynamodb-group-config.js';
import { groupListingKey } from '../functions/adapters/aws/dynamodb-control-plane-keys.js';
import { groupKey } from '../functions/adapters/aws/dynamodb-store.js';
import type { InstanceGrant, InstanceTagCondition, StepDeploy } from './step-deploy.js';

/** The construct id CDK gives the one function that serves every AwsCustomResource of a stack. */
const AWS_CUSTOM_RESOURCE_PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/** When a deployment group rolls back on its own (CDK's codedeploy module spells it the same way). */
export interface AutoRollbackConfig {
  /** Roll back when a deployment fails. @default true */
  readonly failedDeployment?: boolean;
  /** Roll back when a deployment is stopped. @default false */
  readonly stoppedDeployment?: boolean;
  /** Roll back when a deployment stops on an alarm. @default true when alarms are given */
  readonly deploymentInAlarm?: boolean;
}

export interface DeploymentGroupProps {
  readonly stepDeploy: StepDeploy;
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  /** A `CodeDeployDefault.*` name or a custom config; checked when a deployment starts. @default the platform's default */
  readonly deploymentConfigName?: string;
  /** Alarms that stop a deployment (checked before and after each wait, and on every state change). */
  readonly alarms?: readonly cloudwatch.IAlarm[];
  /** Deploy anyway when the alarms cannot be read. @default false */
  readonly ignorePollAlarmFailure?: boolean;
  readonly autoRollback?: AutoRollbackConfig;
}

export interface LambdaDeploymentGroupProps extends DeploymentGroupProps {
  /** The alias whose traffic stepdeploy shifts; the AppSpec's Name and Alias must name it. */
  readonly alias: lambda.IAlias;
}

/** A tag filter as CodeDeploy takes it (EC2TagFilter / TagFilter). */
export interface InstanceTagFilter {
  readonly key?: string;
  readonly value?: string;
  /** KEY_AND_VALUE (the default when both are given), KEY_ONLY or VALUE_ONLY. */
  readonly type?: 'KEY_AND_VALUE' | 'KEY_ONLY' | 'VALUE_ONLY';
}

/**
 * The instances a Server group deploys to: by tags and Auto Scaling groups, as CodeDeploy selects
 * them when a deployment starts (any number of instances; IAM is granted by tag), or by instance id
 * (IAM is then granted on the account's instances in the region, as ids cannot be scoped by tag).
 */
export interface ServerDeploymentGroupProps extends DeploymentGroupProps {
  /** EC2 instance ids (`i-...`) and on-premises SSM managed-instance ids (`mi-...`). At most 10,000. */
  readonly instanceIds?: readonly string[];
  /** EC2 instances with ANY of these tags (CodeDeploy's ec2TagFilters). */
  readonly ec2TagFilters?: readonly InstanceTagFilter[];
  /** EC2 instances matching a filter of EVERY group, at most 3 groups (CodeDeploy's ec2TagSet). */
  readonly ec2TagSet?: readonly (readonly InstanceTagFilter[])[];
  /** On-premises instances with ANY of these tags (onPremisesInstanceTagFilters). */
  readonly onPremisesInstanceTagFilters?: readonly InstanceTagFilter[];
  /** On-premises instances matching a filter of EVERY group (onPremisesTagSet). */
  readonly onPremisesTagSet?: readonly (readonly InstanceTagFilter[])[];
  /** Auto Scaling groups whose instances are deployed to (by name). */
  readonly autoScalingGroups?: readonly string[];
  /** Target groups the instances sit behind: blocked before and allowed after each instance's install. */
  readonly targetGroups?: readonly elbv2.ITargetGroup[];
  /**
   * Deploy blue/green instead of in place: each deployment installs on a replacement fleet, reroutes
   * the target groups from the original instances to it, then terminates (or keeps) the originals.
   * Needs `targetGroups`, and EC2 instances (no on-premises selectors). @default in place
   */
  readonly blueGreen?: ServerBlueGreenConfig;
}

/** CodeDeploy's BlueGreenDeploymentConfiguration of an EC2 group, with CDK's types. */
export interface ServerBlueGreenConfig {
  /**
   * Where the replacements come from: a copy of the group's Auto Scaling group (exactly one in
   * `autoScalingGroups`), or the instances each deployment's targetInstances name.
   * @default 'COPY_AUTO_SCALING_GROUP' when the group has an Auto Scaling group, else 'DISCOVER_EXISTING'
   */
  readonly greenFleetProvisioning?: 'COPY_AUTO_SCALING_GROUP' | 'DISCOVER_EXISTING';
  /**
   * Wait this long, Ready, for ContinueDeployment READY_WAIT before the reroute; the deployment stops
   * if nobody continues it (deploymentReadyOption STOP_DEPLOYMENT). @default reroute at once
   */
  readonly deploymentApprovalWaitTime?: Duration;
  /** TERMINATE the originals after the reroute, or KEEP_ALIVE (running, out of the load balancer). @default 'TERMINATE' */
  readonly originals?: 'TERMINATE' | 'KEEP_ALIVE';
  /** With TERMINATE: keep the originals this long (ContinueDeployment TERMINATION_WAIT ends it). @default none */
  readonly terminationWaitTime?: Duration;
}

/** A listener or a listener rule whose forward action an ECS deployment shifts. */
export type EcsTrafficListener =
  elbv2.IApplicationListener | elbv2.INetworkListener | elbv2.ApplicationListenerRule;

/** How an ECS service's traffic moves between its two target groups (CDK's codedeploy names). */
export interface EcsBlueGreenConfig {
  /** The target group the service's current task set is in (production forwards to it now). */
  readonly blueTargetGroup: elbv2.ITargetGroup;
  /** The idle target group of the pair, which each replacement task set goes into. */
  readonly greenTargetGroup: elbv2.ITargetGroup;
  /** The production listener (or listener rule). */
  readonly listener: EcsTrafficListener;
  /** A test listener (or rule): the replacement serves it before production (AfterAllowTestTraffic). */
  readonly testListener?: EcsTrafficListener;
  /**
   * Wait this long, Ready, for ContinueDeployment READY_WAIT before production traffic moves; the
   * deployment stops if nobody continues it (deploymentReadyOption STOP_DEPLOYMENT). @default no wait
   */
  readonly deploymentApprovalWaitTime?: Duration;
  /** Keep the original task set this long after success (ContinueDeployment TERMINATION_WAIT ends it). @default none */
  readonly terminationWaitTime?: Duration;
}

export interface EcsDeploymentGroupProps extends DeploymentGroupProps {
  /** The service (EXTERNAL deployment controller) whose task sets stepdeploy replaces. */
  readonly service: ecs.IBaseService;
  readonly blueGreenDeploymentConfig: EcsBlueGreenConfig;
  /**
   * The task and execution roles of the task definitions the group deploys: CreateTaskSet passes them
   * to ECS (iam:PassRole, to ecs-tasks.amazonaws.com only). @default none
   */
  readonly taskDefinitionRoles?: readonly iam.IRole[];
}
/** Explicit instance ids a group may list; more belong in tags (the group's item and template grow with them). */
export const MAX_DECLARED_INSTANCE_IDS = 10_000;

/**
 * A deployment group declared in CDK. Its configuration is written where the state machines read it
 * (the CONFIG item of the deployment table) by a custom resource, uploads under
 * `<application>/<deployment-group>/` in the revision bucket start deployments, and stepdeploy's
 * functions are granted access to exactly the alias, instances and target groups it names.
 */
abstract class DeploymentGroupBase extends Construct {
  readonly applicationName: string;
  readonly deploymentGroupName: string;

  protected constructor(scope: Construct, id: string, props: DeploymentGroupProps) {
    super(scope, id);
    this.applicationName = checkedName('applicationName', props.applicationName);
    this.deploymentGroupName = checkedName('deploymentGroupName', props.deploymentGroupName);
  }

  protected declare(
    props: DeploymentGroupProps,
    config: Pick<
      DeploymentGroupConfig,
      | 'computePlatform'
      | 'instanceIds'
      | 'targetGroupNames'
      | 'deploymentStyle'
      | 'ecsServices'
      | 'loadBalancerInfo'
      | 'blueGreenDeploymentConfiguration'
      | 'ec2TagFilters'
      | 'ec2TagSet'
      | 'onPremisesInstanceTagFilters'
      | 'onPremisesTagSet'
      | 'autoScalingGroups'
    >,
  ): void {
    const { stepDeploy } = props;
    const alarms = props.alarms ?? [];
    const record: DeploymentGroupConfig = {
      applicationName: this.applicationName,
      deploymentGroupName: this.deploymentGroupName,
      deploymentGroupId: deploymentGroupId(this.applicationName, this.deploymentGroupName),
      ...config,
      ...(props.deploymentConfigName ? { deploymentConfigName: props.deploymentConfigName } : {}),
      ...(alarms.length
        ? {
            alarmConfiguration: {
              enabled: true,
              ignorePollAlarmFailure: props.ignorePollAlarmFailure ?? false,
              alarms: alarms.map((alarm) => ({ name: alarm.alarmName })),
            },
          }
        : {}),
      autoRollbackConfiguration: autoRollbackConfiguration(props.autoRollback, alarms.length > 0),
    };
    const table = stepDeploy.table;
    const write: cr.AwsSdkCall = {
      service: 'DynamoDB',
      action: 'UpdateItem',
      parameters: deploymentGroupConfigUpdate(table.tableName, record),
      physicalResourceId: cr.PhysicalResourceId.of(`${this.applicationName}/${this.deploymentGroupName}`),
    };
    new cr.AwsCustomResource(this, 'Config', {
      onCreate: write,
      onUpdate: write,
      onDelete: {
        service: 'DynamoDB',
        action: 'DeleteItem',
        parameters: {
          TableName: table.tableName,
          Key: groupKey(this.applicationName, this.deploymentGroupName, 'CONFIG'),
        },
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
          resources: [table.tableArn],
        }),
      ]),
      // The Lambda runtime's SDK is enough for UpdateItem; no download at deploy time.
      installLatestAwsSdk: false,
    });
    // The application and the group's listing item, as CreateApplication and CreateDeploymentGroup
    // write them: a declared group is one the API lists and reads like any other. The application
    // stays when the group goes (other groups, declared or not, may belong to it).
    const application: cr.AwsSdkCall = {
      service: 'DynamoDB',
      action: 'UpdateItem',
      parameters: declaredApplicationUpdate(table.tableName, {
        applicationName: this.applicationName,
        applicationId: stableUuid(`application\n${this.applicationName}`),
        computePlatform: config.computePlatform,
      }),
      physicalResourceId: cr.PhysicalResourceId.of(
        `${this.applicationName}/${this.deploymentGroupName}/application`,
      ),
    };
    new cr.AwsCustomResource(this, 'Application', {
      onCreate: application,
      onUpdate: application,
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [table.tableArn] }),
      ]),
      installLatestAwsSdk: false,
    });
    const listing: cr.AwsSdkCall = {
      service: 'DynamoDB',
      action: 'PutItem',
      parameters: declaredGroupListing(table.tableName, this.applicationName, this.deploymentGroupName),
      physicalResourceId: cr.PhysicalResourceId.of(
        `${this.applicationName}/${this.deploymentGroupName}/listing`,
      ),
    };
    new cr.AwsCustomResource(this, 'Listing', {
      onCreate: listing,
      onUpdate: listing,
      onDelete: {
        service: 'DynamoDB',
        action: 'DeleteItem',
        parameters: {
          TableName: table.tableName,
          Key: groupListingKey(this.applicationName, this.deploymentGroupName),
        },
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
          resources: [table.tableArn],
        }),
      ]),
      installLatestAwsSdk: false,
    });
    // CDK's singleton function behind every AwsCustomResource of the stack.
    const provider = Stack.of(this).node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER_ID);
    if (provider) {
      Validations.of(provider).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's AwsCustomResource provider; the managed policy only lets it write its logs (its table access is the inline UpdateItem/DeleteItem above).",
      });
    }
    stepDeploy.addRevisionTrigger(this, this.applicationName, this.deploymentGroupName);
  }
}

export class LambdaDeploymentGroup extends DeploymentGroupBase {
  constructor(scope: Construct, id: string, props: LambdaDeploymentGroupProps) {
    super(scope, id, props);
    this.declare(props, { computePlatform: 'Lambda' });
    props.stepDeploy.grantDeploymentTargets(this, {
      lambdaFunctionArns: [props.alias.version.lambda.functionArn],
    });
  }
}

export class ServerDeploymentGroup extends DeploymentGroupBase {
  constructor(scope: Construct, id: string, props: ServerDeploymentGroupProps) {
    super(scope, id, props);
    const instanceIds = props.instanceIds ?? [];
    const ec2TagFilters = checkedFilters(this.deploymentGroupName, 'ec2TagFilters', props.ec2TagFilters);
    const ec2TagSet = (props.ec2TagSet ?? []).map((group, k) =>
      checkedFilters(this.deploymentGroupName, `ec2TagSet[${k}]`, group),
    );
    const onPremFilters = checkedFilters(
      this.deploymentGroupName,
      'onPremisesInstanceTagFilters',
      props.onPremisesInstanceTagFilters,
    );
    const onPremSet = (props.onPremisesTagSet ?? []).map((group, k) =>
      checkedFilters(this.deploymentGroupName, `onPremisesTagSet[${k}]`, group),
    );
    const autoScalingGroups = [...(props.autoScalingGroups ?? [])];
    const where = `ServerDeploymentGroup ${this.deploymentGroupName}`;
    if (ec2TagFilters.length && ec2TagSet.length)
      throw new Error(`${where}: set ec2TagFilters or ec2TagSet, not both (CodeDeploy takes one of them).`);
    if (onPremFilters.length && onPremSet.length)
      throw new Error(
        `${where}: set onPremisesInstanceTagFilters or onPremisesTagSet, not both (CodeDeploy takes one of them).`,
      );
    if (ec2TagSet.length > 3 || onPremSet.length > 3)
      throw new Error(`${where}: a tag set has at most 3 groups (CodeDeploy's limit).`);
    const bySelector = ec2TagFilters.length + ec2TagSet.length + onPremFilters.length + onPremSet.length;
    if (instanceIds.length === 0 && bySelector === 0 && autoScalingGroups.length === 0) {
      throw new Error(
        `${where}: instanceIds is empty and no tag filter or Auto Scaling group selects instances; name its instances.`,
      );
    }
    if (instanceIds.length > MAX_DECLARED_INSTANCE_IDS) {
      throw new Error(
        `${where}: ${instanceIds.length} instanceIds; at most ${MAX_DECLARED_INSTANCE_IDS} may be listed. Select a larger fleet by tags (ec2TagFilters, onPremisesInstanceTagFilters) or autoScalingGroups.`,
      );
    }
    for (const instanceId of instanceIds) {
      if (!Token.isUnresolved(instanceId) && !/^(i|mi)-[0-9a-f]{8,17}$/.test(instanceId)) {
        throw new Error(
          `${where}: instanceIds has "${instanceId}", which is neither an EC2 instance id (i-...) nor an SSM managed-instance id (mi-...).`,
        );
      }
    }
    const targetGroups = props.targetGroups ?? [];
    const blueGreen = props.blueGreen
      ? serverBlueGreen(
          where,
          props.blueGreen,
          autoScalingGroups,
          targetGroups.length,
          onPremFilters.length + onPremSet.length,
        )
      : undefined;
    this.declare(props, {
      computePlatform: 'Server',
      ...(blueGreen
        ? {
            deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
            blueGreenDeploymentConfiguration: blueGreen,
          }
        : {}),
      ...(instanceIds.length ? { instanceIds: [...instanceIds] } : {}),
      ...(ec2TagFilters.length ? { ec2TagFilters: ec2TagFilters.map(apiFilter) } : {}),
      ...(ec2TagSet.length ? { ec2TagSet: { ec2TagSetList: ec2TagSet.map((g) => g.map(apiFilter)) } } : {}),
      ...(onPremFilters.length ? { onPremisesInstanceTagFilters: onPremFilters.map(apiFilter) } : {}),
      ...(onPremSet.length
        ? { onPremisesTagSet: { onPremisesTagSetList: onPremSet.map((g) => g.map(apiFilter)) } }
        : {}),
      ...(autoScalingGroups.length ? { autoScalingGroups: autoScalingGroups.map((name) => ({ name })) } : {}),
      ...(targetGroups.length
        ? { targetGroupNames: targetGroups.map((group) => targetGroupName(group)) }
        : {}),
    });
    props.stepDeploy.grantDeploymentTargets(this, {
      instances: instanceGrant(
        instanceIds,
        [...ec2TagFilters, ...ec2TagSet.flat()],
        [...onPremFilters, ...onPremSet.flat()],
        autoScalingGroups,
      ),
      targetGroupArns: targetGroups.map((group) => group.targetGroupArn),
      ...(blueGreen
        ? {
            replacementFleet: {
              // COPY_AUTO_SCALING_GROUP: the group's Auto Scaling group and the copies deployments make of it.
              autoScalingGroupNames:
                blueGreen.greenFleetProvisioningOption?.action === 'COPY_AUTO_SCALING_GROUP'
                  ? [...autoScalingGroups, `CodeDeploy_${this.deploymentGroupName}_*`]
                  : [],
              // DISCOVER_EXISTING with TERMINATE: the originals, by the group's EC2 tags (never listed).
              terminableInstances:
                blueGreen.greenFleetProvisioningOption?.action === 'DISCOVER_EXISTING' &&
                blueGreen.terminateBlueInstancesOnDeploymentSuccess?.action === 'TERMINATE'
                  ? [...ec2TagFilters, ...ec2TagSet.flat()]
                      .filter((filter) => filter.type !== 'VALUE_ONLY' && filter.key)
                      .map((filter) => ({
                        key: filter.key!,
                        ...(filter.type === 'KEY_AND_VALUE' && filter.value !== undefined
                          ? { values: [filter.value] }
                          : {}),
                      }))
                  : [],
            },
          }
        : {}),
    });
  }
}

/** The group's BlueGreenDeploymentConfiguration, checked as CodeDeploy checks it. */
function serverBlueGreen(
  where: string,
  config: ServerBlueGreenConfig,
  autoScalingGroups: readonly string[],
  targetGroups: number,
  onPremisesSelectors: number,
) {
  if (targetGroups === 0) {
    throw new Error(
      `${where}: a blue/green group reroutes traffic through its target groups: give targetGroups.`,
    );
  }
  if (onPremisesSelectors > 0) {
    throw new Error(
      `${where}: blue/green deployments run on EC2 instances: remove the on-premises selectors.`,
    );
  }
  const green =
    config.greenFleetProvisioning ??
    (autoScalingGroups.length > 0 ? 'COPY_AUTO_SCALING_GROUP' : 'DISCOVER_EXISTING');
  if (green === 'COPY_AUTO_SCALING_GROUP' && autoScalingGroups.length !== 1) {
    throw new Error(
      `${where}: COPY_AUTO_SCALING_GROUP copies the group's Auto Scaling group: give exactly one in autoScalingGroups (it has ${autoScalingGroups.length}).`,
    );
  }
  const approval = config.deploymentApprovalWaitTime?.toMinutes() ?? 0;
  const termination = config.terminationWaitTime?.toMinutes() ?? 0;
  const originals = config.originals ?? 'TERMINATE';
  if (originals === 'KEEP_ALIVE' && termination > 0) {
    throw new Error(`${where}: KEEP_ALIVE never terminates the originals: remove terminationWaitTime.`);
  }
  for (const [name, minutes] of [
    ['deploymentApprovalWaitTime', approval],
    ['terminationWaitTime', termination],
  ] as const) {
    if (minutes > 2880)
      throw new Error(`${where}: ${name} is at most 2880 minutes (48 hours), not ${minutes}.`);
  }
  return {
    greenFleetProvisioningOption: { action: green },
    deploymentReadyOption:
      approval > 0
        ? { actionOnTimeout: 'STOP_DEPLOYMENT' as const, waitTimeInMinutes: approval }
        : { actionOnTimeout: 'CONTINUE_DEPLOYMENT' as const, waitTimeInMinutes: 0 },
    terminateBlueInstancesOnDeploymentSuccess: {
      action: originals,
      terminationWaitTimeInMinutes: termination,
    },
  };
}

type CheckedFilter = Required<Pick<InstanceTagFilter, 'type'>> & InstanceTagFilter;

function checkedFilters(
  group: string,
  field: string,
  filters: readonly InstanceTagFilter[] | undefined,
): CheckedFilter[] {
  return (filters ?? []).map((filter, k) => {
    const type =
      filter.type ??
      (filter.key !== undefined && filter.value !== undefined
        ? 'KEY_AND_VALUE'
        : filter.key !== undefined
          ? 'KEY_ONLY'
          : 'VALUE_ONLY');
    const needsKey = type !== 'VALUE_ONLY';
    const needsValue = type !== 'KEY_ONLY';
    const missing = [
      needsKey && !filter.key ? 'a key' : '',
      needsValue && filter.value === undefined ? 'a value' : '',
    ].filter(Boolean);
    if (missing.length > 0) {
      throw new Error(
        `ServerDeploymentGroup ${group}: ${field}[${k}] is ${type} and needs ${missing.join(' and ')}.`,
      );
    }
    return { ...filter, type };
  });
}

/** CodeDeploy's EC2TagFilter / TagFilter shape, as the CONFIG item holds it. */
function apiFilter(filter: CheckedFilter) {
  return {
    Type: filter.type,
    ...(filter.key !== undefined ? { Key: filter.key } : {}),
    ...(filter.value !== undefined ? { Value: filter.value } : {}),
  };
}

/**
 * The IAM grant for a group's instances: tag conditions when every selector can be one (a tag key,
 * with or without its value; an Auto Scaling group through the tag aws:autoscaling:groupName that
 * Auto Scaling puts on its instances), the account's instances in the region otherwise (instance
 * ids, VALUE_ONLY filters: IAM conditions name a tag key). Never one ARN per instance.
 */
function instanceGrant(
  instanceIds: readonly string[],
  ec2: readonly CheckedFilter[],
  onPremises: readonly CheckedFilter[],
  autoScalingGroups: readonly string[],
): InstanceGrant {
  const byValueOnly = [...ec2, ...onPremises].some((filter) => filter.type === 'VALUE_ONLY');
  if (instanceIds.length > 0 || byValueOnly) return { scope: 'account' };
  const condition = (filter: CheckedFilter): InstanceTagCondition => ({
    key: filter.key as string,
    ...(filter.type === 'KEY_AND_VALUE' ? { values: [filter.value as string] } : {}),
  });
  return {
    scope: 'tags',
    ec2: [
      ...ec2.map(condition),
      ...(autoScalingGroups.length
        ? [{ key: 'aws:autoscaling:groupName', values: [...autoScalingGroups] }]
        : []),
    ],
    onPremises: onPremises.map(condition),
  };
}

/**
 * An ECS blue/green deployment group: the service (EXTERNAL deployment controller), its target-group
 * pair with the production listener (or rule) and an optional test listener, the ready and
 * termination waits. stepdeploy's functions may describe and change exactly this service's task
 * sets, shift exactly these listeners, and pass exactly the given task-definition roles.
 */
export class EcsDeploymentGroup extends DeploymentGroupBase {
  constructor(scope: Construct, id: string, props: EcsDeploymentGroupProps) {
    super(scope, id, props);
    const config = props.blueGreenDeploymentConfig;
    const service = props.service;
    const approval = config.deploymentApprovalWaitTime?.toMinutes() ?? 0;
    const termination = config.terminationWaitTime?.toMinutes() ?? 0;
    for (const [name, minutes] of [
      ['deploymentApprovalWaitTime', approval],
      ['terminationWaitTime', termination],
    ] as const) {
      if (!Number.isInteger(minutes) || minutes < 0 || minutes > 2880) {
        throw new Error(
          `EcsDeploymentGroup ${this.deploymentGroupName}: ${name} must be whole minutes from 0 to 2880 (48 hours), not ${minutes}.`,
        );
      }
    }
    const blue = targetGroupName(config.blueTargetGroup);
    const green = targetGroupName(config.greenTargetGroup);
    if (!Token.isUnresolved(blue) && blue === green) {
      throw new Error(
        `EcsDeploymentGroup ${this.deploymentGroupName}: blueTargetGroup and greenTargetGroup are the same target group; a deployment needs two.`,
      );
    }
    const production = listenerArnOf(config.listener);
    const test = config.testListener ? listenerArnOf(config.testListener) : undefined;
    this.declare(props, {
      computePlatform: 'ECS',
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      ecsServices: [{ serviceName: service.serviceName, clusterName: service.cluster.clusterName }],
      loadBalancerInfo: {
        targetGroupPairInfoList: [
          {
            targetGroups: [{ name: blue }, { name: green }],
            prodTrafficRoute: { listenerArns: [production] },
            ...(test ? { testTrafficRoute: { listenerArns: [test] } } : {}),
          },
        ],
      },
      blueGreenDeploymentConfiguration: {
        terminateBlueInstancesOnDeploymentSuccess: {
          action: 'TERMINATE',
          terminationWaitTimeInMinutes: termination,
        },
        deploymentReadyOption: approval
          ? { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: approval }
          : { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
      },
    });
    const stack = Stack.of(this);
    props.stepDeploy.grantDeploymentTargets(this, {
      ecsServiceArns: [service.serviceArn],
      ecsTaskSetArns: [
        stack.formatArn({
          service: 'ecs',
          resource: 'task-set',
          resourceName: `${service.cluster.clusterName}/${service.serviceName}/*`,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ],
      listenerArns: [production, ...(test ? [test] : [])],
      passRoleArns: (props.taskDefinitionRoles ?? []).map((role) => role.roleArn),
    });
  }
}

function listenerArnOf(listener: EcsTrafficListener): string {
  return 'listenerRuleArn' in listener ? listener.listenerRuleArn : listener.listenerArn;
}

/**
 * Names become S3 key prefixes that an EventBridge rule matches, so only characters that read the same
 * URL-encoded or not are allowed (CodeDeploy allows more; `+`, `=`, `,`, `@`, `#` would be ambiguous).
 */
function checkedName(field: string, value: string): string {
  if (Token.isUnresolved(value)) {
    throw new Error(
      `${field} must be a plain string, not a token: it is written into keys and S3 prefixes at synth time.`,
    );
  }
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(value)) {
    throw new Error(
      `${field} "${value}" is not a valid name here: use 1-100 letters, digits, '_', '.' or '-' (it is the S3 prefix <application>/<deployment-group>/ that starts deployments).`,
    );
  }
  return value;
}

function autoRollbackConfiguration(config: AutoRollbackConfig | undefined, hasAlarms: boolean) {
  const events = [
    ...((config?.failedDeployment ?? true) ? (['DEPLOYMENT_FAILURE'] as const) : []),
    ...((config?.stoppedDeployment ?? false) ? (['DEPLOYMENT_STOP_ON_REQUEST'] as const) : []),
    ...((config?.deploymentInAlarm ?? hasAlarms) ? (['DEPLOYMENT_STOP_ON_ALARM'] as const) : []),
  ];
  return { enabled: events.length > 0, events };
}

/** Stable across deployments of the stack, so the group keeps its id (CodeDeploy's is a UUID). */
function deploymentGroupId(applicationName: string, deploymentGroupName: string): string {
  return stableUuid(`${applicationName}\n${deploymentGroupName}`);
}

/** A UUID-shaped id derived from a name: the same on every synth. */
function stableUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The store records target groups by name (what the ELBv2 adapter looks up). */
function targetGroupName(group: elbv2.ITargetGroup): string {
  const named = group as elbv2.ITargetGroup & { targetGroupName?: string };
  if (named.targetGroupName) return named.targetGroupName;
  throw new Error(
    `The target group ${group.node.path} has no name known to CDK; pass an ApplicationTargetGroup/NetworkTargetGroup, or one imported with fromTargetGroupAttributes.`,
  );
}
