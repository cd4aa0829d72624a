import { onAlarmStateChange } from '../steps/on-alarm-state-change.js';
import { stepHandler } from '../runtime/handler.js';
import { awsStepDeps, portsOf } from './aws-deps.js';

/** The AWS ports `onAlarmStateChange` uses; the stack grants this function their IAM actions and no others. */
export const ports = portsOf<typeof onAlarmStateChange>()(['store', 'callbacks']);

/** The part of EventBridge's "CloudWatch Alarm State Change" event the watcher reads. */
export interface AlarmStateChangeEvent {
  'detail-type'?: string;
  detail: { alarmName: string; state: { value: string }; previousState?: { value: string } };
}

/** Target of the EventBridge rule on CloudWatch alarm state changes: fails the watching deployments' waits. */
export const handler = stepHandler('onAlarmStateChange', (event: AlarmStateChangeEvent) =>
  onAlarmStateChange(awsStepDeps(ports))(event.detail.alarmName, event.detail.state.value),
);
