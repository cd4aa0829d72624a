import type { ServerAppSpec } from '../domain/appspec/model.js';
import {
  buildLifecycleEventScript,
  type LifecycleEventScriptInput,
} from '../domain/instance-scripts/index.js';
import { MAX_INSTANCES_PER_COMMAND } from '../ports/instance-transport.js';
import type { DeploymentRecord, InstanceTargetRecord } from '../ports/records.js';
import { assertAlarmsQuiet } from './alarm-check.js';
import type { StepDeps } from './deps.js';
import { assertNotStopped, loadDeployment } from './load-deployment.js';
import { onCommandComplete } from './on-command-complete.js';
import { liveInstances, targetsById, withTargetEvent } from './server-targets.js';
import { isDeadTokenError } from './task-tokens.js';

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
export function runLifecycleEvent(
  deps: Pick<StepDeps, 'store' | 'transport' | 'revisions' | 'callbacks' | 'alarms' | 'clock' | 'settings'>,
) {
  return async (input: RunLifecycleEventInput): Promise<void> => {
    const { deploymentId, batchId, lifecycleEventName: event, taskToken } = input;
    const { store, clock } = deps;
    let record = await loadDeployment(store, deploymentId);
    assertNotStopped(record);
    const batch = record.currentBatch?.batchId === batchId ? record.currentBatch.instanceIds : [];
    const now = clock.now();
    // The wait is registered before the last look at stops and alarms, as Bake does, so that one that
    // arrives in between is seen either here or by the callback that fails this token.
    await store.putPendingWait({
      deploymentId,
      taskToken,
      kind: 'InstanceCommand',
      stateName: event,
      since: now.toISOString(),
    });
    try {
      record = await loadDeployment(store, deploymentId);
      assertNotStopped(record);
      await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
    } catch (error) {
      await store.clearPendingWait(deploymentId, taskToken);
      throw error;
    }

    const sameEvent =
      record.currentEvent?.batchId === batchId && record.currentEvent.lifecycleEventName === event;
    const commandIds = sameEvent ? [...(record.currentEvent?.commandIds ?? [])] : [];
    const covered = await adoptCommands(deps, commandIds, taskToken);
    const targets = await targetsById(store, deploymentId);
    const toSend = liveInstances(targets, batch).filter(
      (id) =>
        !covered.has(id) &&
        eventStatus(targets.get(id), event) !== 'Succeeded' &&
        eventStatus(targets.get(id), event) !== 'Failed',
    );
    if (toSend.length > 0) {
      const script = buildLifecycleEventScript(await scriptInput(deps, record, event));
      for (const id of toSend) {
        const target = targets.get(id);
        if (target && eventStatus(target, event) !== 'InProgress') {
          await store.putDeploymentTarget(withTargetEvent(target, event, 'InProgress', now));
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
        await store.putCommandWait({
          commandId,
          deploymentId,
          lifecycleEventName: event,
          instanceIds: chunk,
          taskToken,
          sentAt: now.toISOString(),
        });
        commandIds.push(commandId);
        await store.updateDeployment(deploymentId, {
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
  deps: Pick<StepDeps, 'store'>,
  commandIds: readonly string[],
  taskToken: string,
) {
  const covered = new Set<string>();
  for (const commandId of commandIds) {
    const wait = await deps.store.getCommandWait(commandId);
    // Gone, or taken by its completion in between: its instances' results are (being) recorded.
    if (!wait || !(await deps.store.retokenCommandWait(commandId, taskToken))) continue;
    for (const id of wait.instanceIds) covered.add(id);
  }
  return covered;
}

function eventStatus(target: InstanceTargetRecord | undefined, event: string): string | undefined {
  return target?.lifecycleEvents.find((e) => e.lifecycleEventName === event)?.status;
}

/** Nothing left to wait for (no instance, or all reported already): resume at once. */
async function resumeIfNothingRuns(
  deps: Pick<StepDeps, 'store' | 'callbacks'>,
  deploymentId: string,
  batch: readonly string[],
  event: string,
  taskToken: string,
) {
  const targets = await targetsById(deps.store, deploymentId);
  if (batch.some((id) => eventStatus(targets.get(id), event) === 'InProgress')) return;
  try {
    await deps.callbacks.sendTaskSuccess(taskToken, { lifecycleEventName: event });
  } catch (error) {
    if (!isDeadTokenError(error)) throw error;
  }
  await deps.store.clearPendingWait(deploymentId, taskToken);
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
  deps: Pick<StepDeps, 'store' | 'revisions' | 'settings'>,
  record: DeploymentRecord,
  event: string,
): Promise<LifecycleEventScriptInput> {
  const group = await deps.store.getDeploymentGroup(record.applicationName, record.deploymentGroupName);
  // Only DownloadBundle fetches the bundle; presigned URLs expire, so they are made per event.
  const bundle =
    event === 'DownloadBundle'
      ? await deps.revisions.bundleLocation(record.revision)
      : {
          location: '',
          bundleType:
            record.revision.localLocation?.bundleType ?? record.revision.s3Location?.bundleType ?? 'tar',
        };
  const s3 = record.revision.s3Location;
  return {
    event: event as LifecycleEventScriptInput['event'],
    deployment: {
      deploymentId: record.deploymentId,
      applicationName: record.applicationName,
      deploymentGroupName: record.deploymentGroupName,
      deploymentGroupId: group?.deploymentGroupId ?? record.deploymentGroupName,
      deploymentType: 'IN_PLACE',
      creator: record.creator,
    },
    appSpec: record.appSpec as ServerAppSpec,
    bundle: {
      location: bundle.location,
      bundleType: bundle.bundleType as LifecycleEventScriptInput['bundle']['bundleType'],
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
    ...(record.fileExistsBehavior
      ? { fileExistsBehavior: record.fileExistsBehavior as 'DISALLOW' | 'OVERWRITE' | 'RETAIN' }
      : {}),
    ...(record.ignoreApplicationStopFailures ? { ignoreApplicationStopFailures: true } : {}),
    ...(deps.settings.deploymentRoot ? { deploymentRoot: deps.settings.deploymentRoot } : {}),
    ...(deps.settings.scriptsLogMaxBytes ? { scriptsLogMaxBytes: deps.settings.scriptsLogMaxBytes } : {}),
  };
}
