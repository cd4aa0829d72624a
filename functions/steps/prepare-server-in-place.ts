import type { ServerAppSpec } from '../domain/appspec/model.js';
import { checkBundleEntries } from '../domain/bundle-checks.js';
import { instanceScriptProblem } from '../domain/instance-scripts/index.js';
import {
  HealthConstraintsInvalidError,
  InvalidRevisionError,
  NoInstancesError,
  OverMaxInstancesError,
} from '../domain/deployment-errors.js';
import { checkHistoryBudget } from '../domain/execution-budget.js';
import { serverLifecycleEvents } from '../domain/lifecycle.js';
import { createServerSchedule, type ServerInstance } from '../domain/server-plan.js';
import type { FlowKey } from '../domain/flows.js';
import { hasSelectors, type InstanceSelector } from '../ports/instance-directory.js';
import type {
  DeploymentGroupRecord,
  LifecycleEventRecord,
  RevisionLocation,
  ServerDeploymentRecord,
} from '../ports/records.js';
import { assertAlarmsQuiet } from './alarm-check.js';
import { errorMessage, errorName } from './caught-errors.js';
import { deploymentConfigOf } from './deployment-config.js';
import { defineStep, IN_PROCESS_APPSPEC_VALIDATOR, type StepDeps } from './deps.js';
import { beginDeployment, type BeginDeps, type PrepareInput } from './prepare.js';

export const SERVER_IN_PLACE_FLOW = {
  computePlatform: 'Server',
  deploymentType: 'IN_PLACE',
} as const satisfies FlowKey;

export interface PrepareServerOutput {
  deploymentId: string;
  computePlatform: 'Server';
}

/**
 * Prepare of the Server in-place flow: the common start (record, lock), then the revision is read and
 * validated (AppSpec, unsafe bundle paths) and the batches planned before any instance is touched;
 * then every instance gets its target record with Pending events.
 */
export function prepareServerInPlace(
  deps: BeginDeps &
    Pick<
      StepDeps,
      | 'revisions'
      | 'alarms'
      | 'alarmWatches'
      | 'deploymentTargets'
      | 'instances'
      | 'deploymentConfigs'
      | 'appSpecs'
    >,
) {
  return async (input: PrepareInput): Promise<PrepareServerOutput> => {
    const { clock } = deps;
    const { record, group } = await beginDeployment(deps, SERVER_IN_PLACE_FLOW, input);
    const { appSpec, revision } = await readServerRevision(deps, record);
    const config = await deploymentConfigOf(deps, record.deploymentConfigName);
    if (config.computePlatform !== 'Server') {
      throw new InvalidRevisionError(
        `The deployment configuration ${config.deploymentConfigName} is for the ${config.computePlatform} compute platform, not Server.`,
      );
    }
    const targets = await serverTargets(deps, group);
    const instanceIds = targets.map((target) => target.instanceId);
    if (instanceIds.length === 0)
      throw new NoInstancesError('No instances were specified, or no instances can be found.');
    const instances: ServerInstance[] = instanceIds.map((id) => ({
      id,
      // Never deployed to, or last attempt failed: Unhealthy, which CodeDeploy deploys to first.
      health: group.instanceHealth?.[id] ?? 'Unhealthy',
      revision: group.instanceHealth?.[id] ? 'Old' : 'Unknown',
    }));
    const schedule = createServerSchedule(instances, config);
    if (schedule.end) {
      const ErrorType =
        schedule.end.errorCode === 'NO_INSTANCES' ? NoInstancesError : HealthConstraintsInvalidError;
      throw new ErrorType(schedule.end.message);
    }
    const withLoadBalancer = (group.targetGroupNames ?? []).length > 0;
    const batches =
      Math.ceil(instances.length / Math.max(1, schedule.maxConcurrency)) + schedule.waves.length - 1;
    const budget = checkHistoryBudget(batches, withLoadBalancer);
    if (!budget.ok) {
      throw new OverMaxInstancesError(
        `Deploying ${instances.length} instances with ${config.deploymentConfigName} takes ${batches} batches, about ${budget.estimatedEvents} Step Functions history events; one execution holds 25,000 (about ${budget.maxBatches} batches). Use a configuration with larger batches (fewer minimum healthy hosts) or split the deployment group.`,
      );
    }
    await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
    const alarmNames = record.alarmConfiguration?.enabled
      ? record.alarmConfiguration.alarms.map((a) => a.name)
      : [];
    await deps.alarmWatches.watchAlarms(record.deploymentId, alarmNames);

    const events = serverLifecycleEvents('in-place', withLoadBalancer).filter(
      (e) => e !== 'Start' && e !== 'End',
    );
    const now = clock.now().toISOString();
    for (const { instanceId: targetId, instanceArn } of targets) {
      await deps.deploymentTargets.putDeploymentTarget({
        deploymentId: record.deploymentId,
        targetId,
        ...(instanceArn ? { targetArn: instanceArn } : {}),
        status: 'Pending',
        lastUpdatedAt: now,
        lifecycleEvents: events.map((name): LifecycleEventRecord => ({
          lifecycleEventName: name,
          status: 'Pending',
        })),
      });
    }
    await deps.deployments.updateDeployment(record.deploymentId, {
      appSpec,
      revision,
      serverSchedule: schedule,
      serverLifecycleEvents: events,
    });
    return { deploymentId: record.deploymentId, computePlatform: 'Server' };
  };
}

