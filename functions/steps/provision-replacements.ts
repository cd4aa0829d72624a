import { AutoScalingConfigurationError, NoInstancesError } from '../domain/deployment-errors.js';
import { replacementAutoScalingGroupName, targetEvents } from '../domain/server-blue-green.js';
import type { DirectoryInstance, InstanceSelector } from '../ports/instance-directory.js';
import { selectorOf } from '../ports/instance-directory.js';
import type { TargetInstances } from '../domain/codedeploy-shapes.js';
import type { LifecycleEventRecord, ServerDeploymentRecord } from '../ports/records.js';
import { assertAlarmsQuiet } from './alarm-check.js';
import { deploymentConfigOf } from './deployment-config.js';
import { defineStep, type StepDeps } from './deps.js';
import { renewLockLease } from './group-lock-lease.js';
import { scheduled, startPhase, targetsLabelled } from './blue-green-phases.js';
import { assertNotStopped, loadDeploymentOf } from './load-deployment.js';

export interface ProvisionReplacementsInput {
  deploymentId: string;
}

export interface ProvisionReplacementsOutput {
  /** The replacement fleet is in service, has its targets, and its install phase is planned. */
  ready: boolean;
  /** When to look again while it is not (the state machine's Wait). */
  pollSeconds: number;
}

type ProvisionDeps = Pick<
  StepDeps,
  | 'deployments'
  | 'groups'
  | 'groupLocks'
  | 'deploymentTargets'
  | 'serverBatches'
  | 'instances'
  | 'fleet'
  | 'alarms'
  | 'deploymentConfigs'
  | 'clock'
  | 'settings'
>;

/**
 * The replacement (green) fleet of a Server blue/green deployment (reference §4.6). With
 * COPY_AUTO_SCALING_GROUP, a copy of the group's Auto Scaling group named
 * CodeDeploy_<group>_<deployment> is made once and looked at until its instances are in service
 * (the state machine waits between looks; a fleet that is not in service within the traffic timeout
 * fails the deployment). With DISCOVER_EXISTING, the instances CreateDeployment's targetInstances
 * select. Then each replacement gets its target item (Green) and the install phase is planned:
 * ApplicationStop ... ValidateService, batched by the configuration's minimum healthy hosts.
 * Idempotent: a retry finds the copy, the targets and the plan it made.
 */
export function provisionReplacements(deps: ProvisionDeps) {
  return async ({ deploymentId }: ProvisionReplacementsInput): Promise<ProvisionReplacementsOutput> => {
    const { deployments, clock, settings } = deps;
    const record = await loadDeploymentOf(deployments, deploymentId, 'Server');
    const state = record.serverBlueGreen;
    if (!state) throw new TypeError(`The deployment ${deploymentId} is not a blue/green deployment.`);
    const pollSeconds = Math.max(1, settings.trafficPollSeconds * 2);
    if (state.phase !== 'provision') return { ready: true, pollSeconds };
    assertNotStopped(record);
    await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
    await renewLockLease(deps, record, settings.trafficTimeoutSeconds);
    const originals = await targetsLabelled(deps, deploymentId, 'Blue');
    const originalIds = new Set(originals.map((target) => target.targetId));

    let replacements: DirectoryInstance[];
    if (state.options.greenFleet === 'COPY_AUTO_SCALING_GROUP') {
      const name =
        state.replacementFleet ?? replacementAutoScalingGroupName(record.deploymentGroupName, deploymentId);
      if (!state.replacementFleet) {
        const group = await deps.groups.getDeploymentGroup(
          record.applicationName,
          record.deploymentGroupName,
        );
        // The originals as the directory knows them (their tags, their zones): what a copy is made like.
        const known = group ? await deps.instances.resolveTargets(selectorOf(group)) : [];
        const byId = new Map(known.map((instance) => [instance.instanceId, instance]));
        await deps.fleet.copyFleet({
          deploymentId,
          source: state.sourceAutoScalingGroup ?? '',
          name,
          originals: originals.map((target) => byId.get(target.targetId) ?? { instanceId: target.targetId }),
        });
        await deployments.updateDeployment(deploymentId, {
          serverBlueGreen: {
            ...state,
            replacementFleet: name,
            provisionStartedAt: clock.now().toISOString(),
          },
        });
      }
      const fleet = await deps.fleet.describeFleet(name);
      if (!fleet?.ready) {
        const started = Date.parse(state.provisionStartedAt ?? clock.now().toISOString());
        const waited = (clock.now().getTime() - started) / 1000;
        const status = fleet?.message ?? `The Auto Scaling group ${name} is not there yet.`;
        if (waited >= settings.trafficTimeoutSeconds) {
          throw new AutoScalingConfigurationError(
            `The replacement fleet was not in service within ${settings.trafficTimeoutSeconds} seconds: ${status}`,
          );
        }
        await deployments.updateDeployment(deploymentId, { deploymentStatusMessages: [status] });
        return { ready: false, pollSeconds };
      }
      replacements = fleet.instances;
    } else {
      replacements = await deps.instances.resolveTargets(selectorOfTargets(record.targetInstances));
    }
    // An instance cannot replace itself: a discovery that finds originals leaves them out.
    replacements = replacements.filter((instance) => !originalIds.has(instance.instanceId));
    if (replacements.length === 0) {
      throw new NoInstancesError(
        state.options.greenFleet === 'COPY_AUTO_SCALING_GROUP'
          ? 'The copy of the Auto Scaling group has no instances in service.'
          : "No replacement instances were found: the deployment's targetInstances select none but the originals.",
      );
    }
    await recordReplacements(deps, record, replacements);
    return { ready: true, pollSeconds };
  };
}

