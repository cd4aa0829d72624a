import type { Tag } from '../domain/codedeploy-shapes.js';
import type { DirectoryInstance } from './instance-directory.js';

/**
 * The replacement (green) fleet of a Server blue/green deployment made by copying the group's Auto
 * Scaling group (CodeDeploy's COPY_AUTO_SCALING_GROUP), and the end of the original (blue) fleet.
 * In AWS: EC2 Auto Scaling (a copy from the same launch template, sized to the original's healthy
 * count) and EC2 (terminating discovered instances). On one machine: new local hosts, one per
 * original, with new roots and ports and the originals' tags.
 */
export interface CopyFleetRequest {
  deploymentId: string;
  /** The Auto Scaling group to copy (in AWS the group's only one); locally the originals' group name. */
  source: string;
  /** The copy's name: CodeDeploy_<deployment group>_<deployment id>. */
  name: string;
  /** The original instances (locally each gets a replacement; in AWS only the healthy count matters). */
  originals: readonly Pick<DirectoryInstance, 'instanceId' | 'tags' | 'availabilityZone'>[];
}

export interface FleetState {
  /** Every instance is in service (InService and healthy in Auto Scaling; started locally). */
  ready: boolean;
  /** The fleet's instances, in service or not yet. */
  instances: DirectoryInstance[];
  /** How many instances the fleet is to have. */
  desired: number;
  /** Why it is not ready yet (launching, a failed launch), for the deployment's status messages. */
  message?: string;
}

export interface RetireRequest {
  deploymentId: string;
  /** TERMINATE ends the originals; KEEP_ALIVE leaves them running, out of the load balancer and the group. */
  action: 'TERMINATE' | 'KEEP_ALIVE';
  /** COPY_AUTO_SCALING_GROUP: the original Auto Scaling group (deleted with its instances on TERMINATE). */
  autoScalingGroup?: string;
  /** DISCOVER_EXISTING (and one machine): the original instances. */
  instanceIds: readonly string[];
}

export interface ReplacementFleetPort {
  /** Creates the copy unless it exists (idempotent: a retry finds it). */
  copyFleet(request: CopyFleetRequest): Promise<void>;
  /** The copy as it is now; undefined when it does not exist. */
  describeFleet(name: string): Promise<FleetState | undefined>;
  /** The copy removed with its instances (a rollback); nothing when it does not exist. */
  deleteFleet(name: string): Promise<void>;
  /** The originals ended or left running, after a successful reroute. */
  retireOriginals(request: RetireRequest): Promise<void>;
}

/** Tags a copy carries: the originals', with the name of the group that launched it where EC2 puts it. */
export const AUTO_SCALING_GROUP_TAG = 'aws:autoscaling:groupName';

export function tagsForCopy(tags: readonly Tag[] | undefined, groupName: string): Tag[] {
  return [
    ...(tags ?? []).filter((tag) => tag.Key !== AUTO_SCALING_GROUP_TAG),
    { Key: AUTO_SCALING_GROUP_TAG, Value: groupName },
  ];
}
