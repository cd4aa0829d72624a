import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { AlarmsPort, AlarmState } from '../../ports/alarms.js';
import { callAws } from './errors.js';

/** What AwsAlarms calls; the stack grants exactly these (checked against the code by iam-actions.test.ts). */
export const ALARMS_IAM_ACTIONS = ['cloudwatch:DescribeAlarms'] as const;

/** DescribeAlarms accepts at most 100 alarm names per call. */
export const MAX_ALARM_NAMES_PER_CALL = 100;

const STATES: ReadonlySet<string> = new Set<AlarmState>(['OK', 'ALARM', 'INSUFFICIENT_DATA']);

function isAlarmState(value: string | undefined): value is AlarmState {
  return value !== undefined && STATES.has(value);
}

/** Alarm states from CloudWatch, metric and composite alarms alike (a group may name either). */
export class AwsAlarms implements AlarmsPort {
  constructor(private readonly client: CloudWatchClient) {}

  async describeAlarms(alarmNames: readonly string[]): Promise<Map<string, AlarmState>> {
    const states = new Map<string, AlarmState>();
    const names = [...new Set(alarmNames)];
    for (let start = 0; start < names.length; start += MAX_ALARM_NAMES_PER_CALL) {
      await this.describeBatch(names.slice(start, start + MAX_ALARM_NAMES_PER_CALL), states);
    }
    return states;
  }

  private async describeBatch(names: string[], states: Map<string, AlarmState>): Promise<void> {
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const response = await callAws({ service: 'cloudwatch', operation: 'DescribeAlarms' }, () =>
        this.client.send(
          new DescribeAlarmsCommand({
            AlarmNames: names,
            // Without AlarmTypes, CloudWatch returns metric alarms only and composite alarms look missing.
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            MaxRecords: MAX_ALARM_NAMES_PER_CALL,
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        ),
      );
      for (const alarm of [...(response.MetricAlarms ?? []), ...(response.CompositeAlarms ?? [])]) {
        if (alarm.AlarmName !== undefined && isAlarmState(alarm.StateValue)) {
          states.set(alarm.AlarmName, alarm.StateValue);
        }
      }
      nextToken = response.NextToken;
    } while (nextToken);
  }
}
