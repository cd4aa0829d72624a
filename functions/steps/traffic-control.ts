import type { TargetHealthState } from '../ports/load-balancer.js';
import { assertAlarmsQuiet } from './alarm-check.js';
import type { StepDeps } from './deps.js';
import { assertNotStopped, loadDeployment } from './load-deployment.js';
import { liveInstances, targetsById, withTargetEvent } from './server-targets.js';

export interface TrafficInput {
  deploymentId: string;
  batchId: string;
  lifecycleEventName?: string;
}

export interface TrafficOutput {
  settled: boolean;
  pollSeconds: number;
}

type TrafficEvent = 'BlockTraffic' | 'AllowTraffic';

/** BlockTraffic: deregister the batch's instances from every target group of the group. */
export function blockTraffic(
  deps: Pick<StepDeps, 'store' | 'loadBalancer' | 'alarms' | 'clock' | 'settings'>,
) {
  return (input: TrafficInput) => changeTraffic(deps, input, 'BlockTraffic');
}

/** AllowTraffic: register the batch's instances on every target group of the group. */
export function allowTraffic(
  deps: Pick<StepDeps, 'store' | 'loadBalancer' | 'alarms' | 'clock' | 'settings'>,
) {
  return (input: TrafficInput) => changeTraffic(deps, input, 'AllowTraffic');
}

async function changeTraffic(
  deps: Pick<StepDeps, 'store' | 'loadBalancer' | 'alarms' | 'clock' | 'settings'>,
  { deploymentId, batchId }: TrafficInput,
  event: TrafficEvent,
): Promise<TrafficOutput> {
  const { store, clock } = deps;
  const record = await loadDeployment(store, deploymentId);
  assertNotStopped(record);
  const group = await store.getDeploymentGroup(record.applicationName, record.deploymentGroupName);
  const targets = await targetsById(store, deploymentId);
  const batch = record.currentBatch?.batchId === batchId ? record.currentBatch.instanceIds : [];
  const instanceIds = liveInstances(targets, batch);
  const now = clock.now();
  for (const id of instanceIds) {
    const target = targets.get(id);
    if (target) await store.putDeploymentTarget(withTargetEvent(target, event, 'InProgress', now));
  }
  for (const targetGroup of group?.targetGroupNames ?? []) {
    if (instanceIds.length === 0) break;
    if (event === 'BlockTraffic') await deps.loadBalancer.deregisterTargets(targetGroup, instanceIds);
    else await deps.loadBalancer.registerTargets(targetGroup, instanceIds);
  }
  return checkTargets(deps)({ deploymentId, batchId, lifecycleEventName: event });
}

/**
 * Polled between waits until the batch's instances are drained (BlockTraffic) or healthy
 * (AllowTraffic) on every target group; an instance that takes longer than the limit fails the event.
 */
export function checkTargets(
  deps: Pick<StepDeps, 'store' | 'loadBalancer' | 'alarms' | 'clock' | 'settings'>,
) {
  return async ({ deploymentId, batchId, lifecycleEventName }: TrafficInput): Promise<TrafficOutput> => {
    const { store, clock, settings } = deps;
    const event = lifecycleEventName as TrafficEvent;
    const record = await loadDeployment(store, deploymentId);
    // Draining or health checks may take minutes: a stop or an alarm must not wait for them.
    assertNotStopped(record);
    await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
    const group = await store.getDeploymentGroup(record.applicationName, record.deploymentGroupName);
    const targets = await targetsById(store, deploymentId);
    const batch = record.currentBatch?.batchId === batchId ? record.currentBatch.instanceIds : [];
    const waiting = liveInstances(targets, batch).filter(
      (id) =>
        targets.get(id)?.lifecycleEvents.find((e) => e.lifecycleEventName === event)?.status === 'InProgress',
    );
    const wanted: TargetHealthState = event === 'BlockTraffic' ? 'unused' : 'healthy';
    const settledIds = new Set(waiting);
    const states = new Map<string, string[]>();
    for (const targetGroup of group?.targetGroupNames ?? []) {
      const health = await deps.loadBalancer.describeTargetHealth(targetGroup, waiting);
      for (const id of waiting) {
        const state = health.get(id) ?? 'unused';
        if (state !== wanted) settledIds.delete(id);
        states.set(id, [...(states.get(id) ?? []), `${targetGroup}: ${state}`]);
      }
    }
    const now = clock.now();
    let pending = 0;
    for (const id of waiting) {
      const target = targets.get(id);
      if (!target) continue;
      if (settledIds.has(id)) {
        await store.putDeploymentTarget(withTargetEvent(target, event, 'Succeeded', now));
        continue;
      }
      const started = target.lifecycleEvents.find((e) => e.lifecycleEventName === event)?.startTime;
      const elapsed = started ? (now.getTime() - Date.parse(started)) / 1000 : 0;
      if (elapsed >= settings.trafficTimeoutSeconds) {
        const what = event === 'BlockTraffic' ? 'deregistered' : 'healthy';
        await store.putDeploymentTarget(
          withTargetEvent(target, event, 'Failed', now, {
            errorCode: 'UnknownError',
            message: `The instance ${id} was not ${what} within ${settings.trafficTimeoutSeconds} seconds (${(states.get(id) ?? []).join(', ')}).`,
          }),
        );
        continue;
      }
      pending++;
    }
    return { settled: pending === 0, pollSeconds: settings.trafficPollSeconds };
  };
}