/**
 * The instances a Server deployment targets: those the group's tag filters, tag sets and Auto Scaling
 * groups select when it starts (the instance directory), or the instances it names (`instanceIds`,
 * groups declared in CDK and older callers).
 */
async function serverTargets(
  deps: Pick<StepDeps, 'instances'>,
  group: DeploymentGroupRecord,
): Promise<Array<{ instanceId: string; instanceArn?: string }>> {
  const selector: InstanceSelector = {
    ...(group.ec2TagFilters ? { ec2TagFilters: group.ec2TagFilters } : {}),
    ...(group.ec2TagSet ? { ec2TagSet: group.ec2TagSet } : {}),
    ...(group.onPremisesInstanceTagFilters
      ? { onPremisesInstanceTagFilters: group.onPremisesInstanceTagFilters }
      : {}),
    ...(group.onPremisesTagSet ? { onPremisesTagSet: group.onPremisesTagSet } : {}),
    ...(group.autoScalingGroups?.length
      ? { autoScalingGroups: group.autoScalingGroups.map((asg) => asg.name ?? '').filter(Boolean) }
      : {}),
  };
  const named = (group.instanceIds ?? []).map((instanceId) => ({ instanceId }));
  if (!hasSelectors(selector)) return named;
  const selected = await deps.instances.resolveTargets(selector);
  const byId = new Map<string, { instanceId: string; instanceArn?: string }>(
    named.map((target) => [target.instanceId, target]),
  );
  for (const instance of selected) {
    byId.set(instance.instanceId, {
      instanceId: instance.instanceId,
      ...(instance.instanceArn ? { instanceArn: instance.instanceArn } : {}),
    });
  }
  return [...byId.values()];
}

async function readServerRevision(
  deps: Pick<StepDeps, 'revisions' | 'appSpecs'>,
  record: ServerDeploymentRecord,
): Promise<{ appSpec: ServerAppSpec; revision: RevisionLocation }> {
  let bundle;
  try {
    bundle = await deps.revisions.readRevision(record.revision);
  } catch (error) {
    // A throttle is not the revision's fault: let the state's Retry have it.
    if (errorName(error) === 'ThrottlingError') throw error;
    throw new InvalidRevisionError(`The revision could not be read: ${errorMessage(error)}`);
  }
  const unsafe = checkBundleEntries(bundle.entries);
  if (unsafe.length > 0)
    throw new InvalidRevisionError(`The revision bundle is unsafe: ${unsafe.join('; ')}`);
  if (bundle.appSpecText === undefined) {
    throw new InvalidRevisionError('The revision has no appspec.yml (or appspec.yaml) at its root.');
  }
  // Detected rather than assumed, so that a Lambda or ECS AppSpec is named as such.
  const verdict = await (deps.appSpecs ?? IN_PROCESS_APPSPEC_VALIDATOR).validate(bundle.appSpecText);
  if (verdict.platform !== 'server') {
    throw new InvalidRevisionError(
      `The revision's AppSpec is for the ${verdict.platform === 'lambda' ? 'Lambda' : 'ECS'} compute platform (its Resources name ${verdict.platform === 'lambda' ? 'a Lambda function' : 'an ECS service'}), but this is a Server deployment, which needs an AppSpec with version, os, files and hooks.`,
    );
  }
  if (!verdict.valid || verdict.appSpec?.platform !== 'server') {
    const details = verdict.errors
      .map((e) => `${e.path || '(document)'}${e.line ? ` (line ${e.line})` : ''}: ${e.message}`)
      .join('; ');
    throw new InvalidRevisionError(`The AppSpec file is invalid: ${details}`);
  }
  const uncarried = instanceScriptProblem(verdict.appSpec);
  if (uncarried !== undefined) throw new InvalidRevisionError(`The AppSpec file is invalid: ${uncarried}`);
  return { appSpec: verdict.appSpec, revision: pinned(record.revision, bundle.s3Object) };
}

/** The S3 revision pinned to the object version and ETag that were checked (when it named none). */
function pinned(
  revision: RevisionLocation,
  object: { version?: string; eTag?: string } | undefined,
): RevisionLocation {
  const s3 = revision.s3Location;
  if (!s3 || !object) return revision;
  const version = s3.version ?? object.version;
  const eTag = s3.eTag ?? object.eTag;
  return { ...revision, s3Location: { ...s3, ...(version ? { version } : {}), ...(eTag ? { eTag } : {}) } };
}

/** The Server in-place flow's Prepare Task: `${PrepareServerInPlaceFunctionArn}`. */
export const PrepareServerInPlace = defineStep('PrepareServerInPlace', prepareServerInPlace, {
  memoryMiB: 1024,
})([
  'deployments',
  'executionNames',
  'groups',
  'groupLocks',
  'events',
  'revisions',
  'alarms',
  'alarmWatches',
  'deploymentTargets',
  'instances',
  'deploymentConfigs',
]);
