import type { DeploymentStatus, LifecycleEventStatus } from '../domain/status.js';
import type { DeploymentRecord, LifecycleEventDiagnostics, LifecycleEventRecord } from '../ports/records.js';

const ENDED: ReadonlySet<LifecycleEventStatus> = new Set(['Succeeded', 'Failed', 'Skipped']);

/** The record's lifecycle events with `name` set to `status` (start and end times kept honest). */
export function withLifecycleEvent(
  record: DeploymentRecord,
  name: string,
  status: LifecycleEventStatus,
  now: Date,
  diagnostics?: LifecycleEventDiagnostics,
): LifecycleEventRecord[] {
  const events = record.lifecycleEvents ?? [];
  const at = now.toISOString();
  const existing = events.find((event) => event.lifecycleEventName === name);
  const updated: LifecycleEventRecord = {
    ...(existing ?? { lifecycleEventName: name }),
    status,
    ...(status === 'InProgress' ? { startTime: at } : {}),
    ...(ENDED.has(status) ? { endTime: at } : {}),
    ...(diagnostics ? { diagnostics } : {}),
  };
  return existing
    ? events.map((event) => (event.lifecycleEventName === name ? updated : event))
    : [...events, updated];
}

/**
 * Lifecycle events still Pending or InProgress end as Skipped (or Failed for the one that failed).
 * `End` is the one event no step runs: it is the deployment's own completion, so it succeeds with
 * a successful deployment.
 */
export function closeLifecycleEvents(
  events: LifecycleEventRecord[],
  now: Date,
  deploymentStatus?: DeploymentStatus,
  reason = 'The deployment ended before this lifecycle event finished.',
): LifecycleEventRecord[] {
  const at = now.toISOString();
  return events.map((event): LifecycleEventRecord => {
    if (event.lifecycleEventName === 'End' && event.status === 'Pending' && deploymentStatus === 'Succeeded')
      return { ...event, status: 'Succeeded', startTime: at, endTime: at };
    if (event.status === 'Pending') return { ...event, status: 'Skipped' };
    if (event.status === 'InProgress') return failedInFlight(event, at, reason);
    return event;
  });
}

/** An event in flight when its deployment ended: Failed, and it always says why. */
export function failedInFlight(
  event: LifecycleEventRecord,
  at: string,
  reason: string,
): LifecycleEventRecord {
  return {
    ...event,
    status: 'Failed',
    endTime: at,
    diagnostics: event.diagnostics ?? {
      errorCode: 'UnknownError',
      scriptName: '',
      message: reason,
      logTail: '',
    },
  };
}
