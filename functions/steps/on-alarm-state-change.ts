import { AlarmActiveError } from '../domain/deployment-errors.js';
import { alarmActiveMessage } from './alarm-check.js';
import type { StepDeps } from './deps.js';
import { isDeadTokenError } from './task-tokens.js';

/**
 * Target of the EventBridge "CloudWatch Alarm State Change" rule: every deployment watching the alarm
 * that is parked on a token (a bake or a hook) fails at once, instead of at its next poll.
 */
export function onAlarmStateChange(deps: Pick<StepDeps, 'alarmWatches' | 'pendingWaits' | 'callbacks'>) {
  return async (alarmName: string, newState: string): Promise<{ failedWaits: string[] }> => {
    if (newState !== 'ALARM') return { failedWaits: [] };
    const failedWaits: string[] = [];
    for (const deploymentId of await deps.alarmWatches.deploymentsWatchingAlarm(alarmName)) {
      const wait = await deps.pendingWaits.getPendingWait(deploymentId);
      if (!wait) continue; // between states: the next step reads the alarm itself
      try {
        await deps.callbacks.sendTaskFailure(
          wait.taskToken,
          new AlarmActiveError('').name,
          alarmActiveMessage([alarmName]),
        );
        failedWaits.push(deploymentId);
      } catch (error) {
        // A token that already timed out or completed has nothing left to stop.
        if (!isDeadTokenError(error)) throw error;
      }
      await deps.pendingWaits.clearPendingWait(deploymentId, wait.taskToken);
    }
    return { failedWaits };
  };
}
