import { batchHistoryEvents } from '../domain/server-batch-history.js';
import { afterBatchResults } from '../domain/server-progress.js';
import type { InstanceHealthState, InstanceTargetRecord } from '../ports/records.js';
import { defineStep, type StepDeps } from './deps.js';
import { loadDeploymentOf } from './load-deployment.js';
import { eventKind } from './next-batch.js';
import { currentBatchChunks, targetsOf } from './server-targets.js';

export interface RecordBatchInput {
  deploymentId: string;
  batchNumber: number;
}

/**
 * After a batch's last event: each instance's result goes into the schedule's counters (which apply
 * the stop rule), into its target's status and into the group's health of that instance (one item
 * each), which orders the next deployment. The run's history estimate grows by what the batch wrote.
 * Idempotent: the counters change in the same write that marks the batch recorded.
 */
export function recordBatch(
  deps: Pick<StepDeps, 'deployments' | 'groups' | 'deploymentTargets' | 'serverBatches' | 'clock'>,
) {
  return async ({ deploymentId, batchNumber }: RecordBatchInput): Promise<void> => {
    const { deployments, clock } = deps;
    const record = await loadDeploymentOf(deployments, deploymentId, 'Server');
    const batch = record.currentBatch;
    if (batch?.batchNumber !== batchNumber || batch.recorded) return; // a retry after the batch was recorded
    const progress = record.serverProgress;
    if (!progress) throw new TypeError(`The deployment ${deploymentId} has no schedule: Prepare plans it.`);
    const now = clock.now().toISOString();
    const phase = record.serverBlueGreen?.phase;
    const rollingBack = record.serverBlueGreen?.rollingBack === true;
    // Blue/green: the batch's own events decide (a rollback's instances may have failed before it);
    // an installed replacement is Ready until it takes traffic; a rollback leaves statuses as they are.
    const phaseEvents = new Set<string>(record.serverLifecycleEvents ?? []);
    const counted = (name: string) => !rollingBack || phaseEvents.has(name);
    const success = phase === 'install' ? 'Ready' : 'Succeeded';
    const results: Array<'Succeeded' | 'Failed'> = [];
    const health: Array<{ instanceId: string; health: InstanceHealthState }> = [];
    for (const chunk of await currentBatchChunks(deps.serverBatches, record, batchNumber)) {
      const targets = await targetsOf(deps.deploymentTargets, deploymentId, chunk.instanceIds);
      const ended: InstanceTargetRecord[] = [];
      for (const id of chunk.instanceIds) {
        const target = targets.get(id);
        // From the events, not the target's status: a retry finds the status this step already wrote.
        const result =
          target &&
          !target.lifecycleEvents.some((e) => e.status === 'Failed' && counted(e.lifecycleEventName))
            ? 'Succeeded'
            : 'Failed';
        results.push(result);
        health.push({ instanceId: id, health: result === 'Succeeded' ? 'Healthy' : 'Unhealthy' });
        const status = result === 'Succeeded' ? success : 'Failed';
        if (target && !rollingBack && target.status !== status) {
          ended.push({ ...target, status, lastUpdatedAt: now });
        }
      }
      await deps.deploymentTargets.putDeploymentTargets(ended);
    }
    // What orders the group's next in-place deployment and what a restarted server puts back in
    // service: a blue/green deployment records its fleets' health only once it succeeded (RetireOriginals).
    if (phase === undefined) {
      await deps.groups.recordInstanceHealth(record.applicationName, record.deploymentGroupName, health);
    }
    const written = batchHistoryEvents((record.serverLifecycleEvents ?? []).map(eventKind), batch.polls);
    await deployments.updateDeployment(deploymentId, {
      serverProgress: afterBatchResults(progress, batch.wave, results),
      currentBatch: { ...batch, recorded: true },
      currentRun: {
        run: batch.run,
        historyEvents: (record.currentRun?.run === batch.run ? record.currentRun.historyEvents : 0) + written,
      },
    });
  };
}

/** The Server in-place flow's RecordBatch Task: `${RecordBatchFunctionArn}`. */
export const RecordBatch = defineStep('RecordBatch', recordBatch, { timeoutSeconds: 300 })([
  'deployments',
  'groups',
  'deploymentTargets',
  'serverBatches',
]);
