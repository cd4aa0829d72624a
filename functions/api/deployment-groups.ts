/**
 * CreateDeploymentGroup, GetDeploymentGroup, BatchGetDeploymentGroups, ListDeploymentGroups,
 * UpdateDeploymentGroup and DeleteDeploymentGroup. A group is stored as the DeploymentGroupRecord the
 * engine reads (functions/ports/records.ts), with CodeDeploy's DeploymentGroupInfo members under their
 * own names; groups the engine or the CDK constructs wrote without them read back with the defaults
 * CodeDeploy reports.
 */
import { CodeDeployException } from '../domain/codedeploy-exception.js';
import type {
  ComputePlatform,
  CreateDeploymentGroupInput,
  DeploymentGroupInfo,
  UpdateDeploymentGroupInput,
} from '../domain/codedeploy-shapes.js';
import {
  DEFAULT_GROUP_CONFIG,
  validateDeploymentGroup,
  type DeploymentGroupSpec,
  type NormalizedDeploymentGroup,
} from '../domain/deployment-group-rules.js';
import { getPredefinedConfig } from '../domain/deployment-configs.js';
import type { DeploymentGroupSettings } from '../ports/deployment-group-configs.js';
import type { DeploymentGroupRecord } from '../ports/records.js';
import {
  checkApplicationName,
  checkBatchSize,
  checkDeploymentGroupName,
  checkName,
  checkResourceTags,
  DEFAULT_PAGE_SIZE,
  requireApplication,
  requireDeploymentGroup,
  requireList,
  type ControlPlane,
} from './control-plane.js';
import { operation, type OperationEntry } from './operation-table.js';

export const MAX_DEPLOYMENT_GROUPS_PER_APPLICATION = 1000;
export const BATCH_GET_DEPLOYMENT_GROUPS_LIMIT = 100;

type GroupRef = { applicationName: string; deploymentGroupName: string };

/** The spec members a request gives (absent ones stay as they are on update). */
const SPEC_MEMBERS = [
  'deploymentConfigName',
  'serviceRoleArn',
  'ec2TagFilters',
  'ec2TagSet',
  'onPremisesInstanceTagFilters',
  'onPremisesTagSet',
  'autoScalingGroups',
  'triggerConfigurations',
  'alarmConfiguration',
  'autoRollbackConfiguration',
  'outdatedInstancesStrategy',
  'deploymentStyle',
  'blueGreenDeploymentConfiguration',
  'loadBalancerInfo',
  'ecsServices',
  'terminationHookEnabled',
] as const satisfies ReadonlyArray<keyof DeploymentGroupSpec>;

/** Pairs a request sets together: giving one clears the other unless both are given. */
const EXCLUSIVE_PAIRS = [
  ['ec2TagFilters', 'ec2TagSet'],
  ['onPremisesInstanceTagFilters', 'onPremisesTagSet'],
] as const;

function specOfInput(
  input: CreateDeploymentGroupInput | UpdateDeploymentGroupInput,
): Partial<DeploymentGroupSpec> {
  const spec: Record<string, unknown> = {};
  for (const member of SPEC_MEMBERS) {
    if (input[member] !== undefined && input[member] !== null) spec[member] = input[member];
  }
  return spec as Partial<DeploymentGroupSpec>;
}

