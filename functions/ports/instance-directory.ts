import type {
  EC2TagFilter,
  EC2TagSet,
  OnPremisesTagSet,
  Tag,
  TagFilter,
} from '../domain/codedeploy-shapes.js';
import type { DeploymentGroupRecord } from './records.js';

/**
 * What a Server deployment group selects its instances by, as CodeDeploy's DeploymentGroupInfo
 * spells it. The instances a deployment targets are the union of the three kinds: EC2 instances
 * matching `ec2TagFilters` (any filter) or `ec2TagSet` (every group), on-premises instances
 * matching `onPremisesInstanceTagFilters` or `onPremisesTagSet`, and the instances of the named
 * Auto Scaling groups. Absent or empty members select nothing.
 */
export interface InstanceSelector {
  ec2TagFilters?: readonly EC2TagFilter[];
  ec2TagSet?: EC2TagSet;
  onPremisesInstanceTagFilters?: readonly TagFilter[];
  onPremisesTagSet?: OnPremisesTagSet;
  autoScalingGroups?: readonly string[];
}

/** One instance a selector selected. */
export interface DirectoryInstance {
  /**
   * The id the instance transport addresses, and the deployment target's id: an EC2 instance id
   * (`i-...`), an SSM managed-instance id (`mi-...`), or on one machine the local host's name
   * (which is the registered on-premises instance's name).
   */
  instanceId: string;
  kind: 'EC2' | 'OnPremises';
  /** The name it was registered under (on-premises), when it has one. */
  instanceName?: string;
  /** Its ARN (CodeDeploy's instanceArn for on-premises, the EC2 instance ARN), for the target's targetArn. */
  instanceArn?: string;
  /** Its tags, where the directory read them (the local hosts, EC2 and SSM; not Auto Scaling's). */
  tags?: Tag[];
  /** The Auto Scaling group that launched it, when it was selected through one. */
  autoScalingGroup?: string;
  /** The Availability Zone, for zonal configurations; on-premises instances have none. */
  availabilityZone?: string;
}

/**
 * Finds the instances a deployment group's tag filters, tag sets and Auto Scaling groups select,
 * when a deployment starts (Prepare). Implementations: on one machine, the registered on-premises
 * instances, which are the local hosts; in AWS, EC2 DescribeInstances by tag, SSM's managed
 * instances and Auto Scaling groups (AwsInstanceDirectory).
 *
 * The answer is every selected instance, each once, in instanceId order; an instance the transport
 * cannot reach is left out rather than failing the whole selection [the scale adapters may report
 * such instances another way]. A selector kind an implementation cannot resolve is an error that
 * names it (UnsupportedInstanceSelectorError), never an empty answer that would look like "no
 * instances".
 */
export interface InstanceDirectoryPort {
  resolveTargets(selector: InstanceSelector): Promise<DirectoryInstance[]>;
}

/** Whether the selector selects by anything at all (else the group names its instances itself). */
export function hasSelectors(selector: InstanceSelector): boolean {
  return (
    (selector.ec2TagFilters?.length ?? 0) > 0 ||
    (selector.ec2TagSet?.ec2TagSetList?.length ?? 0) > 0 ||
    (selector.onPremisesInstanceTagFilters?.length ?? 0) > 0 ||
    (selector.onPremisesTagSet?.onPremisesTagSetList?.length ?? 0) > 0 ||
    (selector.autoScalingGroups?.length ?? 0) > 0
  );
}

/** A group's selector: its CodeDeploy target fields, as the group record holds them. */
export function selectorOf(group: DeploymentGroupRecord): InstanceSelector {
  const autoScalingGroups = (group.autoScalingGroups ?? []).flatMap((asg) => (asg.name ? [asg.name] : []));
  return {
    ...(group.ec2TagFilters ? { ec2TagFilters: group.ec2TagFilters } : {}),
    ...(group.ec2TagSet ? { ec2TagSet: group.ec2TagSet } : {}),
    ...(group.onPremisesInstanceTagFilters
      ? { onPremisesInstanceTagFilters: group.onPremisesInstanceTagFilters }
      : {}),
    ...(group.onPremisesTagSet ? { onPremisesTagSet: group.onPremisesTagSet } : {}),
    ...(autoScalingGroups.length > 0 ? { autoScalingGroups } : {}),
  };
}
