import type { ServerAppSpec } from '../domain/appspec/model.js';
import {
  buildLifecycleEventScript,
  INSTANCE_EVENTS,
  type LifecycleEventScriptInput,
} from '../domain/instance-scripts/index.js';
import { MAX_INSTANCES_PER_COMMAND } from '../ports/instance-transport.js';
import type { RevisionLocation, ServerDeploymentRecord } from '../ports/records.js';
import { assertAlarmsQuiet } from './alarm-check.js';
import { defineStep, type StepDeps } from './deps.js';
import { assertNotStopped, loadDeploymentOf } from './load-deployment.js';
import { onCommandComplete } from './on-command-complete.js';
import { liveInstances, targetEventStatus, targetsById, withTargetEvent } from './server-targets.js';
import { isDeadTokenError } from './task-tokens.js';

/** What sending an event's commands uses, and what completing them (onCommandComplete) uses too. */
type RunLifecycleEventDeps = Pick<
  StepDeps,
  | 'deployments'
  | 'groups'
  | 'deploymentTargets'
  | 'pendingWaits'
  | 'commandWaits'
  | 'transport'
  | 'revisions'
  | 'callbacks'
  | 'alarms'
  | 'clock'
  | 'settings'
>;

export interface RunLifecycleEventInput {
  deploymentId: string;
  batchId: string;
  lifecycleEventName: string;
  /** The state's own timeout (TimeoutSecondsPath), given to the transport too. */
  timeoutSeconds: number;
  taskToken: string;
}

/**
 * Sends one lifecycle event's script to the batch's instances that are still going (one command per
 * 50 instances) and leaves the state parked on its token; onCommandComplete resumes it once every
 * instance has reported. Idempotent: a retry hands its new token to the commands already sent and
 * sends only to instances that have none, so no script runs twice.
 */
export function runLifecycleEvent(deps: RunLifecycleEventDeps) {
  return async (input: RunLifecycleEventInput): Promise<void> => {
    const { deploymentId, batchId, lifecycleEventName: event, taskToken } = input;
    const { deployments, pendingWaits, deploymentTargets, clock } = deps;
    let record = await loadDeploymentOf(deployments, deploymentId, 'Server');
    assertNotStopped(record);
    const batch = record.currentBatch?.batchId === batchId ? record.currentBatch.instanceIds : [];
    const now = clock.now();
    // The wait is registered before the last look at stops and alarms, as Bake does, so that one that
    // arrives in between is seen either here or by the callback that fails this token.
    await pendingWaits.putPendingWait({
      deploymentId,
      taskToken,
      kind: 'InstanceCommand',
      stateName: event,
      since: now.toISOString(),
    });
    try {
      record = await loadDeploymentOf(deployments, deploymentId, 'Server');
      assertNotStopped(record);
      await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
    } catch (error) {
      await pendingWaits.clearPendingWait(deploymentId, taskToken);
      throw error;
    }

    const sameEvent =
      record.currentEvent?.batchId === batchId && record.currentEvent.lifecycleEventName === event;
    const commandIds = sameEvent ? [...(record.currentEvent?.commandIds ?? [])] : [];
    const covered = await adoptCommands(deps, commandIds, taskToken);
    const targets = await targetsById(deploymentTargets, deploymentId);
    const toSend = liveInstances(targets, batch).filter(
      (id) =>
        !covered.has(id) &&
        targetEventStatus(targets.get(id), event) !== 'Succeeded' &&
        targetEventStatus(targets.get(id), event) !== 'Failed',
    );
    if (toSend.length > 0) {
      const script = buildLifecycleEventScript(await scriptInput(deps, record, event));
      for (const id of toSend) {
        const target = targets.get(id);
        if (target && targetEventStatus(target, event) !== 'InProgress') {
          await deploymentTargets.putDeploymentTarget(withTargetEvent(target, event, 'InProgress', now));
        }
      }
      for (let start = 0; start < toSend.length; start += MAX_INSTANCES_PER_COMMAND) {
        const chunk = toSend.slice(start, start + MAX_INSTANCES_PER_COMMAND);
        const { commandId } = await deps.transport.sendCommand({
          instanceIds: chunk,
          script,
          executionTimeoutSeconds: input.timeoutSeconds,
          comment: `${deploymentId} ${event}`,
        });
        await deps.commandWaits.putCommandWait({
          commandId,
          deploymentId,
          lifecycleEventName: event,
          instanceIds: chunk,
          taskToken,
          sentAt: now.toISOString(),
        });
        commandIds.push(commandId);
        await deployments.updateDeployment(deploymentId, {
          currentEvent: { batchId, lifecycleEventName: event, commandIds },
        });
      }
    }
    // A command may have finished before its wait was stored, and its completion found nothing.
    for (const commandId of commandIds) await onCommandComplete(deps)(commandId);
    await resumeIfNothingRuns(deps, deploymentId, batch, event, taskToken);
  };
}

