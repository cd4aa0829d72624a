import type { DeploymentOverview } from '../domain/codedeploy-shapes.js';
import type { TargetStatus } from '../domain/status.js';
import type { DeploymentTargets } from '../ports/deployment-store.js';
import { failedInFlight } from './lifecycle-records.js';
import type {
  InstanceTargetRecord,
  LifecycleEventDiagnostics,
  LifecycleEventRecord,
} from '../ports/records.js';

/** The deployment's instance targets by id. */
export async function targetsById(
  targets: DeploymentTargets,
  deploymentId: string,
): Promise<Map<string, InstanceTargetRecord>> {
  return new Map(
    (await targets.listDeploymentTargets(deploymentId)).map((target) => [target.targetId, target]),
  );
}

/** The status of one lifecycle event of a target, if it has that event. */
export function targetEventStatus(target: InstanceTargetRecord | undefined, event: string) {
  return target?.lifecycleEvents.find((e) => e.lifecycleEventName === event)?.status;
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
  diagnostics?: LifecycleEventDiagnostics,
): InstanceTargetRecord {
  const at = now.toISOString();
  const lifecycleEvents = target.lifecycleEvents.map((event): LifecycleEventRecord => {
    if (event.lifecycleEventName !== eventName) {
      return status === 'Failed' && event.status === 'Pending' ? { ...event, status: 'Skipped' } : event;
    }
    return {
      ...event,
      status,
      ...(status === 'InProgress' ? { startTime: at } : { endTime: at }),
      ...(diagnostics ? { diagnostics } : {}),
    };
  });
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
  status: TargetStatus,
  now: Date,
  reason = 'The deployment ended before this lifecycle event finished.',
): InstanceTargetRecord {
  const at = now.toISOString();
  return {
    ...target,
    status,
    lastUpdatedAt: at,
    lifecycleEvents: target.lifecycleEvents.map((event): LifecycleEventRecord => {
      if (event.status === 'Pending') return { ...event, status: 'Skipped' };
      if (event.status === 'InProgress') return failedInFlight(event, at, reason);
      return event;
    }),
  };
}

/**
 * Instances a deployment ends without finishing: Pending ones are Skipped, ones in flight Failed.
 * Returns every target as it ends (none for Lambda and ECS, which have no instance targets).
 */
export async function closeUnfinishedTargets(
  targets: DeploymentTargets,
  deploymentId: string,
  now: Date,
  reason?: string,
): Promise<InstanceTargetRecord[]> {
  const ended: InstanceTargetRecord[] = [];
  for (const target of await targets.listDeploymentTargets(deploymentId)) {
    let closed = target;
    if (target.status === 'Pending') closed = closeTarget(target, 'Skipped', now);
    else if (target.status === 'InProgress') closed = closeTarget(target, 'Failed', now, reason);
    if (closed !== target) await targets.putDeploymentTarget(closed);
    ended.push(closed);
  }
  return ended;
}

/** CodeDeploy's DeploymentOverview of a set of targets: how many are in each status. */
export function overviewOf(targets: readonly { status: string }[]): Required<DeploymentOverview> {
  const overview = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 };
  for (const { status } of targets) {
    if (status in overview) overview[status as keyof typeof overview] += 1;
  }
  return overview;
}

/** Ids of the batch's instances still going through their events. */
export function liveInstances(
  targets: Map<string, InstanceTargetRecord>,
  instanceIds: readonly string[],
): string[] {
  return instanceIds.filter((id) => targets.get(id)?.status === 'InProgress');
}
