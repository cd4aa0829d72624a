import { onAlarmStateChange } from '../steps/on-alarm-state-change.js';
import { stepHandler } from '../runtime/handler.js';
import { awsStepDeps } from './aws-deps.js';

/** The part of EventBridge's "CloudWatch Alarm State Change" event the watcher reads. */
export interface AlarmStateChangeEvent {
  'detail-type'?: string;
  detail: { alarmName: string; state: { value: string }; previousState?: { value: string } };
}

/** Target of the EventBridge rule on CloudWatch alarm state changes: fails the watching deployments' waits. */
export const handler = stepHandler('onAlarmStateChange', (event: AlarmStateChangeEvent) =>
  onAlarmStateChange(awsStepDeps())(event.detail.alarmName, event.detail.state.value),
);
