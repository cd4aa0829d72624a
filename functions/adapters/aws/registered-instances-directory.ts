/**
 * The instance directory over the on-premises instances registered with the API
 * (RegisterOnPremisesInstance, AddTagsToOnPremisesInstances), stored in the table. On one machine
 * those instances are the local hosts (a host per registered name), and there are no EC2 instances
 * or Auto Scaling groups, so EC2 selectors select nothing there. (In AWS, AwsInstanceDirectory
 * resolves EC2, SSM and Auto Scaling selectors instead; `ec2: 'unsupported'` refuses them by name.)
 *
 * [unverified] In AWS the SSM transport addresses an on-premises instance by its managed-instance id
 * (`mi-...`), which is the id this directory returns: register on-premises instances under that id.
 */
import { UnsupportedInstanceSelectorError } from '../../domain/deployment-errors.js';
import { matchesTagSelector } from '../../domain/tag-filters.js';
import {
  hasSelectors,
  type DirectoryInstance,
  type InstanceDirectoryPort,
  type InstanceSelector,
} from '../../ports/instance-directory.js';
import type { OnPremisesInstanceRecord, OnPremisesInstanceStore } from '../../ports/on-premises-instances.js';
import { AUTO_SCALING_GROUP_TAG } from '../../ports/replacement-fleet.js';
import { DYNAMODB_PAGES_IAM_ACTIONS } from './dynamodb-pages.js';

/** What resolving calls: the instance listing's Query (DynamoDbOnPremisesInstanceStore.listInstances). */
export const REGISTERED_INSTANCES_DIRECTORY_IAM_ACTIONS = DYNAMODB_PAGES_IAM_ACTIONS;

const PAGE = 500;

export interface RegisteredInstancesDirectoryOptions {
  /**
   * `none`: this runtime has no EC2 instances or Auto Scaling groups, so EC2 selectors select
   * nothing. `unsupported` (AWS): they exist, and this directory cannot see them. `hosts` (one
   * machine, `stepdeploy server`): the registered hosts stand in for EC2 instances too, so EC2 tag
   * filters and tag sets match their tags, and an Auto Scaling group is the hosts tagged with its
   * name under `aws:autoscaling:groupName`, the tag EC2 Auto Scaling gives the instances it launches
   * (what a blue/green deployment's copy of a group gives the hosts it makes).
   */
  ec2: 'none' | 'unsupported' | 'hosts';
}

export class RegisteredInstancesDirectory implements InstanceDirectoryPort {
  constructor(
    private readonly instances: Pick<OnPremisesInstanceStore, 'listInstances'>,
    private readonly options: RegisteredInstancesDirectoryOptions,
  ) {}

  async resolveTargets(selector: InstanceSelector): Promise<DirectoryInstance[]> {
    const ec2Selected =
      (selector.ec2TagFilters?.length ?? 0) > 0 ||
      (selector.ec2TagSet?.ec2TagSetList?.length ?? 0) > 0 ||
      (selector.autoScalingGroups?.length ?? 0) > 0;
    if (ec2Selected && this.options.ec2 === 'unsupported') {
      throw new UnsupportedInstanceSelectorError(
        'The deployment group selects EC2 instances (ec2TagFilters, ec2TagSet or autoScalingGroups), which this stepdeploy stack cannot resolve yet: select on-premises instances by tag, or declare the instances with a ServerDeploymentGroup (instanceIds).',
      );
    }
    if (!hasSelectors(selector)) return [];
    const onPremises = {
      ...(selector.onPremisesInstanceTagFilters ? { tagFilters: selector.onPremisesInstanceTagFilters } : {}),
      ...(selector.onPremisesTagSet?.onPremisesTagSetList
        ? { tagSet: selector.onPremisesTagSet.onPremisesTagSetList }
        : {}),
    };
    const hosts = this.options.ec2 === 'hosts';
    const ec2 = {
      ...(hosts && selector.ec2TagFilters ? { tagFilters: selector.ec2TagFilters } : {}),
      ...(hosts && selector.ec2TagSet?.ec2TagSetList ? { tagSet: selector.ec2TagSet.ec2TagSetList } : {}),
    };
    const groups = new Set(hosts ? (selector.autoScalingGroups ?? []) : []);
    const selects = (instance: OnPremisesInstanceRecord): boolean =>
      matchesTagSelector(instance.tags, onPremises) ||
      ((ec2.tagFilters !== undefined || ec2.tagSet !== undefined) &&
        matchesTagSelector(instance.tags, ec2)) ||
      instance.tags.some((tag) => tag.Key === AUTO_SCALING_GROUP_TAG && groups.has(tag.Value ?? ''));
    const selected: OnPremisesInstanceRecord[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.instances.listInstances(
        { limit: PAGE, ...(nextToken ? { nextToken } : {}) },
        (instance) => instance.deregisterTime === undefined && selects(instance),
      );
      selected.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    return selected
      .map((instance): DirectoryInstance => ({
        instanceId: instance.instanceName,
        kind: 'OnPremises',
        instanceName: instance.instanceName,
        instanceArn: instance.instanceArn,
        tags: instance.tags,
      }))
      .sort((a, b) => a.instanceId.localeCompare(b.instanceId, 'en', { numeric: true }));
  }
}
