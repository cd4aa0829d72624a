import type { ServerAppSpec } from '../domain/appspec/model.js';
import { checkBundleEntries } from '../domain/bundle-checks.js';
import { instanceScriptProblem } from '../domain/instance-scripts/index.js';
import {
  HealthConstraintsInvalidError,
  InvalidRevisionError,
  NoInstancesError,
  OverMaxInstancesError,
} from '../domain/deployment-errors.js';
import { serverLifecycleEvents } from '../domain/lifecycle.js';
import { checkParentHistory, worstBatchHistoryEvents } from '../domain/server-batch-history.js';
import type { ServerInstance } from '../domain/server-plan.js';
import { createServerProgress, type ServerProgress } from '../domain/server-progress.js';
import { trafficPollBound } from '../domain/target-polls.js';
import type { FlowKey } from '../domain/flows.js';
import { hasSelectors, selectorOf, type DirectoryInstance } from '../ports/instance-directory.js';
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
import { eventKind } from './next-batch.js';
import { beginDeployment, type BeginDeps, type PrepareInput } from './prepare.js';
import { eventTimeoutSeconds } from './run-lifecycle-event.js';

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
 * then every instance gets its target record with Pending events and its place in the queues, in
 * batched writes. What the deployment record keeps of the plan is counters per zone.
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
      | 'serverBatches'
      | 'settings'
      | 'appSpecs'
    >,
) {
  return async (input: PrepareInput): Promise<PrepareServerOutput> => {
    const { clock, settings } = deps;
    const { record, group } = await beginDeployment(deps, SERVER_IN_PLACE_FLOW, input, {
      leaseSeconds: settings.lockLeaseSeconds,
    });
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
    const health = await deps.groups.listInstanceHealth(group.applicationName, group.deploymentGroupName);
    const instances: ServerInstance[] = targets.map(({ instanceId: id, availabilityZone }) => ({
      id,
      ...(availabilityZone ? { zone: availabilityZone } : {}),
      // Never deployed to, or last attempt failed: Unhealthy, which CodeDeploy deploys to first.
      health: health.get(id) ?? 'Unhealthy',
      revision: health.has(id) ? 'Old' : 'Unknown',
    }));
    const { progress, instances: planned } = createServerProgress(instances, config);
    if (progress.end) {
      const ErrorType =
        progress.end.errorCode === 'NO_INSTANCES' ? NoInstancesError : HealthConstraintsInvalidError;
      throw new ErrorType(progress.end.message);
    }
    const withLoadBalancer = (group.targetGroupNames ?? []).length > 0;
    const events = serverLifecycleEvents('in-place', withLoadBalancer).filter(
      (e) => e !== 'Start' && e !== 'End',
    );
    checkHistory(deps, record.deploymentConfigName, appSpec, events, instances.length, progress);
    await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
    const alarmNames = record.alarmConfiguration?.enabled
      ? record.alarmConfiguration.alarms.map((a) => a.name)
      : [];
    await deps.alarmWatches.watchAlarms(record.deploymentId, alarmNames);

    const now = clock.now().toISOString();
    await deps.deploymentTargets.putDeploymentTargets(
      targets.map(({ instanceId: targetId, instanceArn }) => ({
        deploymentId: record.deploymentId,
        targetId,
        ...(instanceArn ? { targetArn: instanceArn } : {}),
        status: 'Pending' as const,
        lastUpdatedAt: now,
        lifecycleEvents: events.map((name): LifecycleEventRecord => ({
          lifecycleEventName: name,
          status: 'Pending',
        })),
      })),
    );
    await deps.serverBatches.putInstanceQueue(
      record.deploymentId,
      planned.map((p) => ({ instanceId: p.id, wave: p.wave, healthy: p.healthy, position: p.position })),
    );
    await deps.deployments.updateDeployment(record.deploymentId, {
      appSpec,
      revision,
      serverProgress: progress,
      serverLifecycleEvents: events,
    });
    return { deploymentId: record.deploymentId, computePlatform: 'Server' };
  };
}

export type ServerTarget = Pick<DirectoryInstance, 'instanceId' | 'instanceArn' | 'availabilityZone'>;

/**
 * The instances a Server deployment targets: those the group's tag filters, tag sets and Auto Scaling
 * groups select when it starts (the instance directory), or the instances it names (`instanceIds`,
 * groups declared in CDK and older callers).
 */
export async function serverTargets(
  deps: Pick<StepDeps, 'instances'>,
  group: DeploymentGroupRecord,
): Promise<ServerTarget[]> {
  const selector = selectorOf(group);
  const named = (group.instanceIds ?? []).map((instanceId) => ({ instanceId }));
  if (!hasSelectors(selector)) return named;
  const selected = await deps.instances.resolveTargets(selector);
  const byId = new Map<string, ServerTarget>(named.map((target) => [target.instanceId, target]));
  for (const instance of selected) {
    byId.set(instance.instanceId, {
      instanceId: instance.instanceId,
      ...(instance.instanceArn ? { instanceArn: instance.instanceArn } : {}),
      ...(instance.availabilityZone ? { availabilityZone: instance.availabilityZone } : {}),
    });
  }
  return [...byId.values()];
}

/**
 * What one deployment still cannot do: with every batch at its worst (every event polled until its
 * deadline), the parent execution's history must hold a child execution per batches-that-fit.
 */
function checkHistory(
  deps: Pick<StepDeps, 'settings'>,
  configName: string,
  appSpec: ServerAppSpec,
  events: readonly string[],
  instanceCount: number,
  progress: ServerProgress,
): void {
  const { settings } = deps;
  const plans = events.map((name) => {
    const kind = eventKind(name);
    const timeoutSeconds =
      kind === 'script' ? eventTimeoutSeconds([appSpec], name) : settings.trafficTimeoutSeconds;
    return { kind, timeoutSeconds, pollSeconds: Math.min(settings.eventPollSeconds, timeoutSeconds) };
  });
  const worst = worstBatchHistoryEvents(
    plans,
    trafficPollBound(settings.trafficTimeoutSeconds, settings.trafficPollSeconds),
  );
  const batches = progress.waves.reduce(
    (sum, wave) =>
      sum + Math.ceil(wave.size / Math.max(1, Math.min(wave.maxConcurrency, progress.maxConcurrency))),
    0,
  );
  const check = checkParentHistory(batches, progress.waves.length, worst, settings.childHistoryBudget);
  if (!check.ok) {
    throw new OverMaxInstancesError(
      `Deploying ${instanceCount} instances with ${configName} takes ${batches} batches; at their longest, ${check.batchesPerRun} fit in one child execution's history, and the deployment's own execution can hold child executions for about ${check.maxBatches} batches. Use a configuration with larger batches (fewer minimum healthy hosts) or split the deployment group.`,
    );
  }
}

export async function readServerRevision(
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
  // Bundles are listed as streams; the memory is for the AppSpec and 10,000-instance plans.
  memoryMiB: 1024,
  timeoutSeconds: 900,
  // A zip (read from its end) is spooled to /tmp while it is listed: up to the 2 GiB archive limit.
  ephemeralStorageMiB: 2560,
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
  'serverBatches',
]);
