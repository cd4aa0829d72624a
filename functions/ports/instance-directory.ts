import type {
  AutoScalingGroup,
  EC2TagFilter,
  EC2TagSet,
  OnPremisesTagSet,
  TagFilter,
} from '../domain/codedeploy-shapes.js';
import type { DeploymentGroupRecord } from './records.js';

/**
 * Which instances a Server deployment group deploys to, as CodeDeploy selects them when a deployment
 * starts: its EC2 tag filters or tag set, its on-premises tag filters or tag set, and the instances
 * of its Auto Scaling groups (reference §5.2, CreateDeploymentGroup). EC2 DescribeInstances, SSM's
 * managed instances and Auto Scaling in AWS; the registered on-premises hosts locally.
 */
export interface TargetSelector {
  ec2TagFilters?: EC2TagFilter[];
  ec2TagSet?: EC2TagSet;
  onPremisesInstanceTagFilters?: TagFilter[];
  onPremisesTagSet?: OnPremisesTagSet;
  autoScalingGroups?: AutoScalingGroup[];
}

/** One instance a selector picks. */
export interface ResolvedTarget {
  instanceId: string;
  /** The Availability Zone, for zonal configurations; on-premises instances have none. */
  availabilityZone?: string;
}

export interface InstanceDirectoryPort {
  /** The instances the selector picks, each once, in a stable order. */
  resolveTargets(selector: TargetSelector): Promise<ResolvedTarget[]>;
}

/** A group's selector: its CodeDeploy target fields, as the group record holds them. */
export function selectorOf(group: DeploymentGroupRecord): TargetSelector {
  return {
    ...(group.ec2TagFilters ? { ec2TagFilters: group.ec2TagFilters } : {}),
    ...(group.ec2TagSet ? { ec2TagSet: group.ec2TagSet } : {}),
    ...(group.onPremisesInstanceTagFilters
      ? { onPremisesInstanceTagFilters: group.onPremisesInstanceTagFilters }
      : {}),
    ...(group.onPremisesTagSet ? { onPremisesTagSet: group.onPremisesTagSet } : {}),
    ...(group.autoScalingGroups ? { autoScalingGroups: group.autoScalingGroups } : {}),
  };
}
