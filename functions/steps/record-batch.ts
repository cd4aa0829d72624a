import { afterResult, type ServerSchedule } from '../domain/server-plan.js';
import type { StepDeps } from './deps.js';
import { loadDeployment } from './load-deployment.js';
import { targetsById } from './server-targets.js';

export interface RecordBatchInput {
  deploymentId: string;
  batchId: string;
}

/**
 * After a batch's last event: each instance's result goes into the schedule (which applies the stop
 * rule) and into the group's instance health, which orders the next deployment.
 */
export function recordBatch(deps: Pick<StepDeps, 'store' | 'clock'>) {
  return async ({ deploymentId, batchId }: RecordBatchInput): Promise<void> => {
    const { store, clock } = deps;
    const record = await loadDeployment(store, deploymentId);
    const batch = record.currentBatch;
    if (batch?.batchId !== batchId || batch.recorded) return; // a retry after the batch was recorded
    let schedule = record.serverSchedule as ServerSchedule;
    const targets = await targetsById(store, deploymentId);
    const group = await store.getDeploymentGroup(record.applicationName, record.deploymentGroupName);
    const instanceHealth = { ...group?.instanceHealth };
    const now = clock.now().toISOString();
    for (const id of batch.instanceIds) {
      const target = targets.get(id);
      // From the events, not the target's status: a retry finds the status this step already wrote.
      const result =
        target && !target.lifecycleEvents.some((e) => e.status === 'Failed') ? 'Succeeded' : 'Failed';
      if (schedule.instances.find((i) => i.id === id)?.status === 'InProgress')
        schedule = afterResult(schedule, id, result);
      if (target) await store.putDeploymentTarget({ ...target, status: result, lastUpdatedAt: now });
      instanceHealth[id] = result === 'Succeeded' ? 'Healthy' : 'Unhealthy';
    }
    if (group) await store.putDeploymentGroup({ ...group, instanceHealth });
    await store.updateDeployment(deploymentId, {
      serverSchedule: schedule,
      currentBatch: { ...batch, recorded: true },
    });
  };
}
