import type { ServerAppSpec } from '../domain/appspec/model.js';
import {
  buildLifecycleEventScript,
  INSTANCE_EVENTS,
  type LifecycleEventScriptInput,
} from '../domain/instance-scripts/index.js';
import type { RevisionLocation, ServerDeploymentRecord } from '../ports/records.js';
import { assertAlarmsQuiet } from './alarm-check.js';
import { defineStep, type StepDeps } from './deps.js';
import { assertNotStopped, isRollingBack, loadDeploymentOf, watchedAlarms } from './load-deployment.js';
import { renewLockLease } from './group-lock-lease.js';
import { onCommandComplete, type OnCommandCompleteDeps } from './on-command-complete.js';
import {
  currentBatchChunks,
  isLiveIn,
  targetEventStatus,
  targetsOf,
  withTargetEvent,
} from './server-targets.js';
import { resumeEvent } from './event-waits.js';

/** What sending an event's commands uses, and what completing them (onCommandComplete) uses too. */
type RunLifecycleEventDeps = OnCommandCompleteDeps &
  Pick<StepDeps, 'deployments' | 'groups' | 'groupLocks' | 'revisions' | 'alarms' | 'settings'>;

export interface RunLifecycleEventInput {
  deploymentId: string;
  batchNumber: number;
  lifecycleEventName: string;
  /** How long the event's commands may run (SSM's executionTimeout). */
  timeoutSeconds: number;
  taskToken: string;
}

/**
 * Sends one lifecycle event's script to the batch's instances that are still going, one command per
 * chunk of 50, and leaves the state parked on its token; the last command to report resumes it
 * (onCommandComplete). The state's wait is bounded (the event's poll interval), after which
 * CollectEventResults polls the commands and, if some still run, this step runs again: idempotent,
 * it hands the new token to the event's wait, sends nothing twice, and checks the commands already
 * sent in case their completion came before their wait was stored.
 */
export function runLifecycleEvent(deps: RunLifecycleEventDeps) {
  return async (input: RunLifecycleEventInput): Promise<void> => {
    const { deploymentId, batchNumber, lifecycleEventName: event, taskToken } = input;
    const { deployments, pendingWaits, deploymentTargets, serverBatches, clock } = deps;
    let record = await loadDeploymentOf(deployments, deploymentId, 'Server');
    assertNotStopped(record);
    const now = clock.now();
    // The wait is registered before the last look at stops and alarms, as Bake does, so that one that
    // arrives in between is seen either here or by the callback that fails this token. A blue/green
    // rollback registers none: nothing may interrupt it.
    if (!isRollingBack(record)) {
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
        await assertAlarmsQuiet(deps.alarms, watchedAlarms(record));
      } catch (error) {
        await pendingWaits.clearPendingWait(deploymentId, taskToken);
        throw error;
      }
    }
    await renewLockLease(deps, record, input.timeoutSeconds);
    await serverBatches.openEventWait(deploymentId, batchNumber, event, taskToken, now.toISOString());

    let script: string | undefined;
    const sentNow: string[] = [];
    for (const chunk of await currentBatchChunks(serverBatches, record, batchNumber)) {
      const sent = chunk.commands[event];
      if (sent !== undefined) {
        // Sent by an earlier attempt: its completion may have come before its wait was stored.
        await onCommandComplete(deps)(sent);
        continue;
      }
      const targets = await targetsOf(deploymentTargets, deploymentId, chunk.instanceIds);
      const toSend = chunk.instanceIds.filter((id) => {
        const target = targets.get(id);
        const status = targetEventStatus(target, event);
        return (
          isLiveIn(record, target) && status !== 'Succeeded' && status !== 'Failed' && status !== 'Skipped'
        );
      });
      if (toSend.length === 0) continue;
      script ??= buildLifecycleEventScript(await scriptInput(deps, record, event));
      await deploymentTargets.putDeploymentTargets(
        toSend.flatMap((id) => {
          const target = targets.get(id);
          return target && targetEventStatus(target, event) !== 'InProgress'
            ? [withTargetEvent(target, event, 'InProgress', now)]
            : [];
        }),
      );
      const { commandId } = await deps.transport.sendCommand({
        instanceIds: toSend,
        script,
        executionTimeoutSeconds: input.timeoutSeconds,
        comment: `${deploymentId} ${event}`,
      });
      // The wait and the counter first, then the chunk's note: a crash in between sends again rather
      // than leaving instances no command answers for.
      await deps.commandWaits.putCommandWait({
        commandId,
        deploymentId,
        batchNumber,
        chunk: chunk.chunk,
        lifecycleEventName: event,
        instanceIds: toSend,
        sentAt: now.toISOString(),
      });
      await serverBatches.addEventCommand(deploymentId, batchNumber, event);
      await serverBatches.recordChunkCommand(deploymentId, batchNumber, chunk.chunk, event, commandId);
      sentNow.push(commandId);
    }
    // Every command is out: from now on the last one to report resumes the state; if none is left
    // (no instance to run on, or all reported already), resume it now.
    const wait = await serverBatches.markEventSent(deploymentId, batchNumber, event);
    if (wait.pending <= 0) {
      await resumeEvent(deps, deploymentId, wait.taskToken, event);
      return;
    }
    // A command may have ended before its wait was stored, and its completion found nothing to do:
    // look at each one sent now (the last to be recorded resumes the state).
    for (const commandId of sentNow) await onCommandComplete(deps)(commandId);
  };
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
      deploymentType: record.serverBlueGreen ? 'BLUE_GREEN' : 'IN_PLACE',
      // A blue/green rollback runs its hooks as CodeDeploy's rollback deployment does: from the
      // revisions §2.2's rollback column names (the originals' own for Before/AfterAllowTraffic).
      creator: isRollingBack(record) ? 'codeDeployRollback' : record.creator,
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
export const RunLifecycleEvent = defineStep('RunLifecycleEvent', runLifecycleEvent, { timeoutSeconds: 900 })([
  'deployments',
  'groups',
  'groupLocks',
  'deploymentTargets',
  'serverBatches',
  'pendingWaits',
  'commandWaits',
  'transport',
  'revisions',
  'callbacks',
  'alarms',
]);
