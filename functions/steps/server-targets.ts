import type { DeploymentOverview } from '../domain/codedeploy-shapes.js';
import { emptyOverview, isOverviewStatus, type TargetStatus } from '../domain/status.js';
import type { DeploymentTargets, ServerBatches } from '../ports/deployment-store.js';
import type {
  BatchChunk,
  InstanceTargetRecord,
  LifecycleEventDiagnostics,
  LifecycleEventRecord,
  ServerDeploymentRecord,
} from '../ports/records.js';
import { failedInFlight } from './lifecycle-records.js';

/** The targets with these ids, by id (one BatchGetItem per 100). */
export async function targetsOf(
  targets: DeploymentTargets,
  deploymentId: string,
  ids: readonly string[],
): Promise<Map<string, InstanceTargetRecord>> {
  if (ids.length === 0) return new Map();
  return new Map(
    (await targets.getDeploymentTargets(deploymentId, ids)).map((target) => [target.targetId, target]),
  );
}

/** The chunks of the deployment's current batch (none when no batch is under way), in order. */
export async function currentBatchChunks(
  batches: ServerBatches,
  record: ServerDeploymentRecord,
  batchNumber?: number,
): Promise<BatchChunk[]> {
  const number = batchNumber ?? record.currentBatch?.batchNumber;
  if (number === undefined || record.currentBatch?.batchNumber !== number) return [];
  const chunks = await batches.listBatchChunks(record.deploymentId, number);
  return chunks.sort((a, b) => a.chunk - b.chunk);
}

/** The status of one lifecycle event of a target, if it has that event. */
export function targetEventStatus(target: InstanceTargetRecord | undefined, event: string) {
  return target?.lifecycleEvents.find((e) => e.lifecycleEventName === event)?.status;
}

/**
 * The target with one lifecycle event changed; a failed event fails the target, and the events it
 * will now never run are Skipped at once (a failed instance stops at its failed event). A target's
 * first event to start puts it InProgress.
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
  const targetStatus: TargetStatus =
    status === 'Failed'
      ? 'Failed'
      : status === 'InProgress' && (target.status === 'Pending' || target.status === 'Ready')
        ? 'InProgress'
        : target.status;
  return { ...target, lifecycleEvents, lastUpdatedAt: at, status: targetStatus };
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
 * Returns every target as it ends (none for Lambda and ECS, which have no instance targets). It reads
 * every target once: this is the deployment's end, not a batch's hot path; the changes are written in
 * batches.
 */
export async function closeUnfinishedTargets(
  targets: DeploymentTargets,
  deploymentId: string,
  now: Date,
  reason?: string,
): Promise<InstanceTargetRecord[]> {
  const ended: InstanceTargetRecord[] = [];
  const closed: InstanceTargetRecord[] = [];
  for (const target of await targets.listDeploymentTargets(deploymentId)) {
    let end = target;
    if (target.status === 'Pending') end = closeTarget(target, 'Skipped', now);
    else if (target.status === 'InProgress') end = closeTarget(target, 'Failed', now, reason);
    if (end !== target) closed.push(end);
    ended.push(end);
  }
  await targets.putDeploymentTargets(closed);
  return ended;
}

/** CodeDeploy's DeploymentOverview of a set of targets: how many are in each status. */
export function overviewOf(targets: readonly { status: string }[]): Required<DeploymentOverview> {
  const overview = emptyOverview();
  for (const { status } of targets) if (isOverviewStatus(status)) overview[status] += 1;
  return overview;
}

/**
 * Whether a target of the batch is still going through its events (no event failed); a blue/green
 * replacement that is Ready (installed) goes on to take traffic.
 */
export function isLive(target: InstanceTargetRecord | undefined): target is InstanceTargetRecord {
  return (
    target !== undefined &&
    (target.status === 'InProgress' || target.status === 'Pending' || target.status === 'Ready')
  );
}

/**
 * Whether a target goes on with the current batch's events. A blue/green rollback runs its events
 * on instances whatever they did before (a replacement that failed to turn healthy is registered
 * all the same, and must leave): there, only a failure of the rollback's own events stops one.
 */
export function isLiveIn(
  record: ServerDeploymentRecord,
  target: InstanceTargetRecord | undefined,
): target is InstanceTargetRecord {
  if (!record.serverBlueGreen?.rollingBack) return isLive(target);
  const events = new Set<string>(record.serverLifecycleEvents ?? []);
  return (
    target !== undefined &&
    !target.lifecycleEvents.some((event) => events.has(event.lifecycleEventName) && event.status === 'Failed')
  );
}
