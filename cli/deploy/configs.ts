/**
 * Deployment configs as `deploy` and `simulate` take them with `--config`: a predefined
 * `CodeDeployDefault.*` config (the prefix may be left out), or a custom one made with `stepdeploy
 * config create` (CreateDeploymentConfig), which the service it deploys through is asked about
 * before anything is touched.
 */
import type { CodeDeployService } from '../../functions/adapters/aws/codedeploy-service.js';
import type { ComputePlatform } from '../../functions/domain/codedeploy-shapes.js';
import {
  getPredefinedConfig,
  PREDEFINED_DEPLOYMENT_CONFIGS,
  type DeploymentConfigInfo,
} from '../../functions/domain/deployment-configs.js';
import { UsageError } from '../exit-codes.js';
import { errorName } from '../service.js';

const FLAGS: Record<ComputePlatform, string> = {
  Server: '--platform server --minimum-healthy-hosts N|N%',
  Lambda: '--platform lambda --canary PERCENT:MINUTES',
  ECS: '--platform ecs --canary PERCENT:MINUTES',
};

function predefinedNames(platform: ComputePlatform): string {
  return PREDEFINED_DEPLOYMENT_CONFIGS.filter((c) => c.computePlatform === platform)
    .map((c) => c.deploymentConfigName)
    .join(', ');
}

/**
 * The predefined config of that name for the platform (the prefix may be left out); undefined for
 * any other name, which can only be a custom config; a predefined config of another platform is a
 * usage error.
 */
export function predefinedConfig(name: string, platform: ComputePlatform): DeploymentConfigInfo | undefined {
  const config = getPredefinedConfig(name) ?? getPredefinedConfig(`CodeDeployDefault.${name}`);
  if (!config && !name.startsWith('CodeDeployDefault.')) return undefined;
  if (config?.computePlatform !== platform) {
    throw new UsageError(
      `${name} is not a ${platform} deployment config; use one of ${predefinedNames(platform)}, or a custom ${platform} config (stepdeploy config create NAME ${FLAGS[platform]}).`,
    );
  }
  return config;
}

/** What a custom config's absence or platform says to the user: the flag, and the fix. */
export function unknownConfig(name: string, platform: ComputePlatform): UsageError {
  return new UsageError(
    `--config ${name}: there is no deployment config of that name. Create it (stepdeploy config create ${name} ${FLAGS[platform]}) or use one of ${predefinedNames(platform)}.`,
  );
}

export function wrongPlatform(name: string, has: string, platform: ComputePlatform): UsageError {
  return new UsageError(
    `--config ${name} is a ${has} deployment config, and this is a ${platform} deployment: use a ${platform} config (${predefinedNames(platform)}, or your own made with --platform ${platform.toLowerCase()}).`,
  );
}

/**
 * The config `deploy` deploys with, checked against the service it deploys through: a predefined
 * one by its full name, a custom one as GetDeploymentConfig describes it.
 */
export async function checkConfigOnService(
  service: CodeDeployService,
  name: string,
  platform: ComputePlatform,
): Promise<DeploymentConfigInfo> {
  const predefined = predefinedConfig(name, platform);
  if (predefined) return predefined;
  try {
    const { deploymentConfigInfo: info } = await service.send('GetDeploymentConfig', {
      deploymentConfigName: name,
    });
    if (info?.computePlatform !== platform) throw wrongPlatform(name, info?.computePlatform ?? '?', platform);
    return {
      deploymentConfigName: name,
      computePlatform: platform,
      ...(info.minimumHealthyHosts
        ? {
            minimumHealthyHosts: info.minimumHealthyHosts as NonNullable<
              DeploymentConfigInfo['minimumHealthyHosts']
            >,
          }
        : {}),
      ...(info.trafficRoutingConfig
        ? {
            trafficRoutingConfig: info.trafficRoutingConfig as NonNullable<
              DeploymentConfigInfo['trafficRoutingConfig']
            >,
          }
        : {}),
    };
  } catch (error) {
    const code = errorName(error);
    if (code === 'DeploymentConfigDoesNotExistException' || code === 'InvalidDeploymentConfigNameException') {
      throw unknownConfig(name, platform);
    }
    throw error;
  }
}
