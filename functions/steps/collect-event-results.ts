import { defineStep, type StepDeps } from './deps.js';
import { loadDeploymentOf } from './load-deployment.js';
import { onCommandComplete } from './on-command-complete.js';

export interface CollectEventResultsInput {
  deploymentId: string;
  batchId: string;
  lifecycleEventName: string;
}

/**
 * The polling fallback: the event's token timed out without a completion event, so read each
 * outstanding command's results now; instances that still have not answered fail the event.
 */
export function collectEventResults(
  deps: Pick<
    StepDeps,
    | 'deployments'
    | 'deploymentTargets'
    | 'pendingWaits'
    | 'commandWaits'
    | 'transport'
    | 'callbacks'
    | 'clock'
  >,
) {
  return async ({ deploymentId }: CollectEventResultsInput): Promise<void> => {
    const record = await loadDeploymentOf(deps.deployments, deploymentId, 'Server');
    for (const commandId of record.currentEvent?.commandIds ?? []) {
      await onCommandComplete(deps)(commandId, { final: true });
    }
  };
}

/** The Server in-place flow's CollectEventResults Task: `${CollectEventResultsFunctionArn}`. */
export const CollectEventResults = defineStep(
  'CollectEventResults',
  collectEventResults,
)(['deployments', 'deploymentTargets', 'pendingWaits', 'commandWaits', 'transport', 'callbacks']);
