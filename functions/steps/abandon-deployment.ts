import {
  DEPLOYMENT_STATUS_VALUES,
  isTerminalDeploymentStatus,
  type DeploymentStatus,
} from '../domain/status.js';
import type { DeploymentRecord, ErrorInformation } from '../ports/records.js';
import type { StepDeps } from './deps.js';
import { closeLifecycleEvents } from './lifecycle-records.js';
import { closeUnfinishedTargets, overviewOf } from './server-targets.js';

/** Statuses of a deployment that has not ended (Created, Queued, InProgress, Baking, Ready). */
export const UNFINISHED_STATUSES: readonly DeploymentStatus[] = DEPLOYMENT_STATUS_VALUES.filter(
  (status) => !isTerminalDeploymentStatus(status),
);

export function isUnfinished(record: DeploymentRecord): boolean {
  return UNFINISHED_STATUSES.includes(record.status);
}

/**
 * Ends, as Failed, a deployment whose execution is gone (the Step Functions execution aborted, timed
 * out or failed outside its Catch; the local process that ran it exited), so that nothing stays in
 * progress and the group is not locked forever: instances and lifecycle events still open are closed,
 * the pending wait and the alarm watches are cleared, the group's lock is released.
 *
 * Only for a deployment nothing else is running. The status changes only from an unfinished one, so
 * of two callers exactly one ends it; the other (and a caller finding it already ended) gets undefined.
 */
export function abandonDeployment(
  deps: Pick<
    StepDeps,
    'deployments' | 'groupLocks' | 'deploymentTargets' | 'pendingWaits' | 'alarmWatches' | 'clock'
  >,
) {
  return async (
    record: DeploymentRecord,
    errorInformation: ErrorInformation,
  ): Promise<DeploymentRecord | undefined> => {
    const { pendingWaits } = deps;
    if (!isUnfinished(record)) return undefined;
    const now = deps.clock.now();
    // Cleared before the status changes: a retry after a partial run still finds it unfinished.
    const targets = await closeUnfinishedTargets(
      deps.deploymentTargets,
      record.deploymentId,
      now,
      errorInformation.message,
    );
    const wait = await pendingWaits.getPendingWait(record.deploymentId);
    if (wait) await pendingWaits.clearPendingWait(record.deploymentId, wait.taskToken);
    await deps.alarmWatches.unwatchAlarms(
      record.deploymentId,
      record.alarmConfiguration?.alarms.map((a) => a.name) ?? [],
    );
    let ended: DeploymentRecord;
    try {
      ended = await deps.deployments.updateDeployment(
        record.deploymentId,
        {
          status: 'Failed',
          completeTime: now.toISOString(),
          errorInformation,
          ...(targets.length > 0 ? { deploymentOverview: overviewOf(targets) } : {}),
          lifecycleEvents: closeLifecycleEvents(
            record.lifecycleEvents ?? [],
            now,
            'Failed',
            errorInformation.message,
          ),
        },
        UNFINISHED_STATUSES,
      );
    } catch (error) {
      if (error instanceof Error && error.name === 'DeploymentStatusConflictError') return undefined;
      throw error;
    }
    await deps.groupLocks.releaseGroupLock(
      record.applicationName,
      record.deploymentGroupName,
      record.deploymentId,
    );
    return ended;
  };
}
