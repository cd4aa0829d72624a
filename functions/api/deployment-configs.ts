/**
 * CreateDeploymentConfig, GetDeploymentConfig, ListDeploymentConfigs and DeleteDeploymentConfig: the
 * 17 predefined configs (functions/domain/deployment-configs.ts) and the custom ones in the store.
 */
import { CodeDeployException } from '../domain/codedeploy-exception.js';
import type { DeploymentConfigInfo as ApiDeploymentConfigInfo } from '../domain/codedeploy-shapes.js';
import {
  getPredefinedConfig,
  PREDEFINED_DEPLOYMENT_CONFIGS,
  validateCustomDeploymentConfig,
  type DeploymentConfigInfo,
} from '../domain/deployment-configs.js';
import type { DeploymentConfigRecord } from '../ports/deployment-configs.js';
import { checkName, DEFAULT_PAGE_SIZE, offsetPage, seconds, type ControlPlane } from './control-plane.js';
import { operation, type OperationEntry } from './operation-table.js';

/** Custom configurations per account (reference §3.1). */
export const MAX_CUSTOM_DEPLOYMENT_CONFIGS = 200;

const checkConfigName = (name: string) =>
  checkName(name, 'deploymentConfigName', 'InvalidDeploymentConfigNameException');

function configInfo(config: DeploymentConfigInfo | DeploymentConfigRecord): ApiDeploymentConfigInfo {
  return {
    ...(config.deploymentConfigId ? { deploymentConfigId: config.deploymentConfigId } : {}),
    deploymentConfigName: config.deploymentConfigName,
    ...(config.minimumHealthyHosts
      ? {
          minimumHealthyHosts: {
            type: config.minimumHealthyHosts.type as 'HOST_COUNT' | 'FLEET_PERCENT',
            value: config.minimumHealthyHosts.value,
          },
        }
      : {}),
    ...(typeof config.createTime === 'string' ? { createTime: seconds(config.createTime) } : {}),
    computePlatform: config.computePlatform,
    ...(config.trafficRoutingConfig ? { trafficRoutingConfig: config.trafficRoutingConfig } : {}),
    ...(config.zonalConfig ? { zonalConfig: config.zonalConfig } : {}),
  };
}

export function deploymentConfigOperations(): Record<string, OperationEntry<ControlPlane>> {
  return {
    CreateDeploymentConfig: operation('CreateDeploymentConfig', async (input, controlPlane) => {
      const valid = validateCustomDeploymentConfig({
        deploymentConfigName: input.deploymentConfigName,
        ...(input.computePlatform ? { computePlatform: input.computePlatform } : {}),
        ...(input.minimumHealthyHosts
          ? {
              minimumHealthyHosts: input.minimumHealthyHosts as DeploymentConfigInfo['minimumHealthyHosts'] &
                object,
            }
          : {}),
        ...(input.trafficRoutingConfig
          ? {
              trafficRoutingConfig:
                input.trafficRoutingConfig as DeploymentConfigInfo['trafficRoutingConfig'] & object,
            }
          : {}),
        ...(input.zonalConfig
          ? { zonalConfig: input.zonalConfig as DeploymentConfigInfo['zonalConfig'] & object }
          : {}),
      });
      if (
        (await controlPlane.deploymentConfigs.listDeploymentConfigs()).length >= MAX_CUSTOM_DEPLOYMENT_CONFIGS
      ) {
        throw new CodeDeployException(
          'DeploymentConfigLimitExceededException',
          `There are ${MAX_CUSTOM_DEPLOYMENT_CONFIGS} custom deployment configurations, the limit: delete one first.`,
        );
      }
      const record: DeploymentConfigRecord = {
        ...valid,
        deploymentConfigId: controlPlane.newId(),
        createTime: controlPlane.clock.now().toISOString(),
      };
      await controlPlane.deploymentConfigs.createDeploymentConfig(record);
      return { deploymentConfigId: record.deploymentConfigId };
    }),

    GetDeploymentConfig: operation('GetDeploymentConfig', async (input, controlPlane) => {
      const name = checkConfigName(input.deploymentConfigName);
      const config =
        getPredefinedConfig(name) ?? (await controlPlane.deploymentConfigs.getDeploymentConfig(name));
      if (!config) {
        throw new CodeDeployException(
          'DeploymentConfigDoesNotExistException',
          `No deployment configuration found for name: ${name}`,
        );
      }
      return { deploymentConfigInfo: configInfo(config) };
    }),

    ListDeploymentConfigs: operation('ListDeploymentConfigs', async (input, controlPlane) => {
      const custom = await controlPlane.deploymentConfigs.listDeploymentConfigs();
      const names = [
        ...PREDEFINED_DEPLOYMENT_CONFIGS.map((config) => config.deploymentConfigName),
        ...custom.map((config) => config.deploymentConfigName).sort(),
      ];
      const page = offsetPage(names, input.nextToken, controlPlane.pageSize ?? DEFAULT_PAGE_SIZE);
      return { deploymentConfigsList: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    }),

    DeleteDeploymentConfig: operation('DeleteDeploymentConfig', async (input, controlPlane) => {
      const name = checkConfigName(input.deploymentConfigName);
      if (getPredefinedConfig(name)) {
        throw new CodeDeployException(
          'InvalidOperationException',
          `${name} is a predefined deployment configuration and cannot be deleted.`,
        );
      }
      const users = await controlPlane.deploymentGroups.groupsUsingConfig(name);
      if (users.length > 0) {
        const named = users
          .slice(0, 5)
          .map((group) => `${group.applicationName}/${group.deploymentGroupName}`);
        throw new CodeDeployException(
          'DeploymentConfigInUseException',
          `The deployment configuration ${name} is still in use by deployment group${users.length > 1 ? 's' : ''} ${named.join(', ')}${users.length > 5 ? ', ...' : ''}: give them another configuration first.`,
        );
      }
      const running = (await controlPlane.activeDeploymentsUsingConfig?.(name)) ?? [];
      if (running.length > 0) {
        throw new CodeDeployException(
          'DeploymentConfigInUseException',
          `The deployment configuration ${name} is in use by deployment${running.length > 1 ? 's' : ''} ${running.slice(0, 5).join(', ')}${running.length > 5 ? ', ...' : ''}, not finished yet: wait for ${running.length > 1 ? 'them' : 'it'} to end.`,
        );
      }
      await controlPlane.deploymentConfigs.deleteDeploymentConfig(name);
      return {};
    }),
  };
}
