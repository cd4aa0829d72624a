import {
  getPredefinedConfig,
  resolveDeploymentConfig,
  type DeploymentConfigInfo,
} from '../domain/deployment-configs.js';
import type { StepDeps } from './deps.js';

/**
 * The deployment's config: a predefined one (their prefix is reserved, so no custom config shadows
 * one), else the custom config of that name (CreateDeploymentConfig), else
 * DeploymentConfigDoesNotExistException.
 */
export async function deploymentConfigOf(
  deps: Pick<StepDeps, 'deploymentConfigs'>,
  name: string,
): Promise<DeploymentConfigInfo> {
  if (getPredefinedConfig(name)) return resolveDeploymentConfig(name);
  const custom = await deps.deploymentConfigs.getDeploymentConfig(name);
  if (!custom) return resolveDeploymentConfig(name);
  const { createTime: _created, ...config } = custom;
  return resolveDeploymentConfig(name, [config as DeploymentConfigInfo]);
}
