/**
 * `deploy --blue-green`'s set-up on local hosts, through the API as a CodeDeploy user would make a
 * blue/green group for EC2: the group selects its fleet by one Auto Scaling group, copies it for each
 * deployment (COPY_AUTO_SCALING_GROUP) and reroutes through the target group `local`. On one machine
 * an Auto Scaling group is the hosts tagged `aws:autoscaling:groupName` = its name (the tag EC2 Auto
 * Scaling gives its instances): the first deployment registers `host-1`...`host-N` so tagged; every
 * blue/green deployment makes new hosts tagged with its copy's name, which becomes the group's fleet.
 * `--hosts` sizes the first fleet only: later ones are copies of the one in service.
 */
import type { CodeDeployService } from '../../functions/adapters/aws/codedeploy-service.js';
import type { BlueGreenDeploymentConfiguration } from '../../functions/domain/codedeploy-shapes.js';
import { AUTO_SCALING_GROUP_TAG } from '../../functions/ports/replacement-fleet.js';
import { hostId } from '../../local/hosts/hosts.js';
import { errorName, type ServiceConnection } from '../service.js';
import {
  LOCAL_SERVICE_ROLE,
  writeDeploymentGroup,
  type DeploymentGroupSettings,
} from './deployment-group.js';
import type { BlueGreenSetUpOptions, PlatformSetUpStep } from './platform.js';
import { ensure5xxAlarm, ensureApplication, LOCAL_5XX_ALARM, LOCAL_TARGET_GROUP } from './server-platform.js';

/** The first fleet's Auto Scaling group (the group's own name, so two groups never share hosts). */
export function initialFleetName(deploymentGroupName: string): string {
  return `${deploymentGroupName}-fleet`;
}

/** CodeDeploy's BlueGreenDeploymentConfiguration for the flags. */
export function blueGreenConfiguration(options: BlueGreenSetUpOptions): BlueGreenDeploymentConfiguration {
  const readyWait = options.readyWaitMinutes ?? 0;
  return {
    deploymentReadyOption:
      readyWait > 0
        ? { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: readyWait }
        : { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
    terminateBlueInstancesOnDeploymentSuccess: options.keepOriginals
      ? { action: 'KEEP_ALIVE', terminationWaitTimeInMinutes: 0 }
      : { action: 'TERMINATE', terminationWaitTimeInMinutes: options.terminationWaitMinutes ?? 0 },
    greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' },
  };
}

/** The hosts in service of a fleet (registered, tagged with its name). */
async function fleetMembers(service: CodeDeployService, fleet: string): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await service.send('ListOnPremisesInstances', {
      registrationStatus: 'Registered',
      tagFilters: [{ Key: AUTO_SCALING_GROUP_TAG, Value: fleet, Type: 'KEY_AND_VALUE' }],
      ...(nextToken ? { nextToken } : {}),
    });
    names.push(...(page.instanceNames ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}

/** host-1...host-N registered (again, if an earlier deployment terminated them) in the fleet. */
async function registerFleet(service: CodeDeployService, fleet: string, count: number): Promise<void> {
  for (let index = 1; index <= count; index++) {
    const name = hostId(index);
    const { instanceInfo } = await service
      .send('GetOnPremisesInstance', { instanceName: name })
      .catch((error: unknown) => {
        if (errorName(error) === 'InstanceNotRegisteredException') return { instanceInfo: undefined };
        throw error;
      });
    if (!instanceInfo || instanceInfo.deregisterTime !== undefined) {
      await service.send('RegisterOnPremisesInstance', {
        instanceName: name,
        iamUserArn: `arn:aws:iam::000000000000:user/stepdeploy/${name}`,
      });
    }
    const stale = (instanceInfo?.tags ?? []).filter(
      (tag) => tag.Key === AUTO_SCALING_GROUP_TAG && tag.Value !== fleet,
    );
    if (stale.length > 0)
      await service.send('RemoveTagsFromOnPremisesInstances', { instanceNames: [name], tags: stale });
    await service.send('AddTagsToOnPremisesInstances', {
      instanceNames: [name],
      tags: [
        { Key: 'Name', Value: name },
        { Key: AUTO_SCALING_GROUP_TAG, Value: fleet },
      ],
    });
  }
}

export const blueGreenSetUp: PlatformSetUpStep = async (connection: ServiceConnection, input) => {
  const service = connection.codedeploy;
  const options = input.blueGreen ?? { keepOriginals: false };
  await ensureApplication(service, input.applicationName);
  let existing;
  try {
    ({ deploymentGroupInfo: existing } = await service.send('GetDeploymentGroup', {
      applicationName: input.applicationName,
      deploymentGroupName: input.deploymentGroupName,
    }));
  } catch (error) {
    if (errorName(error) !== 'DeploymentGroupDoesNotExistException') throw error;
  }
  // The fleet in service: the group's Auto Scaling group once a deployment copied it, else a new one.
  const current = existing?.autoScalingGroups?.[0]?.name;
  const fleet =
    current && (await fleetMembers(service, current)).length > 0
      ? current
      : initialFleetName(input.deploymentGroupName);
  if (fleet !== current || (await fleetMembers(service, fleet)).length === 0) {
    await registerFleet(service, fleet, input.hosts ?? 1);
  }
  await ensure5xxAlarm(connection, input.alarm5xxRatePercent);
  const settings: DeploymentGroupSettings = {
    deploymentConfigName: input.configName,
    serviceRoleArn: LOCAL_SERVICE_ROLE,
    // Blue/green runs on EC2 instances (here: hosts in an Auto Scaling group), never on-premises tags.
    onPremisesInstanceTagFilters: [],
    autoScalingGroups: [fleet],
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    loadBalancerInfo: { targetGroupInfoList: [{ name: LOCAL_TARGET_GROUP }] },
    blueGreenDeploymentConfiguration: blueGreenConfiguration(options),
    alarmConfiguration:
      input.alarm5xxRatePercent !== undefined
        ? { enabled: true, ignorePollAlarmFailure: false, alarms: [{ name: LOCAL_5XX_ALARM }] }
        : { enabled: false, ignorePollAlarmFailure: false, alarms: [] },
    autoRollbackConfiguration: input.autoRollback
      ? { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] }
      : { enabled: false, events: [] },
  };
  await writeDeploymentGroup(service, input, settings, Boolean(existing));
  const url = connection.serverFile?.()?.loadBalancers[LOCAL_TARGET_GROUP];
  return url ? { loadBalancerUrl: url } : {};
};
