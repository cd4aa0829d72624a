import type { TargetHealthState } from '../ports/load-balancer.js';
import { assertAlarmsQuiet } from './alarm-check.js';
import { defineStep, type StepDeps } from './deps.js';
import { assertNotStopped, loadDeploymentOf } from './load-deployment.js';
import { liveInstances, targetEventStatus, targetsById, withTargetEvent } from './server-targets.js';

/** The input of BlockTraffic, AllowTraffic and CheckTargets. */
export interface TrafficInput {
  deploymentId: string;
  batchId: string;
  lifecycleEventName?: string;
}

export interface TrafficOutput {
  settled: boolean;
  pollSeconds: number;
}

/** The lifecycle events that change a Server batch's registration on the group's target groups. */
export type TrafficEvent = 'BlockTraffic' | 'AllowTraffic';

export type TargetRegistrationDeps = Pick<
  StepDeps,
  'deployments' | 'groups' | 'deploymentTargets' | 'loadBalancer' | 'alarms' | 'clock' | 'settings'
>;

function trafficEvent(name: string | undefined): TrafficEvent {
  if (name === 'BlockTraffic' || name === 'AllowTraffic') return name;
  throw new TypeError(`CheckTargets checks BlockTraffic or AllowTraffic, not ${String(name)}.`);
}

/**
 * Polled between waits until the batch's instances are drained (BlockTraffic) or healthy
 * (AllowTraffic) on every target group; an instance that takes longer than the limit fails the event.
 */
export function checkTargets(deps: TargetRegistrationDeps) {
  return async ({ deploymentId, batchId, lifecycleEventName }: TrafficInput): Promise<TrafficOutput> => {
    const { deployments, deploymentTargets, clock, settings } = deps;
    const event = trafficEvent(lifecycleEventName);
    const record = await loadDeploymentOf(deployments, deploymentId, 'Server');
    // Draining or health checks may take minutes: a stop or an alarm must not wait for them.
    assertNotStopped(record);
    await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
    const group = await deps.groups.getDeploymentGroup(record.applicationName, record.deploymentGroupName);
    const targets = await targetsById(deploymentTargets, deploymentId);
    const batch = record.currentBatch?.batchId === batchId ? record.currentBatch.instanceIds : [];
    const waiting = liveInstances(targets, batch).filter(
      (id) => targetEventStatus(targets.get(id), event) === 'InProgress',
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
        await deploymentTargets.putDeploymentTarget(withTargetEvent(target, event, 'Succeeded', now));
        continue;
      }
      const started = target.lifecycleEvents.find((e) => e.lifecycleEventName === event)?.startTime;
      const elapsed = started ? (now.getTime() - Date.parse(started)) / 1000 : 0;
      if (elapsed >= settings.trafficTimeoutSeconds) {
        const what = event === 'BlockTraffic' ? 'deregistered' : 'healthy';
        await deploymentTargets.putDeploymentTarget(
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

/**
 * Deregisters (BlockTraffic) or registers (AllowTraffic) the batch's instances on every target group
 * of the group, then checks them once: the state machine polls CheckTargets until they settle.
 */
export async function changeTargetRegistration(
  deps: TargetRegistrationDeps,
  { deploymentId, batchId }: TrafficInput,
  event: TrafficEvent,
): Promise<TrafficOutput> {
  const { deployments, deploymentTargets, clock } = deps;
  const record = await loadDeploymentOf(deployments, deploymentId, 'Server');
  assertNotStopped(record);
  const group = await deps.groups.getDeploymentGroup(record.applicationName, record.deploymentGroupName);
  const targets = await targetsById(deploymentTargets, deploymentId);
  const batch = record.currentBatch?.batchId === batchId ? record.currentBatch.instanceIds : [];
  const instanceIds = liveInstances(targets, batch);
  const now = clock.now();
  for (const id of instanceIds) {
    const target = targets.get(id);
    if (target)
      await deploymentTargets.putDeploymentTarget(withTargetEvent(target, event, 'InProgress', now));
  }
  for (const targetGroup of group?.targetGroupNames ?? []) {
    if (instanceIds.length === 0) break;
    if (event === 'BlockTraffic') await deps.loadBalancer.deregisterTargets(targetGroup, instanceIds);
    else await deps.loadBalancer.registerTargets(targetGroup, instanceIds);
  }
  return checkTargets(deps)({ deploymentId, batchId, lifecycleEventName: event });
}

const TARGET_REGISTRATION_PORTS = [
  'deployments',
  'groups',
  'deploymentTargets',
  'loadBalancer',
  'alarms',
] as const;

/** The Server in-place flow's CheckTargets Task: `${CheckTargetsFunctionArn}`. */
export const CheckTargets = defineStep('CheckTargets', checkTargets)(TARGET_REGISTRATION_PORTS);
