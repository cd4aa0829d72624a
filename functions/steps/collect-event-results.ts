import { defineStep, type StepDeps } from './deps.js';
import { renewLockLease } from './group-lock-lease.js';
import { loadDeploymentOf } from './load-deployment.js';
import { onCommandComplete, type OnCommandCompleteDeps } from './on-command-complete.js';
import { currentBatchChunks } from './server-targets.js';

export interface CollectEventResultsInput {
  deploymentId: string;
  batchNumber: number;
  lifecycleEventName: string;
  /** How long the event may run in all; past it, instances that have not answered fail the event. */
  timeoutSeconds: number;
}

export interface CollectEventResultsOutput {
  /** Every command of the event reported (or was failed for not answering in time). */
  done: boolean;
}

/**
 * The bounded poll: the event's wait ended without a completion (its poll interval passed), so the
 * event's commands are read now. A command that finished is recorded as its completion event would
 * have been (the event was lost, or late); one still running is left to run until the event's time
 * is up, when its instances that have not answered fail the event. The state machine goes back to
 * the event's wait while something runs.
 */
export function collectEventResults(
  deps: OnCommandCompleteDeps & Pick<StepDeps, 'deployments' | 'groupLocks' | 'settings'>,
) {
  return async ({
    deploymentId,
    batchNumber,
    lifecycleEventName,
    timeoutSeconds,
  }: CollectEventResultsInput): Promise<CollectEventResultsOutput> => {
    const { serverBatches, clock } = deps;
    const record = await loadDeploymentOf(deps.deployments, deploymentId, 'Server');
    const wait = await serverBatches.getEventWait(deploymentId, batchNumber, lifecycleEventName);
    const startedMs = wait ? Date.parse(wait.startedAt) : clock.now().getTime();
    const final = clock.now().getTime() >= startedMs + timeoutSeconds * 1000;
    for (const chunk of await currentBatchChunks(serverBatches, record, batchNumber)) {
      const commandId = chunk.commands[lifecycleEventName];
      if (commandId !== undefined) await onCommandComplete(deps)(commandId, { final });
    }
    const after = await serverBatches.getEventWait(deploymentId, batchNumber, lifecycleEventName);
    const done = after === undefined || (after.allSent && after.pending <= 0);
    const batch = record.currentBatch;
    if (batch?.batchNumber === batchNumber && !batch.recorded) {
      await deps.deployments.updateDeployment(deploymentId, {
        currentBatch: { ...batch, polls: { ...batch.polls, script: batch.polls.script + 1 } },
      });
    }
    if (!done) await renewLockLease(deps, record, deps.settings.eventPollSeconds);
    return { done };
  };
}

/** The Server in-place flow's CollectEventResults Task: `${CollectEventResultsFunctionArn}`. */
export const CollectEventResults = defineStep('CollectEventResults', collectEventResults, {
  timeoutSeconds: 900,
})([
  'deployments',
  'groupLocks',
  'deploymentTargets',
  'serverBatches',
  'pendingWaits',
  'commandWaits',
  'transport',
  'callbacks',
]);
