import { afterResult } from '../domain/server-plan.js';
import { defineStep, type StepDeps } from './deps.js';
import { loadDeploymentOf } from './load-deployment.js';
import { targetsById } from './server-targets.js';

export interface RecordBatchInput {
  deploymentId: string;
  batchId: string;
}

/**
 * After a batch's last event: each instance's result goes into the schedule (which applies the stop
 * rule) and into the group's instance health, which orders the next deployment.
 */
export function recordBatch(deps: Pick<StepDeps, 'deployments' | 'groups' | 'deploymentTargets' | 'clock'>) {
  return async ({ deploymentId, batchId }: RecordBatchInput): Promise<void> => {
    const { deployments, clock } = deps;
    const record = await loadDeploymentOf(deployments, deploymentId, 'Server');
    const batch = record.currentBatch;
    if (batch?.batchId !== batchId || batch.recorded) return; // a retry after the batch was recorded
    let schedule = record.serverSchedule;
    if (!schedule) throw new TypeError(`The deployment ${deploymentId} has no schedule: Prepare plans it.`);
    const targets = await targetsById(deps.deploymentTargets, deploymentId);
    const group = await deps.groups.getDeploymentGroup(record.applicationName, record.deploymentGroupName);
    const instanceHealth = { ...group?.instanceHealth };
    const now = clock.now().toISOString();
    for (const id of batch.instanceIds) {
      const target = targets.get(id);
      // From the events, not the target's status: a retry finds the status this step already wrote.
      const result =
        target && !target.lifecycleEvents.some((e) => e.status === 'Failed') ? 'Succeeded' : 'Failed';
      if (schedule.instances.find((i) => i.id === id)?.status === 'InProgress')
        schedule = afterResult(schedule, id, result);
      if (target)
        await deps.deploymentTargets.putDeploymentTarget({ ...target, status: result, lastUpdatedAt: now });
      instanceHealth[id] = result === 'Succeeded' ? 'Healthy' : 'Unhealthy';
    }
    // One deployment per group at a time: nothing else writes the health map meanwhile.
    if (group) {
      await deps.groups.recordGroupDeploymentState(record.applicationName, record.deploymentGroupName, {
        instanceHealth,
      });
    }
    await deployments.updateDeployment(deploymentId, {
      serverSchedule: schedule,
      currentBatch: { ...batch, recorded: true },
    });
  };
}

/** The Server in-place flow's RecordBatch Task: `${RecordBatchFunctionArn}`. */
export const RecordBatch = defineStep(
  'RecordBatch',
  recordBatch,
)(['deployments', 'groups', 'deploymentTargets']);
