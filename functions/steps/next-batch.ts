import { HealthConstraintsError } from '../domain/deployment-errors.js';
import { advanceWave, markStarted, nextAction } from '../domain/server-plan.js';
import type { ServerAppSpec } from '../domain/appspec/model.js';
import type { ServerDeploymentRecord } from '../ports/records.js';
import { assertAlarmsQuiet } from './alarm-check.js';
import { eventTimeoutSeconds } from './run-lifecycle-event.js';
import { defineStep, type StepDeps } from './deps.js';
import { assertNotStopped, isDeploymentOf, loadDeploymentOf } from './load-deployment.js';
import { targetsById } from './server-targets.js';

export interface NextBatchInput {
  deploymentId: string;
}

/** How a lifecycle event is carried out: a script on the instances, or a load balancer change. */
export type ServerEventKind = 'script' | 'block' | 'allow';

export function eventKind(event: string): ServerEventKind {
  return event === 'BlockTraffic' ? 'block' : event === 'AllowTraffic' ? 'allow' : 'script';
}

export interface BatchEvent {
  name: string;
  kind: ServerEventKind;
  timeoutSeconds: number;
}

export type NextBatchOutput =
  | {
      action: 'start';
      batchId: string;
      instanceIds: string[];
      events: BatchEvent[];
      /** For the state machine's event loop (Choice rules cannot count an array). */
      eventCount: number;
    }
  | { action: 'wait'; waitSeconds: number }
  | { action: 'done' };

/**
 * Between batches: honours stop requests and alarms, then asks the minimum-healthy-hosts scheduler
 * what comes next. A deployment the scheduler ends (too many failures) fails here with its code.
 */
export function nextBatch(
  deps: Pick<StepDeps, 'deployments' | 'groups' | 'deploymentTargets' | 'alarms' | 'clock'>,
) {
  return async ({ deploymentId }: NextBatchInput): Promise<NextBatchOutput> => {
    const { deployments, clock } = deps;
    const record = await loadDeploymentOf(deployments, deploymentId, 'Server');
    assertNotStopped(record);
    await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
    const events = await batchEvents(deps, record);
    const current = record.currentBatch;
    if (current && !current.recorded) {
      // A retry after this step already started the batch: the same batch again, not a second one.
      return {
        action: 'start',
        batchId: current.batchId,
        instanceIds: current.instanceIds,
        events,
        eventCount: events.length,
      };
    }
    let schedule = record.serverSchedule;
    if (!schedule) throw new TypeError(`The deployment ${deploymentId} has no schedule: Prepare plans it.`);
    const action = nextAction(schedule);
    if (action.kind === 'done') {
      if (action.outcome.status === 'Succeeded') return { action: 'done' };
      throw new HealthConstraintsError(action.outcome.message);
    }
    if (action.kind === 'next-wave') {
      schedule = advanceWave(schedule);
      await deployments.updateDeployment(deploymentId, { serverSchedule: schedule });
      return { action: 'wait', waitSeconds: Math.max(1, action.waitSeconds) };
    }
    if (action.kind === 'await-results') {
      // Batches run to completion (RecordBatch) before the next starts: nothing is in flight here.
      throw new Error(`The schedule of ${deploymentId} has instances in flight between batches.`);
    }
    const batchNumber = (current?.batchNumber ?? 0) + 1;
    const batchId = `batch-${batchNumber}`;
    schedule = markStarted(schedule, action.instanceIds);
    const targets = await targetsById(deps.deploymentTargets, deploymentId);
    const now = clock.now().toISOString();
    for (const id of action.instanceIds) {
      const target = targets.get(id);
      if (target)
        await deps.deploymentTargets.putDeploymentTarget({
          ...target,
          status: 'InProgress',
          lastUpdatedAt: now,
        });
    }
    await deployments.updateDeployment(deploymentId, {
      serverSchedule: schedule,
      currentBatch: { batchId, batchNumber, instanceIds: action.instanceIds, recorded: false },
    });
    return { action: 'start', batchId, instanceIds: action.instanceIds, events, eventCount: events.length };
  };
}

/** The events each instance goes through, with how long each may take (the state's token timeout). */
async function batchEvents(
  deps: Pick<StepDeps, 'deployments' | 'groups'>,
  record: ServerDeploymentRecord,
): Promise<BatchEvent[]> {
  const group = await deps.groups.getDeploymentGroup(record.applicationName, record.deploymentGroupName);
  const lastGoodId = group?.lastSuccessfulDeploymentId;
  const lastGood =
    lastGoodId && lastGoodId !== record.deploymentId
      ? await deps.deployments.getDeployment(lastGoodId)
      : undefined;
  const appSpecs = [
    record.appSpec,
    lastGood && isDeploymentOf(lastGood, 'Server') ? lastGood.appSpec : undefined,
  ].filter((a): a is ServerAppSpec => a !== undefined);
  return (record.serverLifecycleEvents ?? []).map((name) => ({
    name,
    kind: eventKind(name),
    timeoutSeconds: eventTimeoutSeconds(appSpecs, name),
  }));
}

/** The Server in-place flow's NextBatch Task: `${NextBatchFunctionArn}`. */
export const NextBatch = defineStep(
  'NextBatch',
  nextBatch,
)(['deployments', 'groups', 'deploymentTargets', 'alarms']);