function specOfRecord(record: DeploymentGroupRecord): DeploymentGroupSpec {
  return {
    ...(record.deploymentConfigName ? { deploymentConfigName: record.deploymentConfigName } : {}),
    ...(record.serviceRoleArn ? { serviceRoleArn: record.serviceRoleArn } : {}),
    ...(record.ec2TagFilters ? { ec2TagFilters: record.ec2TagFilters } : {}),
    ...(record.ec2TagSet ? { ec2TagSet: record.ec2TagSet } : {}),
    ...(record.onPremisesInstanceTagFilters
      ? { onPremisesInstanceTagFilters: record.onPremisesInstanceTagFilters }
      : {}),
    ...(record.onPremisesTagSet ? { onPremisesTagSet: record.onPremisesTagSet } : {}),
    ...(record.autoScalingGroups
      ? { autoScalingGroups: record.autoScalingGroups.map((group) => group.name ?? '') }
      : {}),
    ...(record.triggerConfigurations ? { triggerConfigurations: record.triggerConfigurations } : {}),
    ...(record.alarmConfiguration ? { alarmConfiguration: record.alarmConfiguration } : {}),
    ...(record.autoRollbackConfiguration
      ? { autoRollbackConfiguration: record.autoRollbackConfiguration }
      : {}),
    ...(record.outdatedInstancesStrategy
      ? { outdatedInstancesStrategy: record.outdatedInstancesStrategy }
      : {}),
    ...(record.deploymentStyle
      ? { deploymentStyle: record.deploymentStyle }
      : record.targetGroupNames?.length
        ? { deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITH_TRAFFIC_CONTROL' } }
        : {}),
    ...(record.blueGreenDeploymentConfiguration
      ? { blueGreenDeploymentConfiguration: record.blueGreenDeploymentConfiguration }
      : {}),
    ...(record.loadBalancerInfo
      ? { loadBalancerInfo: record.loadBalancerInfo }
      : record.targetGroupNames?.length
        ? { loadBalancerInfo: { targetGroupInfoList: record.targetGroupNames.map((name) => ({ name })) } }
        : {}),
    ...(record.ecsServices ? { ecsServices: record.ecsServices } : {}),
    ...(record.terminationHookEnabled !== undefined
      ? { terminationHookEnabled: record.terminationHookEnabled }
      : {}),
  };
}

function settingsOf(normalized: NormalizedDeploymentGroup): DeploymentGroupSettings {
  const { autoScalingGroups, ...rest } = normalized;
  return { ...rest, autoScalingGroups: autoScalingGroups.map((name) => ({ name })) };
}

/** The config must exist and suit the application's platform. */
async function checkDeploymentConfig(
  controlPlane: ControlPlane,
  name: string,
  platform: ComputePlatform,
): Promise<void> {
  checkName(name, 'deploymentConfigName', 'InvalidDeploymentConfigNameException');
  const config =
    getPredefinedConfig(name) ?? (await controlPlane.deploymentConfigs.getDeploymentConfig(name));
  if (!config) {
    throw new CodeDeployException(
      'DeploymentConfigDoesNotExistException',
      `No deployment configuration found for name: ${name}`,
    );
  }
  if (config.computePlatform !== platform) {
    // [inferred] the exception CodeDeploy uses for a config of another platform is not documented.
    throw new CodeDeployException(
      'InvalidDeploymentConfigNameException',
      `Deployment configuration ${name} is for the ${config.computePlatform} compute platform; this ${platform} deployment group needs a ${platform} configuration.`,
    );
  }
}

const serviceKey = (service: { clusterName?: string; serviceName?: string }) => ({
  clusterName: service.clusterName ?? '',
  serviceName: service.serviceName ?? '',
});

/** Deletes a group and frees the ECS service it held. */
export async function deleteDeploymentGroupAndClaims(
  controlPlane: ControlPlane,
  applicationName: string,
  deploymentGroupName: string,
): Promise<void> {
  const group = await controlPlane.deploymentGroups.getDeploymentGroup(applicationName, deploymentGroupName);
  await controlPlane.deploymentGroups.deleteDeploymentGroup(applicationName, deploymentGroupName);
  for (const service of group?.ecsServices ?? []) {
    await controlPlane.deploymentGroups.releaseEcsService(serviceKey(service), {
      applicationName,
      deploymentGroupName,
    });
  }
}

/** Moves a group to a new name (its own or its application's), with the ECS service it holds. */
export async function moveDeploymentGroupAndClaims(
  controlPlane: ControlPlane,
  from: GroupRef,
  to: GroupRef,
): Promise<void> {
  const group = await requireDeploymentGroup(controlPlane, from.applicationName, from.deploymentGroupName);
  await controlPlane.deploymentGroups.moveDeploymentGroup(from, to);
  for (const service of group.ecsServices ?? []) {
    await controlPlane.deploymentGroups.releaseEcsService(serviceKey(service), from);
    await controlPlane.deploymentGroups.claimEcsService(serviceKey(service), to);
  }
}

/** DeploymentGroupInfo of a stored group: CodeDeploy's members only, with the defaults it reports. */
export async function deploymentGroupInfo(
  controlPlane: ControlPlane,
  record: DeploymentGroupRecord,
): Promise<DeploymentGroupInfo> {
  const platform = record.computePlatform;
  const routesTraffic = (record.targetGroupNames?.length ?? 0) > 0;
  const deployments = controlPlane.describeGroupDeployments
    ? await controlPlane.describeGroupDeployments(record)
    : record.lastSuccessfulDeploymentId
      ? { lastSuccessfulDeployment: { deploymentId: record.lastSuccessfulDeploymentId } }
      : {};
  const alarms = record.alarmConfiguration;
  const loadBalancerInfo =
    record.loadBalancerInfo ??
    (routesTraffic ? { targetGroupInfoList: record.targetGroupNames!.map((name) => ({ name })) } : undefined);
  return {
    applicationName: record.applicationName,
    deploymentGroupId: record.deploymentGroupId,
    deploymentGroupName: record.deploymentGroupName,
    deploymentConfigName: record.deploymentConfigName ?? DEFAULT_GROUP_CONFIG[platform],
    ec2TagFilters: record.ec2TagFilters ?? [],
    onPremisesInstanceTagFilters: record.onPremisesInstanceTagFilters ?? [],
    autoScalingGroups: record.autoScalingGroups ?? [],
    ...(record.serviceRoleArn ? { serviceRoleArn: record.serviceRoleArn } : {}),
    ...(record.targetRevision ? { targetRevision: record.targetRevision } : {}),
    triggerConfigurations: record.triggerConfigurations ?? [],
    alarmConfiguration: {
      enabled: alarms?.enabled ?? false,
      ignorePollAlarmFailure: alarms?.ignorePollAlarmFailure ?? false,
      alarms: (alarms?.alarms ?? []).map((alarm) => ({ name: alarm.name })),
    },
    ...(record.autoRollbackConfiguration
      ? {
          autoRollbackConfiguration: {
            enabled: record.autoRollbackConfiguration.enabled,
            events: record.autoRollbackConfiguration.events,
          },
        }
      : {}),
    deploymentStyle:
      record.deploymentStyle ??
      (platform === 'Server'
        ? {
            deploymentType: 'IN_PLACE',
            deploymentOption: routesTraffic ? 'WITH_TRAFFIC_CONTROL' : 'WITHOUT_TRAFFIC_CONTROL',
          }
        : { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' }),
    outdatedInstancesStrategy: record.outdatedInstancesStrategy ?? 'UPDATE',
    ...(record.blueGreenDeploymentConfiguration
      ? { blueGreenDeploymentConfiguration: record.blueGreenDeploymentConfiguration }
      : {}),
    ...(loadBalancerInfo ? { loadBalancerInfo } : {}),
    ...(deployments.lastSuccessfulDeployment
      ? { lastSuccessfulDeployment: deployments.lastSuccessfulDeployment }
      : {}),
    ...(deployments.lastAttemptedDeployment
      ? { lastAttemptedDeployment: deployments.lastAttemptedDeployment }
      : {}),
    ...(record.ec2TagSet ? { ec2TagSet: record.ec2TagSet } : {}),
    ...(record.onPremisesTagSet ? { onPremisesTagSet: record.onPremisesTagSet } : {}),
    computePlatform: platform,
    ...(record.ecsServices ? { ecsServices: record.ecsServices } : {}),
    ...(record.terminationHookEnabled !== undefined
      ? { terminationHookEnabled: record.terminationHookEnabled }
      : {}),
  };
}

async function claimServices(
  controlPlane: ControlPlane,
  normalized: NormalizedDeploymentGroup,
  group: GroupRef,
): Promise<void> {
  for (const service of normalized.ecsServices ?? []) {
    await controlPlane.deploymentGroups.claimEcsService(serviceKey(service), group);
  }
}

export function deploymentGroupOperations(): Record<string, OperationEntry<ControlPlane>> {
  return {
    CreateDeploymentGroup: operation('CreateDeploymentGroup', async (input, controlPlane) => {
      const application = await requireApplication(controlPlane, input.applicationName);
      const group: GroupRef = {
        applicationName: application.applicationName,
        deploymentGroupName: checkDeploymentGroupName(input.deploymentGroupName),
      };
      const tags = checkResourceTags(input.tags);
      const normalized = validateDeploymentGroup(specOfInput(input), application.computePlatform);
      await checkDeploymentConfig(controlPlane, normalized.deploymentConfigName, application.computePlatform);
      if (
        await controlPlane.deploymentGroups.getDeploymentGroup(
          group.applicationName,
          group.deploymentGroupName,
        )
      ) {
        throw new CodeDeployException(
          'DeploymentGroupAlreadyExistsException',
          `The deployment group ${group.deploymentGroupName} already exists in application ${group.applicationName}: choose another name.`,
        );
      }
      if (
        (await controlPlane.deploymentGroups.countDeploymentGroups(group.applicationName)) >=
        MAX_DEPLOYMENT_GROUPS_PER_APPLICATION
      ) {
        throw new CodeDeployException(
          'DeploymentGroupLimitExceededException',
          `Application ${group.applicationName} has ${MAX_DEPLOYMENT_GROUPS_PER_APPLICATION} deployment groups, the limit: delete one first.`,
        );
      }
      await claimServices(controlPlane, normalized, group);
      const record: DeploymentGroupRecord = {
        ...group,
        deploymentGroupId: controlPlane.newId(),
        computePlatform: application.computePlatform,
        ...settingsOf(normalized),
        ...(tags ? { tags } : {}),
      };
      try {
        await controlPlane.deploymentGroups.createDeploymentGroup(record);
      } catch (error) {
        for (const service of normalized.ecsServices ?? []) {
          await controlPlane.deploymentGroups.releaseEcsService(serviceKey(service), group);
        }
        throw error;
      }
      return { deploymentGroupId: record.deploymentGroupId };
    }),

    GetDeploymentGroup: operation('GetDeploymentGroup', async (input, controlPlane) => {
      const application = await requireApplication(controlPlane, input.applicationName);
      const name = checkDeploymentGroupName(input.deploymentGroupName);
      const record = await requireDeploymentGroup(controlPlane, application.applicationName, name);
      return { deploymentGroupInfo: await deploymentGroupInfo(controlPlane, record) };
    }),

    BatchGetDeploymentGroups: operation('BatchGetDeploymentGroups', async (input, controlPlane) => {
      const application = await requireApplication(controlPlane, input.applicationName);
      const names = requireList(
        input.deploymentGroupNames,
        'DeploymentGroupNameRequiredException',
        'deploymentGroupNames',
      );
      checkBatchSize(names, BATCH_GET_DEPLOYMENT_GROUPS_LIMIT, 'deploymentGroupNames');
      const found: DeploymentGroupInfo[] = [];
      const missing: string[] = [];
      for (const name of new Set(names)) {
        checkDeploymentGroupName(name, 'deploymentGroupNames');
        const record = await controlPlane.deploymentGroups.getDeploymentGroup(
          application.applicationName,
          name,
        );
        if (record) found.push(await deploymentGroupInfo(controlPlane, record));
        else missing.push(name);
      }
      return {
        deploymentGroupsInfo: found,
        ...(missing.length
          ? {
              errorMessage: `Deployment groups not found in application ${application.applicationName}: ${missing.join(', ')}`,
            }
          : {}),
      };
    }),

    ListDeploymentGroups: operation('ListDeploymentGroups', async (input, controlPlane) => {
      const application = await requireApplication(controlPlane, input.applicationName);
      const page = await controlPlane.deploymentGroups.listDeploymentGroups(application.applicationName, {
        limit: controlPlane.pageSize ?? DEFAULT_PAGE_SIZE,
        ...(input.nextToken ? { nextToken: input.nextToken } : {}),
      });
      return {
        applicationName: application.applicationName,
        deploymentGroups: page.items,
        ...(page.nextToken ? { nextToken: page.nextToken } : {}),
      };
    }),

    UpdateDeploymentGroup: operation('UpdateDeploymentGroup', async (input, controlPlane) => {
      const application = await requireApplication(controlPlane, input.applicationName);
      const current: GroupRef = {
        applicationName: application.applicationName,
        deploymentGroupName: checkDeploymentGroupName(
          input.currentDeploymentGroupName,
          'currentDeploymentGroupName',
        ),
      };
      const existing = await requireDeploymentGroup(
        controlPlane,
        current.applicationName,
        current.deploymentGroupName,
      );
      const newName =
        input.newDeploymentGroupName !== undefined &&
        input.newDeploymentGroupName !== current.deploymentGroupName
          ? checkDeploymentGroupName(input.newDeploymentGroupName, 'newDeploymentGroupName')
          : undefined;
      if (newName) {
        const active = await controlPlane.deploymentGroups.activeDeploymentId(
          current.applicationName,
          current.deploymentGroupName,
        );
        if (active) {
          // [inferred] CodeDeploy models no exception for this; the deployment reads its group by name.
          throw new CodeDeployException(
            'InvalidDeploymentGroupNameException',
            `Deployment group ${current.deploymentGroupName} cannot be renamed while deployment ${active} is in progress: wait for it to end, or stop it.`,
          );
        }
        if (await controlPlane.deploymentGroups.getDeploymentGroup(current.applicationName, newName)) {
          throw new CodeDeployException(
            'DeploymentGroupAlreadyExistsException',
            `The deployment group ${newName} already exists in application ${current.applicationName}: choose another name.`,
          );
        }
      }
      const changes = specOfInput(input);
      const merged: DeploymentGroupSpec = { ...specOfRecord(existing), ...changes };
      for (const [a, b] of EXCLUSIVE_PAIRS) {
        if (changes[a] !== undefined && changes[b] === undefined) delete merged[b];
        if (changes[b] !== undefined && changes[a] === undefined) delete merged[a];
      }
      const normalized = validateDeploymentGroup(merged, existing.computePlatform);
      await checkDeploymentConfig(controlPlane, normalized.deploymentConfigName, existing.computePlatform);
      await claimServices(controlPlane, normalized, current);
      await controlPlane.deploymentGroups.updateDeploymentGroup(
        current.applicationName,
        current.deploymentGroupName,
        settingsOf(normalized),
      );
      const kept = new Set(
        (normalized.ecsServices ?? []).map((service) => JSON.stringify(serviceKey(service))),
      );
      for (const service of existing.ecsServices ?? []) {
        if (!kept.has(JSON.stringify(serviceKey(service)))) {
          await controlPlane.deploymentGroups.releaseEcsService(serviceKey(service), current);
        }
      }
      if (newName) {
        await moveDeploymentGroupAndClaims(controlPlane, current, {
          applicationName: current.applicationName,
          deploymentGroupName: newName,
        });
      }
      return { hooksNotCleanedUp: [] };
    }),

    DeleteDeploymentGroup: operation('DeleteDeploymentGroup', async (input, controlPlane) => {
      const applicationName = checkApplicationName(input.applicationName);
      const deploymentGroupName = checkDeploymentGroupName(input.deploymentGroupName);
      await deleteDeploymentGroupAndClaims(controlPlane, applicationName, deploymentGroupName);
      return { hooksNotCleanedUp: [] };
    }),
  };
}
