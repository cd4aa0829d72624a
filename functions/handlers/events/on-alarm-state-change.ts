import { defineStep, type StepDeps } from '../../steps/deps.js';
import { onAlarmStateChange } from '../../steps/on-alarm-state-change.js';

/** The part of EventBridge's "CloudWatch Alarm State Change" event the watcher reads. */
export interface AlarmStateChangeEvent {
  'detail-type'?: string;
  detail: { alarmName: string; state: { value: string }; previousState?: { value: string } };
}

/** Target of the EventBridge rule on CloudWatch alarm state changes: fails the watching deployments' waits. */
export const OnAlarmStateChange = defineStep(
  'OnAlarmStateChange',
  (deps: Pick<StepDeps, 'alarmWatches' | 'pendingWaits' | 'callbacks'>) => (event: AlarmStateChangeEvent) =>
    onAlarmStateChange(deps)(event.detail.alarmName, event.detail.state.value),
)(['alarmWatches', 'pendingWaits', 'callbacks']);
