import type { ServerAppSpec } from '../domain/appspec/model.js';
import {
  buildLifecycleEventScript,
  type LifecycleEventScriptInput,
} from '../domain/instance-scripts/index.js';
import type { DeploymentRecord } from '../ports/records.js';
import type { StepDeps } from './deps.js';
import { assertNotStopped, loadDeployment } from './load-deployment.js';
import { onCommandComplete } from './on-command-complete.js';
import { liveInstances, targetsById, withTargetEvent } from './server-targets.js';

export interface RunLifecycleEventInput {
  deploymentId: string;
  batchId: string;
  lifecycleEventName: string;
  taskToken: string;
}

/** SSM takes at most 50 instance ids per SendCommand. */
export const INSTANCES_PER_COMMAND = 50;
/** DownloadBundle and Install have no AppSpec timeout; the agent allows a lifecycle event an hour. */
const EVENT_SECONDS = 3600;

/**
 * Sends one lifecycle event's script to the batch's instances that are still going (one command per
 * 50 instances) and leaves the state parked on its token. onCommandComplete resumes it once every
 * instance has reported; a batch with no instance left resumes at once.
 */
export function runLifecycleEvent(
  deps: Pick<StepDeps, 'store' | 'transport' | 'revisions' | 'callbacks' | 'clock' | 'settings'>,
) {
  return async ({
    deploymentId,
    batchId,
    lifecycleEventName,
    taskToken,
  }: RunLifecycleEventInput): Promise<void> => {
    const { store, clock } = deps;
    const record = await loadDeployment(store, deploymentId);
    assertNotStopped(record);
    const batch = record.currentBatch?.batchId === batchId ? record.currentBatch.instanceIds : [];
    const targets = await targetsById(store, deploymentId);
    const instanceIds = liveInstances(targets, batch);
    if (instanceIds.length === 0) {
      await deps.callbacks.sendTaskSuccess(taskToken, { lifecycleEventName, instances: 0 });
      return;
    }
    const script = buildLifecycleEventScript(await scriptInput(deps, record, lifecycleEventName));
    const now = clock.now();
    for (const id of instanceIds) {
      const target = targets.get(id);
      if (target)
        await store.putDeploymentTarget(withTargetEvent(target, lifecycleEventName, 'InProgress', now));
    }
    await store.putPendingWait({
      deploymentId,
      taskToken,
      kind: 'InstanceCommand',
      stateName: lifecycleEventName,
      since: now.toISOString(),
    });
    const commandIds: string[] = [];
    for (let start = 0; start < instanceIds.length; start += INSTANCES_PER_COMMAND) {
      const chunk = instanceIds.slice(start, start + INSTANCES_PER_COMMAND);
      const { commandId } = await deps.transport.sendCommand({
        instanceIds: chunk,
        script,
        executionTimeoutSeconds: eventTimeoutSeconds(record.appSpec as ServerAppSpec, lifecycleEventName),
        comment: `${deploymentId} ${lifecycleEventName}`,
      });
      await store.putCommandWait({
        commandId,
        deploymentId,
        lifecycleEventName,
        instanceIds: chunk,
        taskToken,
        sentAt: now.toISOString(),
      });
      commandIds.push(commandId);
    }
    await store.updateDeployment(deploymentId, { currentCommandIds: commandIds });
    // A command may finish before its wait was stored, and then its completion found nothing: look again.
    for (const commandId of commandIds) await onCommandComplete(deps)(commandId);
  };
}

/** The script may run its hooks back to back; give the command their total plus a margin. */
export function eventTimeoutSeconds(appSpec: ServerAppSpec, event: string): number {
  const hooks = appSpec.hooks[event] ?? [];
  const total = hooks.reduce((sum, hook) => sum + hook.timeout, 0);
  return Math.max(EVENT_SECONDS, total) + 300;
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
  };
}
