import { AlarmActiveError, AlarmPollFailedError } from '../domain/deployment-errors.js';
import type { AlarmsPort } from '../ports/alarms.js';
import type { AlarmConfiguration } from '../ports/records.js';
import { errorMessage } from './caught-errors.js';
import type { StepDeps } from './deps.js';

/**
 * Reads the deployment's alarms and throws when one is in ALARM, or when one cannot be read and
 * ignorePollAlarmFailure is off (CodeDeploy stops the deployment in both cases).
 */
export async function assertAlarmsQuiet(
  alarms: AlarmsPort,
  configuration: AlarmConfiguration | undefined,
): Promise<void> {
  if (!configuration?.enabled || configuration.alarms.length === 0) return;
  const names = configuration.alarms.map((alarm) => alarm.name);
  let states;
  try {
    states = await alarms.describeAlarms(names);
  } catch (error) {
    if (configuration.ignorePollAlarmFailure) return;
    throw new AlarmPollFailedError(`The alarm states could not be read: ${errorMessage(error)}`);
  }
  const active = names.filter((name) => states.get(name) === 'ALARM');
  if (active.length > 0) throw new AlarmActiveError(alarmActiveMessage(active));
  const missing = names.filter((name) => !states.has(name));
  if (missing.length > 0 && !configuration.ignorePollAlarmFailure) {
    throw new AlarmPollFailedError(
      `The deployment's alarm configuration names alarms that do not exist: ${missing.join(', ')}. ` +
        'Create them, remove them from the alarm configuration, or set ignorePollAlarmFailure.',
    );
  }
}

/**
 * What every flow's Prepare does last before it touches a target: the alarms must be quiet, and then
 * they are watched for the deployment, so that a change of their state reaches it (OnAlarmStateChange).
 */
export async function assertAlarmsQuietAndWatch(
  deps: Pick<StepDeps, 'alarms' | 'alarmWatches'>,
  record: { deploymentId: string; alarmConfiguration?: AlarmConfiguration },
): Promise<void> {
  await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
  const alarmNames = record.alarmConfiguration?.enabled
    ? record.alarmConfiguration.alarms.map((a) => a.name)
    : [];
  await deps.alarmWatches.watchAlarms(record.deploymentId, alarmNames);
}

/** CodeDeploy's observed ALARM_ACTIVE message. */
export function alarmActiveMessage(alarmNames: readonly string[]): string {
  return (
    'One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, ' +
    `and the affected deployments have been stopped. Activated alarms: ${alarmNames.join(', ')}`
  );
}