/** Hands this attempt's token to commands an earlier attempt sent; returns the instances they cover. */
async function adoptCommands(
  deps: Pick<StepDeps, 'commandWaits'>,
  commandIds: readonly string[],
  taskToken: string,
) {
  const covered = new Set<string>();
  for (const commandId of commandIds) {
    const wait = await deps.commandWaits.getCommandWait(commandId);
    // Gone, or taken by its completion in between: its instances' results are (being) recorded.
    if (!wait || !(await deps.commandWaits.retokenCommandWait(commandId, taskToken))) continue;
    for (const id of wait.instanceIds) covered.add(id);
  }
  return covered;
}

/** Nothing left to wait for (no instance, or all reported already): resume at once. */
async function resumeIfNothingRuns(
  deps: Pick<StepDeps, 'deploymentTargets' | 'pendingWaits' | 'callbacks'>,
  deploymentId: string,
  batch: readonly string[],
  event: string,
  taskToken: string,
) {
  const targets = await targetsById(deps.deploymentTargets, deploymentId);
  if (batch.some((id) => targetEventStatus(targets.get(id), event) === 'InProgress')) return;
  try {
    await deps.callbacks.sendTaskSuccess(taskToken, { lifecycleEventName: event });
  } catch (error) {
    if (!isDeadTokenError(error)) throw error;
  }
  await deps.pendingWaits.clearPendingWait(deploymentId, taskToken);
}

/**
 * How long one event may take on an instance: the sum of its hook timeouts in the revisions it may
 * run from (ApplicationStop runs the last successful revision's scripts), and at least the hour the
 * agent allows DownloadBundle and Install; plus a margin for the transport.
 */
export function eventTimeoutSeconds(
  appSpecs: ReadonlyArray<ServerAppSpec | undefined>,
  event: string,
): number {
  const sums = appSpecs.map((appSpec) =>
    (appSpec?.hooks[event] ?? []).reduce((sum, hook) => sum + hook.timeout, 0),
  );
  return Math.max(3600, ...sums) + 300;
}

async function scriptInput(
  deps: Pick<StepDeps, 'groups' | 'revisions' | 'settings'>,
  record: ServerDeploymentRecord,
  eventName: string,
): Promise<LifecycleEventScriptInput> {
  const event = INSTANCE_EVENTS.find((name) => name === eventName);
  if (!event) throw new TypeError(`${eventName} is not a lifecycle event that runs on instances.`);
  const appSpec = record.appSpec;
  if (!appSpec)
    throw new TypeError(`The deployment ${record.deploymentId} has no AppSpec: Prepare records it.`);
  const group = await deps.groups.getDeploymentGroup(record.applicationName, record.deploymentGroupName);
  // Only DownloadBundle fetches the bundle; presigned URLs expire, so they are made per event.
  const bundle =
    event === 'DownloadBundle'
      ? await deps.revisions.bundleLocation(record.revision)
      : { location: '', bundleType: archiveTypeOf(record.revision) };
  const s3 = record.revision.s3Location;
  return {
    event,
    deployment: {
      deploymentId: record.deploymentId,
      applicationName: record.applicationName,
      deploymentGroupName: record.deploymentGroupName,
      deploymentGroupId: group?.deploymentGroupId ?? record.deploymentGroupName,
      deploymentType: 'IN_PLACE',
      creator: record.creator,
    },
    appSpec,
    bundle: {
      location: bundle.location,
      bundleType: bundle.bundleType,
      ...(s3
        ? {
            s3: {
              bucket: s3.bucket,
              key: s3.key,
              ...(s3.version ? { version: s3.version } : {}),
              ...(s3.eTag ? { eTag: s3.eTag } : {}),
            },
          }
        : {}),
    },
    ...(record.fileExistsBehavior ? { fileExistsBehavior: record.fileExistsBehavior } : {}),
    ...(record.ignoreApplicationStopFailures ? { ignoreApplicationStopFailures: true } : {}),
    ...(deps.settings.deploymentRoot ? { deploymentRoot: deps.settings.deploymentRoot } : {}),
    ...(deps.settings.scriptsLogMaxBytes ? { scriptsLogMaxBytes: deps.settings.scriptsLogMaxBytes } : {}),
  };
}

/** A Server revision's archive type (an AppSpec-file type never passes Prepare's check). */
function archiveTypeOf(revision: RevisionLocation): LifecycleEventScriptInput['bundle']['bundleType'] {
  const s3Type = revision.s3Location?.bundleType;
  return s3Type === 'tgz' || s3Type === 'zip' ? s3Type : 'tar';
}

/** The Server in-place flow's RunLifecycleEvent Task: `${RunLifecycleEventFunctionArn}`. */
export const RunLifecycleEvent = defineStep(
  'RunLifecycleEvent',
  runLifecycleEvent,
)([
  'deployments',
  'groups',
  'deploymentTargets',
  'pendingWaits',
  'commandWaits',
  'transport',
  'revisions',
  'callbacks',
  'alarms',
]);
