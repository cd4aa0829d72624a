import type { DeploymentConfigInfo } from '../domain/deployment-configs.js';

/** A custom deployment configuration as stored: the API's DeploymentConfigInfo with an ISO createTime. */
export interface DeploymentConfigRecord extends Omit<
  DeploymentConfigInfo,
  'createTime' | 'deploymentConfigId'
> {
  deploymentConfigId: string;
  createTime: string;
}

/** Custom deployment configurations (the 17 predefined ones live in functions/domain). */
export interface DeploymentConfigStore {
  /** Throws DeploymentConfigAlreadyExistsException when the name is taken. */
  createDeploymentConfig(record: DeploymentConfigRecord): Promise<void>;
  getDeploymentConfig(deploymentConfigName: string): Promise<DeploymentConfigRecord | undefined>;
  /** Every custom config, in name order (CodeDeploy allows 200 per account). */
  listDeploymentConfigs(): Promise<DeploymentConfigRecord[]>;
  /** A no-op when it does not exist. */
  deleteDeploymentConfig(deploymentConfigName: string): Promise<void>;
}
