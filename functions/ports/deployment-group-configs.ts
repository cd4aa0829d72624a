import type { DeploymentGroupRecord } from './records.js';
import type { Page, PageRequest } from './pages.js';

/**
 * The fields of a group the control plane sets (CreateDeploymentGroup, UpdateDeploymentGroup). The
 * others are never written by an update: the identity (names, id, platform, tags) is fixed at creation,
 * and the engine's fields (instanceIds of groups declared with explicit instances, last success,
 * health) are the engine's.
 */
export const DEPLOYMENT_GROUP_SETTINGS = [
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
  'deploymentStyle',
  'outdatedInstancesStrategy',
  'blueGreenDeploymentConfiguration',
  'loadBalancerInfo',
  'ecsServices',
  'terminationHookEnabled',
  'targetGroupNames',
] as const satisfies ReadonlyArray<keyof DeploymentGroupRecord>;

export type DeploymentGroupSettings = Pick<DeploymentGroupRecord, (typeof DEPLOYMENT_GROUP_SETTINGS)[number]>;

/**
 * Deployment groups as the control plane manages them: the same CONFIG item the engine reads
 * (`DeploymentStore.getDeploymentGroup`), plus a listing per application. Updates set and remove
 * only the control plane's fields, so a deployment's health and last success survive an update.
 */
export interface DeploymentGroupConfigStore {
  /** Throws DeploymentGroupAlreadyExistsException when the group exists. */
  createDeploymentGroup(group: DeploymentGroupRecord): Promise<void>;
  getDeploymentGroup(
    applicationName: string,
    deploymentGroupName: string,
  ): Promise<DeploymentGroupRecord | undefined>;
  /** Group names of an application, in name order. */
  listDeploymentGroups(applicationName: string, page: PageRequest): Promise<Page<string>>;
  countDeploymentGroups(applicationName: string): Promise<number>;
  /**
   * Replaces the control plane's fields with `settings` (absent ones are removed), keeping the
   * engine's. Throws DeploymentGroupDoesNotExistException when the group is gone.
   */
  updateDeploymentGroup(
    applicationName: string,
    deploymentGroupName: string,
    settings: DeploymentGroupSettings,
  ): Promise<void>;
  /**
   * Moves a group (and its history) to another application name and/or group name. Throws
   * DeploymentGroupAlreadyExistsException when the target exists. Not atomic (two items; dynalite has
   * no transactions): the copy is written before the original is removed.
   */
  moveDeploymentGroup(
    from: { applicationName: string; deploymentGroupName: string },
    to: { applicationName: string; deploymentGroupName: string },
  ): Promise<void>;
  /** Removes the group; false when it did not exist. */
  deleteDeploymentGroup(applicationName: string, deploymentGroupName: string): Promise<boolean>;
  /** The deployment holding the group's lock (one active deployment per group), if any. */
  activeDeploymentId(applicationName: string, deploymentGroupName: string): Promise<string | undefined>;
  /** Groups (application/group) whose deploymentConfigName is `deploymentConfigName`. */
  groupsUsingConfig(
    deploymentConfigName: string,
  ): Promise<Array<{ applicationName: string; deploymentGroupName: string }>>;
  /**
   * An ECS service belongs to one deployment group: claims it for the group (idempotent for the
   * holder); throws ECSServiceMappingLimitExceededException when another group holds it.
   */
  claimEcsService(
    service: { clusterName: string; serviceName: string },
    group: { applicationName: string; deploymentGroupName: string },
  ): Promise<void>;
  /** Releases a claim if `group` holds it. */
  releaseEcsService(
    service: { clusterName: string; serviceName: string },
    group: { applicationName: string; deploymentGroupName: string },
  ): Promise<void>;
}
