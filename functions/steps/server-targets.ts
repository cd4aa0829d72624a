import type { DeploymentStore } from '../ports/deployment-store.js';
import type { InstanceTargetRecord, LifecycleEventRecord } from '../ports/records.js';

/** The deployment's instance targets by id. */
export async function targetsById(
  store: DeploymentStore,
  deploymentId: string,
): Promise<Map<string, InstanceTargetRecord>> {
  return new Map(
    (await store.listDeploymentTargets(deploymentId)).map((target) => [target.targetId, target]),
  );
}

/**
 * The target with one lifecycle event changed; a failed event fails the target, and the events it
 * will now never run are Skipped at once (a failed instance stops at its failed event).
 */
export function withTargetEvent(
  target: InstanceTargetRecord,
  eventName: string,
  status: 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped',
  now: Date,
  diagnostics?: LifecycleEventRecord['diagnostics'],
): InstanceTargetRecord {
  const at = now.toISOString();
  const lifecycleEvents = target.lifecycleEvents.map((event) =>
    event.lifecycleEventName !== eventName
      ? status === 'Failed' && event.status === 'Pending'
        ? { ...event, status: 'Skipped' }
        : event
      : {
          ...event,
          status,
          ...(status === 'InProgress' ? { startTime: at } : { endTime: at }),
          ...(diagnostics ? { diagnostics } : {}),
        },
  );
  return {
    ...target,
    lifecycleEvents,
    lastUpdatedAt: at,
    status: status === 'Failed' ? 'Failed' : target.status,
  };
}

/**
 * A target that will run no more events: the rest are Skipped, and it ends as `status`. An event in
 * flight fails with `reason` as its message (what ended it), unless it has diagnostics already.
 */
export function closeTarget(
  target: InstanceTargetRecord,
  status: string,
  now: Date,
  reason = 'The deployment ended before this lifecycle event finished.',
): InstanceTargetRecord {
  const at = now.toISOString();
  return {
    ...target,
    status,
    lastUpdatedAt: at,
    lifecycleEvents: target.lifecycleEvents.map((event) =>
      event.status === 'Pending'
        ? { ...event, status: 'Skipped' }
        : event.status === 'InProgress'
          ? {
              ...event,
              status: 'Failed',
              endTime: at,
              diagnostics: event.diagnostics ?? {
                errorCode: 'UnknownError',
                scriptName: '',
                message: reason,
                logTail: '',
              },
            }
          : event,
    ),
  };
}

/** Instances a deployment ends without finishing: Pending ones are Skipped, ones in flight Failed. */
export async function closeUnfinishedTargets(
  store: DeploymentStore,
  deploymentId: string,
  now: Date,
  reason?: string,
): Promise<void> {
  for (const target of await store.listDeploymentTargets(deploymentId)) {
    if (target.status === 'Pending') await store.putDeploymentTarget(closeTarget(target, 'Skipped', now));
    else if (target.status === 'InProgress')
      await store.putDeploymentTarget(closeTarget(target, 'Failed', now, reason));
  }
}

/** Ids of the batch's instances still going through their events. */
export function liveInstances(
  targets: Map<string, InstanceTargetRecord>,
  instanceIds: readonly string[],
): string[] {
  return instanceIds.filter((id) => targets.get(id)?.status === 'InProgress');
}
