import {
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  type AutoScalingClient,
  type AutoScalingGroup,
  type CreateAutoScalingGroupCommandInput,
} from '@aws-sdk/client-auto-scaling';
import { TerminateInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { AutoScalingConfigurationError } from '../../domain/deployment-errors.js';
import type { DirectoryInstance } from '../../ports/instance-directory.js';
import type {
  CopyFleetRequest,
  FleetState,
  ReplacementFleetPort,
  RetireRequest,
} from '../../ports/replacement-fleet.js';
import { AwsServiceError, callAws } from './errors.js';

/**
 * What the fleet calls. CreateAutoScalingGroup launches from the original's launch template, which
 * needs ec2:RunInstances and iam:PassRole for the template's profile as the service-linked role of
 * Auto Scaling has them, not the caller (the stack scopes these to the group's Auto Scaling groups).
 */
export const AUTO_SCALING_FLEET_IAM_ACTIONS = [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:CreateAutoScalingGroup',
  'autoscaling:DeleteAutoScalingGroup',
  'ec2:TerminateInstances',
] as const;

/**
 * What CreateAutoScalingGroup checks on the caller besides itself: the copy's tags, and launching
 * from the original's launch template (the stack grants these on the group's own resources only).
 */
export const AUTO_SCALING_COPY_IMPLIED_IAM_ACTIONS = [
  'autoscaling:CreateOrUpdateTags',
  'ec2:RunInstances',
  'ec2:CreateTags',
] as const;

/** TerminateInstances takes at most this many ids per call (EC2 documents no lower cap; 1,000 is safe). */
const TERMINATE_PER_CALL = 1000;

/** Launches and health as Auto Scaling reports them: an instance in service and healthy serves. */
function inService(instance: { LifecycleState?: string; HealthStatus?: string }): boolean {
  return instance.LifecycleState === 'InService' && instance.HealthStatus === 'Healthy';
}

/**
 * The replacement fleet of COPY_AUTO_SCALING_GROUP in AWS: a new Auto Scaling group named after the
 * deployment, launched from the original group's launch template (or mixed-instances policy, or
 * launch configuration) in the same subnets with the same tags, sized to the original's healthy
 * count. The copy is not attached to any load balancer: the deployment registers its instances
 * itself once they are installed (AllowTraffic). Retiring the originals deletes the original group
 * with its instances (TERMINATE), or terminates discovered instances; KEEP_ALIVE leaves them.
 */
export class AutoScalingFleet implements ReplacementFleetPort {
  constructor(
    private readonly autoScaling: AutoScalingClient,
    private readonly ec2: EC2Client,
  ) {}

  async copyFleet(request: CopyFleetRequest): Promise<void> {
    if (await this.group(request.name)) return; // a retry: the copy exists
    const source = await this.group(request.source);
    if (!source) {
      throw new AutoScalingConfigurationError(
        `The Auto Scaling group ${request.source} to copy does not exist: the deployment group's autoScalingGroups must name an existing group.`,
      );
    }
    const healthy = (source.Instances ?? []).filter(inService).length;
    if (healthy === 0) {
      throw new AutoScalingConfigurationError(
        `The Auto Scaling group ${request.source} has no healthy instance in service, so its copy would have none: the replacement fleet is sized to the original's healthy count.`,
      );
    }
    const input: CreateAutoScalingGroupCommandInput = {
      AutoScalingGroupName: request.name,
      ...launchOf(source),
      MinSize: Math.min(source.MinSize ?? 0, healthy),
      MaxSize: Math.max(source.MaxSize ?? healthy, healthy),
      DesiredCapacity: healthy,
      ...(source.VPCZoneIdentifier
        ? { VPCZoneIdentifier: source.VPCZoneIdentifier }
        : { AvailabilityZones: source.AvailabilityZones }),
      ...(source.HealthCheckType ? { HealthCheckType: source.HealthCheckType } : {}),
      ...(source.HealthCheckGracePeriod !== undefined
        ? { HealthCheckGracePeriod: source.HealthCheckGracePeriod }
        : {}),
      Tags: (source.Tags ?? [])
        .filter((tag) => tag.Key && !tag.Key.startsWith('aws:'))
        .map((tag) => ({
          Key: tag.Key,
          Value: tag.Value ?? '',
          PropagateAtLaunch: tag.PropagateAtLaunch ?? false,
          ResourceId: request.name,
          ResourceType: 'auto-scaling-group',
        })),
    };
    try {
      await callAws(
        { service: 'autoscaling', operation: 'CreateAutoScalingGroup', resource: request.name },
        () => this.autoScaling.send(new CreateAutoScalingGroupCommand(input)),
      );
    } catch (error) {
      // Created by an earlier attempt whose answer was lost.
      if (error instanceof AwsServiceError && error.code === 'AlreadyExists') return;
      throw error;
    }
  }

  async describeFleet(name: string): Promise<FleetState | undefined> {
    const group = await this.group(name);
    if (!group) return undefined;
    const desired = group.DesiredCapacity ?? 0;
    const serving = (group.Instances ?? []).filter(inService);
    const ready = desired > 0 && serving.length >= desired;
    // Once ready, the instances in service are the fleet; before, every one that is not leaving.
    const members = ready
      ? serving
      : (group.Instances ?? []).filter(
          (instance) => !/^(Terminat|Detach)/.test(instance.LifecycleState ?? ''),
        );
    const instances: DirectoryInstance[] = members
      .filter((instance) => instance.InstanceId)
      .map((instance) => ({
        instanceId: instance.InstanceId!,
        kind: 'EC2',
        autoScalingGroup: name,
        ...(instance.AvailabilityZone ? { availabilityZone: instance.AvailabilityZone } : {}),
      }));
    const status = group.Status ? ` (${group.Status})` : '';
    return {
      ready,
      instances,
      desired,
      ...(ready
        ? {}
        : { message: `${serving.length} of ${desired} instances of ${name} are in service${status}.` }),
    };
  }

  async deleteFleet(name: string): Promise<void> {
    await this.deleteGroup(name);
  }

  async retireOriginals(request: RetireRequest): Promise<void> {
    if (request.action === 'KEEP_ALIVE') return; // out of the target groups already; left running
    if (request.autoScalingGroup) {
      await this.deleteGroup(request.autoScalingGroup);
      return;
    }
    for (let start = 0; start < request.instanceIds.length; start += TERMINATE_PER_CALL) {
      const ids = request.instanceIds.slice(start, start + TERMINATE_PER_CALL);
      await callAws({ service: 'ec2', operation: 'TerminateInstances' }, () =>
        this.ec2.send(new TerminateInstancesCommand({ InstanceIds: ids })),
      );
    }
  }

  /** Deletes the group and its instances (ForceDelete); one that does not exist is already gone. */
  private async deleteGroup(name: string): Promise<void> {
    if (!(await this.group(name))) return;
    try {
      await callAws({ service: 'autoscaling', operation: 'DeleteAutoScalingGroup', resource: name }, () =>
        this.autoScaling.send(
          new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name, ForceDelete: true }),
        ),
      );
    } catch (error) {
      // Being deleted already (a retry): the same end.
      if (error instanceof AwsServiceError && error.code === 'ScalingActivityInProgress') return;
      throw error;
    }
  }

  private async group(name: string): Promise<AutoScalingGroup | undefined> {
    const page = await callAws(
      { service: 'autoscaling', operation: 'DescribeAutoScalingGroups', resource: name },
      () => this.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })),
    );
    return page.AutoScalingGroups?.find((group) => group.AutoScalingGroupName === name);
  }
}

/** How the original launches its instances, which the copy launches the same way. */
function launchOf(
  source: AutoScalingGroup,
): Pick<
  CreateAutoScalingGroupCommandInput,
  'LaunchTemplate' | 'MixedInstancesPolicy' | 'LaunchConfigurationName'
> {
  if (source.LaunchTemplate) {
    const { LaunchTemplateId, LaunchTemplateName, Version } = source.LaunchTemplate;
    return {
      LaunchTemplate: {
        ...(LaunchTemplateId ? { LaunchTemplateId } : { LaunchTemplateName }),
        ...(Version ? { Version } : {}),
      },
    };
  }
  if (source.MixedInstancesPolicy) return { MixedInstancesPolicy: source.MixedInstancesPolicy };
  if (source.LaunchConfigurationName) return { LaunchConfigurationName: source.LaunchConfigurationName };
  throw new AutoScalingConfigurationError(
    `The Auto Scaling group ${source.AutoScalingGroupName ?? ''} has no launch template, mixed-instances policy or launch configuration to copy.`,
  );
}
