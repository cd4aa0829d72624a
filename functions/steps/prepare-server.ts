import type { ServerAppSpec } from '../domain/appspec/model.js';
import { checkBundleEntries } from '../domain/bundle-checks.js';
import type { DeploymentConfigInfo } from '../domain/deployment-configs.js';
import { InvalidRevisionError } from '../domain/deployment-errors.js';
import type { FlowKey } from '../domain/flows.js';
import { instanceScriptProblem } from '../domain/instance-scripts/index.js';
import { hasSelectors, selectorOf, type DirectoryInstance } from '../ports/instance-directory.js';
import type {
  DeploymentGroupRecord,
  InstanceTargetRecord,
  LifecycleEventRecord,
  RevisionLocation,
  ServerDeploymentRecord,
} from '../ports/records.js';
import { errorMessage, errorName } from './caught-errors.js';
import { deploymentConfigOf } from './deployment-config.js';
import { IN_PROCESS_APPSPEC_VALIDATOR, type StepDeps } from './deps.js';
import { beginDeployment, type BeginDeps, type PrepareInput } from './prepare.js';

/** What both Server flows' Prepare (in-place and blue/green) use. */
export type ServerPrepareDeps = BeginDeps &
  Pick<
    StepDeps,
    | 'revisions'
    | 'alarms'
    | 'alarmWatches'
    | 'deploymentTargets'
    | 'instances'
    | 'deploymentConfigs'
    | 'settings'
    | 'appSpecs'
  >;

/** The ports of ServerPrepareDeps, for both Server flows' defineStep lists. */
export const SERVER_PREPARE_PORTS = [
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
] as const;

/** The function both Server flows' Prepare run in: sized for reading the revision. */
export const SERVER_PREPARE_FUNCTION = {
  // Bundles are listed as streams; the memory is for the AppSpec and 10,000-instance plans.
  memoryMiB: 1024,
  timeoutSeconds: 900,
  // A zip (read from its end) is spooled to /tmp while it is listed: up to the 2 GiB archive limit.
  ephemeralStorageMiB: 2560,
};

/**
 * The start both Server flows' Prepare share: the common start (record, lock), then the revision
 * read and validated, and the deployment configuration, which must be a Server one.
 */
export async function beginServerDeployment(
  deps: ServerPrepareDeps,
  flow: FlowKey & { computePlatform: 'Server' },
  input: PrepareInput,
): Promise<{
  record: ServerDeploymentRecord;
  group: DeploymentGroupRecord;
  appSpec: ServerAppSpec;
  revision: RevisionLocation;
  config: DeploymentConfigInfo;
}> {
  const { record, group } = await beginDeployment(deps, flow, input, {
    leaseSeconds: deps.settings.lockLeaseSeconds,
  });
  const { appSpec, revision } = await readServerRevision(deps, record);
  const config = await deploymentConfigOf(deps, record.deploymentConfigName);
  if (config.computePlatform !== 'Server') {
    throw new InvalidRevisionError(
      `The deployment configuration ${config.deploymentConfigName} is for the ${config.computePlatform} compute platform, not Server.`,
    );
  }
  return { record, group, appSpec, revision, config };
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

/** Each target's record, Pending, with these lifecycle events Pending (labelled, for blue/green). */
export async function putPendingTargets(
  deps: Pick<StepDeps, 'deploymentTargets' | 'clock'>,
  deploymentId: string,
  targets: readonly ServerTarget[],
  events: readonly string[],
  instanceLabel?: InstanceTargetRecord['instanceLabel'],
): Promise<void> {
  const now = deps.clock.now().toISOString();
  await deps.deploymentTargets.putDeploymentTargets(
    targets.map(({ instanceId: targetId, instanceArn }) => ({
      deploymentId,
      targetId,
      ...(instanceArn ? { targetArn: instanceArn } : {}),
      ...(instanceLabel ? { instanceLabel } : {}),
      status: 'Pending' as const,
      lastUpdatedAt: now,
      lifecycleEvents: events.map((name): LifecycleEventRecord => ({
        lifecycleEventName: name,
        status: 'Pending',
      })),
    })),
  );
}

/** The revision read and checked: its AppSpec, and the location pinned to what was read. */
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
