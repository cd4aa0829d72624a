/**
 * `deploy`'s set-up for the Server platform on local hosts, through the API as any CodeDeploy user
 * would do it: `--hosts N` registers on-premises instances `host-1`...`host-N` (the server makes each
 * a local host) tagged `Name=host-K`, and the deployment group selects exactly those by tag filters;
 * `--load-balancer` puts them behind the target group `local` (a local load balancer); the 5xx
 * alarm is a local stand-in for a CloudWatch alarm on that load balancer, which only a server in
 * this process can create. Another platform's set-up (ECS services) is a module like this one.
 */
import type { CodeDeployService } from '../../functions/adapters/aws/codedeploy-service.js';
import { hostId } from '../../local/hosts/hosts.js';
import { UsageError } from '../exit-codes.js';
import { errorName, type ServiceConnection } from '../service.js';
import { LOCAL_SERVICE_ROLE, putDeploymentGroup, type DeploymentGroupSettings } from './deployment-group.js';
import type { PlatformSetUpStep } from './platform.js';

/** The target group the hosts sit behind with `--load-balancer`. */
export const LOCAL_TARGET_GROUP = 'local';
export const LOCAL_5XX_ALARM = 'local-load-balancer-5xx';

export interface ServerPlatformOptions {
  applicationName: string;
  deploymentGroupName: string;
  configName: string;
  hosts: number;
  loadBalancer: boolean;
  alarm5xxRatePercent?: number;
  autoRollback: boolean;
}

export interface ServerPlatformSetUp {
  /** The local load balancer's URL, with `--load-balancer`. */
  loadBalancerUrl?: string;
}

/** Registers the hosts that are not registered yet and tags each with its name. */
async function registerHosts(service: CodeDeployService, count: number): Promise<void> {
  const names = Array.from({ length: count }, (_, index) => hostId(index + 1));
  for (let start = 0; start < names.length; start += 25) {
    const batch = names.slice(start, start + 25);
    const { instanceInfos } = await service.send('BatchGetOnPremisesInstances', { instanceNames: batch });
    const known = new Map((instanceInfos ?? []).map((info) => [info.instanceName, info]));
    for (const name of batch) {
      const info = known.get(name);
      if (!info || info.deregisterTime !== undefined) {
        await service.send('RegisterOnPremisesInstance', {
          instanceName: name,
          iamUserArn: `arn:aws:iam::000000000000:user/stepdeploy/${name}`,
        });
      }
      if (!info?.tags?.some((tag) => tag.Key === 'Name' && tag.Value === name)) {
        await service.send('AddTagsToOnPremisesInstances', {
          instanceNames: [name],
          tags: [{ Key: 'Name', Value: name }],
        });
      }
    }
  }
}

export async function ensureApplication(service: CodeDeployService, applicationName: string): Promise<void> {
  try {
    const { application } = await service.send('GetApplication', { applicationName });
    if (application?.computePlatform && application.computePlatform !== 'Server') {
      throw new UsageError(
        `the application ${applicationName} deploys to ${application.computePlatform}, and \`deploy\` deploys Server revisions to local hosts: use another --application.`,
      );
    }
  } catch (error) {
    if (errorName(error) !== 'ApplicationDoesNotExistException') throw error;
    await service.send('CreateApplication', { applicationName, computePlatform: 'Server' });
  }
}

/** The local 5xx alarm on the hosts' load balancer (`--alarm-5xx-rate`), made once per server. */
export async function ensure5xxAlarm(
  connection: ServiceConnection,
  thresholdPercent: number | undefined,
): Promise<void> {
  if (thresholdPercent === undefined) return;
  if (!connection.server) {
    throw new UsageError(
      '--alarm-5xx-rate creates a local alarm, which only a server in this process can do, and a stepdeploy server is running for this state directory: stop it, or deploy without --alarm-5xx-rate.',
    );
  }
  if (connection.server.alarms.has(LOCAL_5XX_ALARM)) return;
  const listener = await connection.server.loadBalancers.get(LOCAL_TARGET_GROUP);
  await connection.server.alarms.add(
    await listener.createAlarm({
      name: LOCAL_5XX_ALARM,
      periodMs: 1000,
      evaluationPeriods: 2,
      thresholdPercent,
      minRequests: 5,
    }),
  );
}

export async function setUpServerPlatform(
  connection: ServiceConnection,
  options: ServerPlatformOptions,
): Promise<ServerPlatformSetUp> {
  const service = connection.codedeploy;
  if (options.alarm5xxRatePercent !== undefined && !connection.server) {
    throw new UsageError(
      '--alarm-5xx-rate creates a local alarm, which only a server in this process can do, and a stepdeploy server is running for this state directory: stop it, or deploy without --alarm-5xx-rate.',
    );
  }
  await registerHosts(service, options.hosts);
  await ensureApplication(service, options.applicationName);

  await ensure5xxAlarm(connection, options.alarm5xxRatePercent);
  const settings: DeploymentGroupSettings = {
    deploymentConfigName: options.configName,
    serviceRoleArn: LOCAL_SERVICE_ROLE,
    onPremisesInstanceTagFilters: Array.from({ length: options.hosts }, (_, index) => ({
      Key: 'Name',
      Value: hostId(index + 1),
      Type: 'KEY_AND_VALUE' as const,
    })),
    deploymentStyle: {
      deploymentType: 'IN_PLACE',
      deploymentOption: options.loadBalancer ? 'WITH_TRAFFIC_CONTROL' : 'WITHOUT_TRAFFIC_CONTROL',
    },
    ...(options.loadBalancer
      ? { loadBalancerInfo: { targetGroupInfoList: [{ name: LOCAL_TARGET_GROUP }] } }
      : {}),
    alarmConfiguration:
      options.alarm5xxRatePercent !== undefined
        ? { enabled: true, ignorePollAlarmFailure: false, alarms: [{ name: LOCAL_5XX_ALARM }] }
        : { enabled: false, ignorePollAlarmFailure: false, alarms: [] },
    autoRollbackConfiguration: options.autoRollback
      ? { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] }
      : { enabled: false, events: [] },
  };
  await putDeploymentGroup(service, options, settings);
  if (!options.loadBalancer) return {};
  const url = connection.serverFile?.()?.loadBalancers[LOCAL_TARGET_GROUP];
  return url ? { loadBalancerUrl: url } : {};
}

/** The Server set-up as `deploy` calls every platform's (platform.ts). */
export const serverSetUp: PlatformSetUpStep = (connection, input) =>
  setUpServerPlatform(connection, {
    applicationName: input.applicationName,
    deploymentGroupName: input.deploymentGroupName,
    configName: input.configName,
    hosts: input.hosts ?? 1,
    loadBalancer: input.loadBalancer === true,
    ...(input.alarm5xxRatePercent !== undefined ? { alarm5xxRatePercent: input.alarm5xxRatePercent } : {}),
    autoRollback: input.autoRollback,
  });