/** The replacements' target items (Green, Pending), then the install phase over them. */
async function recordReplacements(
  deps: ProvisionDeps,
  record: ServerDeploymentRecord,
  replacements: readonly DirectoryInstance[],
): Promise<void> {
  const now = deps.clock.now().toISOString();
  await deps.deploymentTargets.putDeploymentTargets(
    replacements.map((instance) => ({
      deploymentId: record.deploymentId,
      targetId: instance.instanceId,
      ...(instance.instanceArn ? { targetArn: instance.instanceArn } : {}),
      instanceLabel: 'Green' as const,
      status: 'Pending' as const,
      lastUpdatedAt: now,
      lifecycleEvents: targetEvents('Green').map((name): LifecycleEventRecord => ({
        lifecycleEventName: name,
        status: 'Pending',
      })),
    })),
  );
  const config = await deploymentConfigOf(deps, record.deploymentConfigName);
  const zones = new Map(
    replacements.flatMap((instance) =>
      instance.availabilityZone ? [[instance.instanceId, instance.availabilityZone] as const] : [],
    ),
  );
  const fresh = await loadDeploymentOf(deps.deployments, record.deploymentId, 'Server');
  const state = fresh.serverBlueGreen!;
  await deps.deployments.updateDeployment(record.deploymentId, {
    serverBlueGreen: { ...state, replacementCount: replacements.length },
    deploymentStatusMessages: [],
  });
  const targets = replacements.map((instance) => ({ targetId: instance.instanceId }));
  // Never deployed to: Unhealthy, so the rule lets them start as the configuration's batches allow.
  await startPhase(
    deps,
    { ...fresh, serverBlueGreen: { ...state, replacementCount: replacements.length } },
    {
      phase: 'install',
      instances: scheduled(targets, false, zones),
      config,
    },
  );
}

/** CreateDeployment's targetInstances as a selector of the instance directory. */
function selectorOfTargets(targets: TargetInstances | undefined): InstanceSelector {
  return {
    ...(targets?.tagFilters?.length ? { ec2TagFilters: targets.tagFilters } : {}),
    ...(targets?.ec2TagSet ? { ec2TagSet: targets.ec2TagSet } : {}),
    ...(targets?.autoScalingGroups?.length ? { autoScalingGroups: targets.autoScalingGroups } : {}),
  };
}

/** The Server blue/green flow's ProvisionReplacements Task: `${ProvisionReplacementsFunctionArn}`. */
export const ProvisionReplacements = defineStep('ProvisionReplacements', provisionReplacements, {
  memoryMiB: 1024,
  timeoutSeconds: 900,
})([
  'deployments',
  'groups',
  'groupLocks',
  'deploymentTargets',
  'serverBatches',
  'instances',
  'fleet',
  'alarms',
  'deploymentConfigs',
]);
