import type { DeploymentRecord } from '../ports/records.js';
import type { StepDeps } from './deps.js';

/**
 * A lock that no step renews (a flow that does not renew its lease) must outlast the longest
 * deployment it may guard: ECS blue/green may take 120 hours (reference §4.3); a day of margin.
 */
export const UNRENEWED_LOCK_LEASE_SECONDS = 6 * 24 * 3600;

/** When the lease should end: after the wait ahead (seconds) and the configured margin. */
export function leaseUntil(deps: Pick<StepDeps, 'clock' | 'settings'>, waitSeconds = 0): number {
  return deps.clock.now().getTime() + (Math.max(0, waitSeconds) + deps.settings.lockLeaseSeconds) * 1000;
}

/**
 * Renews the deployment's lease on its group's lock before a wait of `waitSeconds`: as long as its
 * steps run, the deployment keeps its group; once they stop for good (the execution is gone and its
 * end was never recorded), the lease runs out and the group is free again.
 */
export async function renewLockLease(
  deps: Pick<StepDeps, 'groupLocks' | 'clock' | 'settings'>,
  record: DeploymentRecord,
  waitSeconds = 0,
): Promise<void> {
  await deps.groupLocks.renewGroupLock(
    record.applicationName,
    record.deploymentGroupName,
    record.deploymentId,
    leaseUntil(deps, waitSeconds),
  );
}
