import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { FlowId } from '../../domain/flows.js';
import type { PortName, Ports } from '../../ports/ports.js';
import { routeRevisions } from '../../ports/revision-source.js';
import { routeByKind } from '../../ports/traffic-router.js';
import { GitHubRevisionSource } from '../bundle/github-revision-source.js';
import { AwsAlarms } from './alarms.js';
import { SfnDeploymentExecutions } from './deployment-executions.js';
import { dynamoDbControlPlaneStores } from './dynamodb-control-plane.js';
import { DynamoDbDeploymentConfigStore } from './dynamodb-deployment-configs.js';
import { DYNAMODB_STORE_ROLES, DynamoTable } from './dynamodb-store.js';
import { EcsTaskSets } from './ecs-task-sets.js';
import { Elbv2Listeners } from './elbv2-listeners.js';
import { Elbv2LoadBalancer } from './elbv2-load-balancer.js';
import { AwsEvents } from './events.js';
import { AwsHookInvoker } from './hook-invoker.js';
import { AwsLambdaAlias } from './lambda-alias.js';
import { LambdaAliasTrafficRouter } from './lambda-alias-router.js';
import { AwsInstanceDirectory } from './instance-directory.js';
import { AutoScalingFleet } from './auto-scaling-fleet.js';
import { TargetRegistrationRouter } from './target-registration-router.js';
import { S3RevisionSource } from './s3-revision-source.js';
import { SsmInstanceTransport } from './ssm-transport.js';
import { TargetGroupPairTrafficRouter } from './target-group-pair-router.js';
import { AwsTaskCallbacks } from './task-callbacks.js';

export interface AwsAdapterSettings {
  tableName: string;
  eventBusName: string;
  /** Each flow's state machine, by flow id (`Lambda:BLUE_GREEN`). */
  stateMachineArns: Partial<Record<FlowId, string>>;
}

/** Every port, bound to AWS. */
export type AwsAdapters = Ports;

/** The name of each port an AWS adapter serves (the keys of StepDeps that talk to AWS). */
export type AwsPortName = PortName;

/** Creates a client once, on first use: ports that share a service share its client. */
function lazy<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}

/**
 * The ports named in `ports`, each bound to its AWS service; nothing else is built, so a function
 * neither creates clients nor reads settings it does not use. Clients are created with no options:
 * they take the Lambda role's credentials and region, and honour AWS_ENDPOINT_URL_<SERVICE>.
 */
export function awsAdapters<P extends AwsPortName>(
  settings: AwsAdapterSettings,
  ports: readonly P[],
): Pick<AwsAdapters, P> {
  const lambdaClient = lazy(() => new LambdaClient({}));
  const sfnClient = lazy(() => new SFNClient({}));
  const elbv2Client = lazy(() => new ElasticLoadBalancingV2Client({}));
  const listeners = lazy(() => new Elbv2Listeners(elbv2Client()));
  const table = lazy(() => new DynamoTable(new DynamoDBClient({}), settings.tableName));
  const elbv2 = lazy(() => new Elbv2LoadBalancer(elbv2Client()));
  const ssmClient = lazy(() => new SSMClient({}));
  const ec2Client = lazy(() => new EC2Client({}));
  const autoScalingClient = lazy(() => new AutoScalingClient({}));
  const factories: { [K in AwsPortName]: () => AwsAdapters[K] } = {
    deployments: () => DYNAMODB_STORE_ROLES.deployments(table()),
    executionNames: () => DYNAMODB_STORE_ROLES.executionNames(table()),
    groups: () => DYNAMODB_STORE_ROLES.groups(table()),
    groupLocks: () => DYNAMODB_STORE_ROLES.groupLocks(table()),
    hookExecutions: () => DYNAMODB_STORE_ROLES.hookExecutions(table()),
    pendingWaits: () => DYNAMODB_STORE_ROLES.pendingWaits(table()),
    alarmWatches: () => DYNAMODB_STORE_ROLES.alarmWatches(table()),
    deploymentTargets: () => DYNAMODB_STORE_ROLES.deploymentTargets(table()),
    commandWaits: () => DYNAMODB_STORE_ROLES.commandWaits(table()),
    serverBatches: () => DYNAMODB_STORE_ROLES.serverBatches(table()),
    traffic: () =>
      routeByKind({
        LambdaAlias: new LambdaAliasTrafficRouter(new AwsLambdaAlias(lambdaClient())),
        TargetGroupPair: new TargetGroupPairTrafficRouter(listeners()),
        TargetRegistration: new TargetRegistrationRouter(elbv2()),
      }),
    lambda: () => new AwsLambdaAlias(lambdaClient()),
    ecs: () => new EcsTaskSets(new ECSClient({})),
    listeners,
    hooks: () => new AwsHookInvoker(lambdaClient()),
    alarms: () => new AwsAlarms(new CloudWatchClient({})),
    callbacks: () => new AwsTaskCallbacks(sfnClient()),
    events: () => new AwsEvents(new EventBridgeClient({}), settings.eventBusName),
    transport: () => new SsmInstanceTransport(ssmClient()),
    // EC2 instances and Auto Scaling groups by EC2's tags, on-premises instances by their SSM
    // managed-instance tags: the tags SendCommand's grants are conditioned on.
    instances: () => new AwsInstanceDirectory(ec2Client(), ssmClient(), autoScalingClient()),
    fleet: () => new AutoScalingFleet(autoScalingClient(), ec2Client()),
    loadBalancer: () => elbv2(),
    revisions: () =>
      routeRevisions({ S3: new S3RevisionSource(new S3Client({})), GitHub: new GitHubRevisionSource() }),
    executions: () => new SfnDeploymentExecutions(sfnClient(), settings.stateMachineArns),
    deploymentConfigs: () => new DynamoDbDeploymentConfigStore(table().client, settings.tableName),
    controlPlane: () => dynamoDbControlPlaneStores(table().client, settings.tableName),
  };
  const adapters: Partial<AwsAdapters> = {};
  for (const port of ports) Object.assign(adapters, { [port]: factories[port]() });
  return adapters as Pick<AwsAdapters, P>;
}
