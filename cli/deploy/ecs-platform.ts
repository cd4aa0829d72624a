/**
 * `deploy`'s set-up for an ECS AppSpec on a local server, beside server-platform.ts and behind the
 * same shape (platform.ts): the application (compute platform ECS) through CodeDeploy's API; then
 * the local ECS service through the server's own operations (local/server/local-ecs-operations.ts),
 * which register the revision's task-definition file, create the service on its first deployment
 * (that task definition as its only task set, all traffic on it: no deployment runs), add a test
 * listener if asked, keep the revision's directory for the hook programs, and make the 5xx alarm;
 * then the deployment group (CreateDeploymentGroup or UpdateDeploymentGroup), naming the service,
 * its target-group pair and listeners, the config, the alarm, automatic rollback and the
 * termination wait, as any CodeDeploy user's group for an EXTERNAL-controller service would.
 */
import type { CodeDeployService } from '../../functions/adapters/aws/codedeploy-service.js';
import { callServerApi } from '../../local/server/api-client.js';
import {
  LOCAL_ECS_TARGET_PREFIX,
  type DescribeServiceOutput,
  type EnsureServiceInput,
  type EnsureServiceOutput,
} from '../../local/server/local-ecs-operations.js';
import { UsageError } from '../exit-codes.js';
import { errorName, type ServiceConnection } from '../service.js';
import { LOCAL_SERVICE_ROLE, putDeploymentGroup, type DeploymentGroupSettings } from './deployment-group.js';
import type { EcsPlatformOptions, EcsPlatformSetUp, PlatformSetUp, PlatformSetUpStep } from './platform.js';

export type { EcsPlatformOptions, EcsPlatformSetUp } from './platform.js';

export const LOCAL_CLUSTER = 'local';

/** The server's local ECS operations, signed with the key of its server.json. */
export function localEcsClient(connection: ServiceConnection) {
  const file = connection.serverFile?.();
  if (!file?.endpoint) {
    throw new Error('The local ECS service is reached through a local stepdeploy server, and none answers.');
  }
  const key = { accessKeyId: file.accessKeyId, secretAccessKey: file.secretAccessKey, region: file.region };
  const call = <T>(operation: string, body: unknown) =>
    callServerApi<T>(file.endpoint, `${LOCAL_ECS_TARGET_PREFIX}${operation}`, body, key, {
      timeoutMs: 120_000,
    });
  return {
    ensureService: (input: EnsureServiceInput) => call<EnsureServiceOutput>('EnsureService', input),
    describeService: (input: { clusterName?: string; serviceName: string }) =>
      call<DescribeServiceOutput>('DescribeService', input),
  };
}

async function ensureEcsApplication(service: CodeDeployService, applicationName: string): Promise<void> {
  try {
    const { application } = await service.send('GetApplication', { applicationName });
    if (application?.computePlatform && application.computePlatform !== 'ECS') {
      throw new UsageError(
        `the application ${applicationName} deploys to ${application.computePlatform}, and this revision is an ECS AppSpec: use another --application.`,
      );
    }
  } catch (error) {
    if (errorName(error) !== 'ApplicationDoesNotExistException') throw error;
    await service.send('CreateApplication', { applicationName, computePlatform: 'ECS' });
  }
}

export async function setUpEcsPlatform(
  connection: ServiceConnection,
  options: EcsPlatformOptions,
): Promise<EcsPlatformSetUp> {
  const service = connection.codedeploy;
  await ensureEcsApplication(service, options.applicationName);
  const { appSpec } = options.revision;
  let ensured: EnsureServiceOutput;
  try {
    ensured = await localEcsClient(connection).ensureService({
      clusterName: LOCAL_CLUSTER,
      serviceName: options.serviceName,
      ...(options.revision.taskDefinitionFile
        ? { taskDefinitionFile: options.revision.taskDefinitionFile }
        : { taskDefinition: appSpec.taskDefinition }),
      containerName: appSpec.containerName,
      containerPort: appSpec.containerPort,
      hooksDirectory: options.revision.directory,
      ...(options.desiredCount !== undefined ? { desiredCount: options.desiredCount } : {}),
      ...(options.listenerPort !== undefined ? { productionListenerPort: options.listenerPort } : {}),
      ...(options.testListenerPort !== undefined ? { testListenerPort: options.testListenerPort } : {}),
      ...(options.alarm5xxRatePercent !== undefined
        ? { alarm5xxRatePercent: options.alarm5xxRatePercent }
        : {}),
    });
  } catch (error) {
    // The server names what it refused (a task definition, a port, a count): the revision or a flag.
    if (errorName(error) === 'InvalidParameterException') throw new EcsSetUpError((error as Error).message);
    // A flag that asks an existing service for another count or port: a usage error.
    if (errorName(error) === 'ServiceMismatchException') throw new UsageError((error as Error).message);
    throw error;
  }
  const settings: DeploymentGroupSettings = {
    deploymentConfigName: options.configName,
    serviceRoleArn: LOCAL_SERVICE_ROLE,
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    blueGreenDeploymentConfiguration: {
      deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
      terminateBlueInstancesOnDeploymentSuccess: {
        action: 'TERMINATE',
        terminationWaitTimeInMinutes: options.terminationWaitMinutes,
      },
    },
    ecsServices: ensured.deploymentGroup.ecsServices ?? [],
    loadBalancerInfo: ensured.deploymentGroup.loadBalancerInfo ?? {},
    alarmConfiguration: ensured.alarmName
      ? { enabled: true, ignorePollAlarmFailure: false, alarms: [{ name: ensured.alarmName }] }
      : { enabled: false, ignorePollAlarmFailure: false, alarms: [] },
    // A stop (Ctrl-C on a client, `stepdeploy stop`) rolls back too: the service is left as before,
    // not with two task sets that the next deployment would refuse.
    autoRollbackConfiguration: options.autoRollback
      ? {
          enabled: true,
          events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'],
        }
      : { enabled: false, events: [] },
  };
  await putDeploymentGroup(service, options, settings);
  return {
    created: ensured.created,
    clusterName: LOCAL_CLUSTER,
    serviceName: options.serviceName,
    taskDefinitionArn: ensured.taskDefinitionArn,
    listeners: ensured.listeners,
  };
}

/** What the local ECS service refused in the revision or the flags: the thing deployed is bad (exit 1). */
export class EcsSetUpError extends Error {
  override name = 'EcsSetUpError';
}

/** The ECS set-up as `deploy` calls every platform's (platform.ts). */
export const ecsSetUp: PlatformSetUpStep = async (connection, input): Promise<PlatformSetUp> => {
  if (!input.ecs) throw new Error('The ECS set-up needs the ECS revision and its flags.');
  return {
    ecs: await setUpEcsPlatform(connection, {
      applicationName: input.applicationName,
      deploymentGroupName: input.deploymentGroupName,
      configName: input.configName,
      autoRollback: input.autoRollback,
      ...(input.alarm5xxRatePercent !== undefined ? { alarm5xxRatePercent: input.alarm5xxRatePercent } : {}),
      ...input.ecs,
    }),
  };
};
