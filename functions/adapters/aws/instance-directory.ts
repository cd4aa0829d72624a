import { DescribeAutoScalingGroupsCommand, type AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, type EC2Client, type Filter } from '@aws-sdk/client-ec2';
import {
  DescribeInstanceInformationCommand,
  ListTagsForResourceCommand,
  type InstanceInformationStringFilter,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { TagFilter } from '../../domain/codedeploy-shapes.js';
import { matchesTagFilter } from '../../domain/tag-filters.js';
import type {
  InstanceDirectoryPort,
  DirectoryInstance,
  InstanceSelector,
} from '../../ports/instance-directory.js';
import { callAws } from './errors.js';

/** What AwsInstanceDirectory calls; none of these has resource-level permissions but ListTagsForResource. */
export const INSTANCE_DIRECTORY_IAM_ACTIONS = [
  'ec2:DescribeInstances',
  'ssm:DescribeInstanceInformation',
  'ssm:ListTagsForResource',
  'autoscaling:DescribeAutoScalingGroups',
] as const;

/** EC2 instances in these states are targets; a stopped one counts as failed, as CodeDeploy counts it. */
const EC2_TARGET_STATES = ['pending', 'running', 'stopping', 'stopped'];
/** Auto Scaling instances on their way out are not deployed to. */
const LEAVING = /^(Terminat|Detach|Warmed)/;

/**
 * The instances a Server deployment group's selectors pick, read when a deployment starts (never
 * listed in the group): EC2 instances by tag through DescribeInstances' tag filters, on-premises
 * (SSM managed) instances by tag through DescribeInstanceInformation, and the instances of Auto
 * Scaling groups. CodeDeploy's semantics: the filters of one group are ORed, the groups of a tag set
 * ANDed; EC2, on-premises and Auto Scaling instances are added together.
 */
export class AwsInstanceDirectory implements InstanceDirectoryPort {
  constructor(
    private readonly ec2: EC2Client,
    private readonly ssm: SSMClient,
    private readonly autoScaling: AutoScalingClient,
  ) {}

  async resolveTargets(selector: InstanceSelector): Promise<DirectoryInstance[]> {
    const found = new Map<string, DirectoryInstance>();
    const add = (targets: Map<string, DirectoryInstance>) => {
      for (const [id, target] of targets) if (!found.has(id)) found.set(id, target);
    };
    const ec2Groups =
      selector.ec2TagSet?.ec2TagSetList ?? (selector.ec2TagFilters ? [selector.ec2TagFilters] : []);
    if (ec2Groups.length > 0) add(await intersect(ec2Groups, (filter) => this.ec2ByTag(filter)));
    const onPremGroups =
      selector.onPremisesTagSet?.onPremisesTagSetList ??
      (selector.onPremisesInstanceTagFilters ? [selector.onPremisesInstanceTagFilters] : []);
    if (onPremGroups.length > 0) add(await intersect(onPremGroups, (filter) => this.onPremisesByTag(filter)));
    const groupNames = [...(selector.autoScalingGroups ?? [])];
    if (groupNames.length > 0) add(await this.autoScalingInstances(groupNames));
    return [...found.values()].sort((a, b) => (a.instanceId < b.instanceId ? -1 : 1));
  }

  /** EC2 instances carrying a tag the filter names (DescribeInstances filters do the matching). */
  private async ec2ByTag(filter: TagFilter): Promise<Map<string, DirectoryInstance>> {
    const tagFilter: Filter | undefined =
      filter.Type === 'KEY_AND_VALUE'
        ? { Name: `tag:${filter.Key ?? ''}`, Values: [filter.Value ?? ''] }
        : filter.Type === 'KEY_ONLY'
          ? { Name: 'tag-key', Values: [filter.Key ?? ''] }
          : filter.Type === 'VALUE_ONLY'
            ? { Name: 'tag-value', Values: [filter.Value ?? ''] }
            : undefined;
    const targets = new Map<string, DirectoryInstance>();
    if (!tagFilter) return targets;
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await callAws({ service: 'ec2', operation: 'DescribeInstances' }, () =>
        this.ec2.send(
          new DescribeInstancesCommand({
            Filters: [tagFilter, { Name: 'instance-state-name', Values: EC2_TARGET_STATES }],
            MaxResults: 1000,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      for (const reservation of page.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          if (!instance.InstanceId) continue;
          const zone = instance.Placement?.AvailabilityZone;
          targets.set(instance.InstanceId, {
            instanceId: instance.InstanceId,
            kind: 'EC2',
            ...(zone ? { availabilityZone: zone } : {}),
          });
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return targets;
  }

  /**
   * On-premises (SSM managed) instances carrying a tag the filter names. SSM filters by tag key and
   * by key and value; a VALUE_ONLY filter reads each managed instance's tags.
   */
  private async onPremisesByTag(filter: TagFilter): Promise<Map<string, DirectoryInstance>> {
    const managed: InstanceInformationStringFilter = { Key: 'ResourceType', Values: ['ManagedInstance'] };
    const byTag: InstanceInformationStringFilter | undefined =
      filter.Type === 'KEY_AND_VALUE'
        ? { Key: `tag:${filter.Key ?? ''}`, Values: [filter.Value ?? ''] }
        : filter.Type === 'KEY_ONLY'
          ? { Key: 'tag-key', Values: [filter.Key ?? ''] }
          : undefined;
    if (!byTag && filter.Type !== 'VALUE_ONLY') return new Map();
    const ids = await this.managedInstances(byTag ? [managed, byTag] : [managed]);
    const targets = new Map<string, DirectoryInstance>();
    for (const id of ids) {
      if (!byTag) {
        const tags = await callAws({ service: 'ssm', operation: 'ListTagsForResource', resource: id }, () =>
          this.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'ManagedInstance', ResourceId: id })),
        );
        const list = (tags.TagList ?? []).map((tag) => ({ Key: tag.Key ?? '', Value: tag.Value ?? '' }));
        if (!matchesTagFilter(list, filter)) continue;
      }
      targets.set(id, { instanceId: id, kind: 'OnPremises' });
    }
    return targets;
  }

  private async managedInstances(filters: InstanceInformationStringFilter[]): Promise<string[]> {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await callAws({ service: 'ssm', operation: 'DescribeInstanceInformation' }, () =>
        this.ssm.send(
          new DescribeInstanceInformationCommand({
            Filters: filters,
            MaxResults: 50,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      for (const info of page.InstanceInformationList ?? []) if (info.InstanceId) ids.push(info.InstanceId);
      nextToken = page.NextToken;
    } while (nextToken);
    return ids;
  }

  private async autoScalingInstances(names: string[]): Promise<Map<string, DirectoryInstance>> {
    const targets = new Map<string, DirectoryInstance>();
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await callAws({ service: 'autoscaling', operation: 'DescribeAutoScalingGroups' }, () =>
        this.autoScaling.send(
          new DescribeAutoScalingGroupsCommand({
            AutoScalingGroupNames: names,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      for (const group of page.AutoScalingGroups ?? []) {
        for (const instance of group.Instances ?? []) {
          if (!instance.InstanceId || LEAVING.test(instance.LifecycleState ?? '')) continue;
          const zone = instance.AvailabilityZone;
          targets.set(instance.InstanceId, {
            instanceId: instance.InstanceId,
            kind: 'EC2',
            ...(group.AutoScalingGroupName ? { autoScalingGroup: group.AutoScalingGroupName } : {}),
            ...(zone ? { availabilityZone: zone } : {}),
          });
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return targets;
  }
}

/** A tag set: each group's filters ORed (the union of their instances), the groups ANDed. */
async function intersect(
  groups: ReadonlyArray<readonly TagFilter[]>,
  byFilter: (filter: TagFilter) => Promise<Map<string, DirectoryInstance>>,
): Promise<Map<string, DirectoryInstance>> {
  let result: Map<string, DirectoryInstance> | undefined;
  for (const group of groups) {
    const union = new Map<string, DirectoryInstance>();
    for (const filter of group) for (const [id, target] of await byFilter(filter)) union.set(id, target);
    result = result === undefined ? union : new Map([...result].filter(([id]) => union.has(id)));
    if (result.size === 0) break;
  }
  return result ?? new Map();
}
