import { commandStatusChangeFromEvent } from '../../adapters/aws/ssm-transport.js';
import { defineStep } from '../../steps/deps.js';
import { onCommandComplete, type OnCommandCompleteDeps } from '../../steps/on-command-complete.js';

/**
 * Target of the EventBridge rule on SSM "EC2 Command Status-change Notification" events: when a
 * lifecycle event's command ends, its results are recorded and the parked state resumes.
 */
export const OnCommandComplete = defineStep(
  'OnCommandComplete',
  (deps: OnCommandCompleteDeps) => async (event: unknown) => {
    const change = commandStatusChangeFromEvent(event);
    if (!change) return { completed: false };
    return onCommandComplete(deps)(change.commandId);
  },
)(['deploymentTargets', 'serverBatches', 'pendingWaits', 'commandWaits', 'transport', 'callbacks']);
