import type { DeploymentRecord, LifecycleEventRecord } from '../ports/records.js';

/** The record's lifecycle events with `name` set to `status` (start and end times kept honest). */
export function withLifecycleEvent(
  record: DeploymentRecord,
  name: string,
  status: string,
  now: Date,
  diagnostics?: LifecycleEventRecord['diagnostics'],
): LifecycleEventRecord[] {
  const events = record.lifecycleEvents ?? [];
  const at = now.toISOString();
  const existing = events.find((event) => event.lifecycleEventName === name);
  const updated: LifecycleEventRecord = {
    ...(existing ?? { lifecycleEventName: name }),
    status,
    ...(status === 'InProgress' ? { startTime: at } : {}),
    ...(['Succeeded', 'Failed', 'Skipped'].includes(status) ? { endTime: at } : {}),
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
  deploymentStatus?: string,
  reason = 'The deployment ended before this lifecycle event finished.',
): LifecycleEventRecord[] {
  const at = now.toISOString();
  return events.map((event) =>
    event.lifecycleEventName === 'End' && event.status === 'Pending' && deploymentStatus === 'Succeeded'
      ? { ...event, status: 'Succeeded', startTime: at, endTime: at }
      : event.status === 'Pending'
        ? { ...event, status: 'Skipped' }
        : event.status === 'InProgress'
          ? {
              ...event,
              status: 'Failed',
              endTime: at,
              // A failed event always says why, even one that only ended with its deployment.
              diagnostics: event.diagnostics ?? {
                errorCode: 'UnknownError',
                scriptName: '',
                message: reason,
                logTail: '',
              },
            }
          : event,
  );
}
