import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { AlarmsPort } from '../../ports/alarms.js';
import type { DeploymentExecutionsPort } from '../../ports/deployment-executions.js';
import type { DeploymentStore } from '../../ports/deployment-store.js';
import type { EventsPort } from '../../ports/events.js';
import type { HookInvokerPort } from '../../ports/hook-invoker.js';
import type { InstanceTransportPort } from '../../ports/instance-transport.js';
import type { LambdaAliasPort } from '../../ports/lambda-alias.js';
import type { LoadBalancerPort } from '../../ports/load-balancer.js';
import type { ComputePlatform } from '../../ports/records.js';
import type { RevisionSourcePort } from '../../ports/revision-source.js';
import type { TaskCallbacksPort } from '../../ports/task-callbacks.js';
import { AwsAlarms } from './alarms.js';
import { SfnDeploymentExecutions } from './deployment-executions.js';
import { DynamoDbDeploymentStore } from './dynamodb-store.js';
import { Elbv2LoadBalancer } from './elbv2-load-balancer.js';
import { AwsEvents } from './events.js';
import { AwsHookInvoker } from './hook-invoker.js';
import { AwsLambdaAlias } from './lambda-alias.js';
import { S3RevisionSource } from './s3-revision-source.js';
import { SsmInstanceTransport } from './ssm-transport.js';
import { AwsTaskCallbacks } from './task-callbacks.js';

export interface AwsAdapterSettings {
  tableName: string;
  eventBusName: string;
  stateMachineArns: Partial<Record<ComputePlatform, string>>;
}

export interface AwsAdapters {
  store: DeploymentStore;
  lambda: LambdaAliasPort;
  hooks: HookInvokerPort;
  alarms: AlarmsPort;
  callbacks: TaskCallbacksPort;
  events: EventsPort;
  transport: InstanceTransportPort;
  loadBalancer: LoadBalancerPort;
  revisions: RevisionSourcePort;
  executions: DeploymentExecutionsPort;
}

/** The name of each port an AWS adapter serves (the keys of StepDeps that talk to AWS). */
export type AwsPortName = keyof AwsAdapters;

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
  const factories: { [K in AwsPortName]: () => AwsAdapters[K] } = {
    store: () => new DynamoDbDeploymentStore(new DynamoDBClient({}), settings.tableName),
    lambda: () => new AwsLambdaAlias(lambdaClient()),
    hooks: () => new AwsHookInvoker(lambdaClient()),
    alarms: () => new AwsAlarms(new CloudWatchClient({})),
    callbacks: () => new AwsTaskCallbacks(sfnClient()),
    events: () => new AwsEvents(new EventBridgeClient({}), settings.eventBusName),
    transport: () => new SsmInstanceTransport(new SSMClient({})),
    loadBalancer: () => new Elbv2LoadBalancer(new ElasticLoadBalancingV2Client({})),
    revisions: () => new S3RevisionSource(new S3Client({})),
    executions: () => new SfnDeploymentExecutions(sfnClient(), settings.stateMachineArns),
  };
  const adapters: Partial<AwsAdapters> = {};
  for (const port of ports) Object.assign(adapters, { [port]: factories[port]() });
  return adapters as Pick<AwsAdapters, P>;
}
