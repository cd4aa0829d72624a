import {
  AutoScalingConfigurationError,
  MissingElbInformationError,
  NoInstancesError,
} from '../domain/deployment-errors.js';
import type { FlowKey } from '../domain/flows.js';
import { blueGreenOptionsOf, targetEvents } from '../domain/server-blue-green.js';
import { assertAlarmsQuietAndWatch } from './alarm-check.js';
import { defineStep } from './deps.js';
import type { PrepareInput } from './prepare.js';
import {
  beginServerDeployment,
  putPendingTargets,
  SERVER_PREPARE_FUNCTION,
  SERVER_PREPARE_PORTS,
  serverTargets,
  type ServerPrepareDeps,
} from './prepare-server.js';

export const SERVER_BLUE_GREEN_FLOW = {
  computePlatform: 'Server',
  deploymentType: 'BLUE_GREEN',
} as const satisfies FlowKey;

export interface PrepareServerBlueGreenOutput {
  deploymentId: string;
  computePlatform: 'Server';
  /** deploymentReadyOption STOP_DEPLOYMENT: the ReadyWait state's timeout; 0: no ready wait. */
  readyWaitSeconds: number;
  /** The TerminationWait state's timeout; 0: none (KEEP_ALIVE, or no wait). */
  terminationWaitSeconds: number;
}

/**
 * Prepare of the Server blue/green flow: the common start (record, lock), then everything that can
 * be checked before a machine is touched: the revision and its AppSpec, the configuration, the
 * group's target groups (the reroute goes through them), the original fleet (the group's instances
 * now), and where the replacement fleet comes from (the one Auto Scaling group to copy, or the
 * deployment's targetInstances). The originals get their target items (Blue) with their three
 * traffic events; the replacements get theirs once they exist (ProvisionReplacements).
 */
export function prepareServerBlueGreen(deps: ServerPrepareDeps) {
  return async (input: PrepareInput): Promise<PrepareServerBlueGreenOutput> => {
    const { record, group, appSpec, revision } = await beginServerDeployment(
      deps,
      SERVER_BLUE_GREEN_FLOW,
      input,
    );
    if ((group.targetGroupNames ?? []).length === 0) {
      throw new MissingElbInformationError(
        `The deployment group ${group.deploymentGroupName} names no target group: a blue/green deployment reroutes traffic from the original instances to the replacements through the group's load balancer (loadBalancerInfo.targetGroupInfoList).`,
      );
    }
    const options = blueGreenOptionsOf(
      record.blueGreenDeploymentConfiguration ?? group.blueGreenDeploymentConfiguration,
    );
    const autoScalingGroups = (group.autoScalingGroups ?? []).flatMap((asg) => (asg.name ? [asg.name] : []));
    if (options.greenFleet === 'COPY_AUTO_SCALING_GROUP' && autoScalingGroups.length !== 1) {
      throw new AutoScalingConfigurationError(
        `COPY_AUTO_SCALING_GROUP copies the deployment group's Auto Scaling group, and ${group.deploymentGroupName} names ${autoScalingGroups.length === 0 ? 'none' : `${autoScalingGroups.length} (${autoScalingGroups.join(', ')})`}: name exactly one in autoScalingGroups.`,
      );
    }
    if (options.greenFleet === 'DISCOVER_EXISTING' && !hasTargetInstances(record.targetInstances)) {
      throw new NoInstancesError(
        'The deployment group discovers its replacement fleet (DISCOVER_EXISTING), and CreateDeployment gave no targetInstances: name the replacement instances by tagFilters, ec2TagSet or autoScalingGroups.',
      );
    }
    const originals = await serverTargets(deps, group);
    if (originals.length === 0) {
      throw new NoInstancesError(
        "No instances were specified, or no instances can be found: the original fleet of a blue/green deployment is the deployment group's instances.",
      );
    }
    await assertAlarmsQuietAndWatch(deps, record);
    await putPendingTargets(deps, record.deploymentId, originals, targetEvents('Blue'), 'Blue');
    await deps.deployments.updateDeployment(record.deploymentId, {
      appSpec,
      revision,
      serverBlueGreen: {
        options,
        phase: 'provision',
        ...(options.greenFleet === 'COPY_AUTO_SCALING_GROUP'
          ? { sourceAutoScalingGroup: autoScalingGroups[0] }
          : {}),
        originalCount: originals.length,
      },
      instanceTerminationWaitTimeStarted: false,
    });
    return {
      deploymentId: record.deploymentId,
      computePlatform: 'Server',
      readyWaitSeconds: options.readyWaitSeconds,
      terminationWaitSeconds: options.terminationWaitSeconds,
    };
  };
}

function hasTargetInstances(
  target:
    | { tagFilters?: unknown[]; ec2TagSet?: { ec2TagSetList?: unknown[] }; autoScalingGroups?: unknown[] }
    | undefined,
): boolean {
  return (
    (target?.tagFilters?.length ?? 0) > 0 ||
    (target?.ec2TagSet?.ec2TagSetList?.length ?? 0) > 0 ||
    (target?.autoScalingGroups?.length ?? 0) > 0
  );
}

/** The Server blue/green flow's Prepare Task: `${PrepareServerBlueGreenFunctionArn}`. */
export const PrepareServerBlueGreen = defineStep(
  'PrepareServerBlueGreen',
  prepareServerBlueGreen,
  SERVER_PREPARE_FUNCTION,
)(SERVER_PREPARE_PORTS);
