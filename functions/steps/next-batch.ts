import { HealthConstraintsError } from '../domain/deployment-errors.js';
import { advanceWave, markStarted, nextAction, type ServerSchedule } from '../domain/server-plan.js';
import { assertAlarmsQuiet } from './alarm-check.js';
import type { StepDeps } from './deps.js';
import { assertNotStopped, loadDeployment } from './load-deployment.js';
import { eventKind, type ServerEventKind } from './prepare-server.js';
import { targetsById } from './server-targets.js';

export interface NextBatchInput {
  deploymentId: string;
}

export type NextBatchOutput =
  | {
      action: 'start';
      batchId: string;
      instanceIds: string[];
      events: Array<{ name: string; kind: ServerEventKind }>;
      /** For the state machine's event loop (Choice rules cannot count an array). */
      eventCount: number;
    }
  | { action: 'wait'; waitSeconds: number }
  | { action: 'done' };

/**
 * Between batches: honours stop requests and alarms, then asks the minimum-healthy-hosts scheduler
 * what comes next. A deployment the scheduler ends (too many failures) fails here with its code.
 */
export function nextBatch(deps: Pick<StepDeps, 'store' | 'alarms' | 'clock'>) {
  return async ({ deploymentId }: NextBatchInput): Promise<NextBatchOutput> => {
    const { store, clock } = deps;
    const record = await loadDeployment(store, deploymentId);
    assertNotStopped(record);
    await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
    let schedule = record.serverSchedule as ServerSchedule;
    const action = nextAction(schedule);
    if (action.kind === 'done') {
      if (action.outcome.status === 'Succeeded') return { action: 'done' };
      throw new HealthConstraintsError(action.outcome.message);
    }
    if (action.kind === 'next-wave') {
      schedule = advanceWave(schedule);
      await store.updateDeployment(deploymentId, { serverSchedule: schedule });
      return { action: 'wait', waitSeconds: Math.max(1, action.waitSeconds) };
    }
    if (action.kind === 'await-results') {
      // Batches run to completion before the next starts, so nothing can be in flight here.
      throw new Error(`The schedule of ${deploymentId} has instances in flight between batches.`);
    }
    const batchId = `batch-${Number(record.currentBatch?.batchId.split('-')[1] ?? 0) + 1}`;
    schedule = markStarted(schedule, action.instanceIds);
    const targets = await targetsById(store, deploymentId);
    const now = clock.now().toISOString();
    for (const id of action.instanceIds) {
      const target = targets.get(id);
      if (target) await store.putDeploymentTarget({ ...target, status: 'InProgress', lastUpdatedAt: now });
    }
    await store.updateDeployment(deploymentId, {
      serverSchedule: schedule,
      currentBatch: { batchId, instanceIds: action.instanceIds },
    });
    const events = (record.serverLifecycleEvents ?? []).map((name) => ({ name, kind: eventKind(name) }));
    return { action: 'start', batchId, instanceIds: action.instanceIds, events, eventCount: events.length };
  };
}
