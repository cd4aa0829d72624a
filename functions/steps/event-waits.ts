import type { StepDeps } from './deps.js';
import { isDeadTokenError } from './task-tokens.js';

/** Completes the event's token (a second completion of a used token is not an error) and clears the wait. */
export async function resumeEvent(
  deps: Pick<StepDeps, 'pendingWaits' | 'callbacks'>,
  deploymentId: string,
  taskToken: string,
  event: string,
): Promise<void> {
  try {
    await deps.callbacks.sendTaskSuccess(taskToken, { lifecycleEventName: event });
  } catch (error) {
    // Two commands may report together, or the state's wait timed out into a poll meanwhile.
    if (!isDeadTokenError(error)) throw error;
  }
  await deps.pendingWaits.clearPendingWait(deploymentId, taskToken);
}
