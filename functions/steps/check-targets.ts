import {
  expectedTargetSeconds,
  nextTargetPollSeconds,
  type TargetGroupTimings,
  type TrafficEventName,
} from '../domain/target-polls.js';
import type { TargetHealthState } from '../ports/load-balancer.js';
import type { InstanceTargetRecord, ServerDeploymentRecord } from '../ports/records.js';
import { assertAlarmsQuiet } from './alarm-check.js';
import { errorMessage } from './caught-errors.js';
import { defineStep, type StepDeps } from './deps.js';
import { renewLockLease } from './group-lock-lease.js';
import { assertNotStopped, loadDeploymentOf, watchedAlarms } from './load-deployment.js';
import {
  currentBatchChunks,
  isLiveIn,
  targetEventStatus,
  targetsOf,
  withTargetEvent,
} from './server-targets.js';

/** The input of BlockTraffic, AllowTraffic and CheckTargets. */
export interface TrafficInput {
  deploymentId: string;
  batchNumber: number;
  lifecycleEventName?: string;
}

export interface TrafficOutput {
  settled: boolean;
  /** When to look again (the target groups' timings, then growing with how late the targets are). */
  pollSeconds: number;
}

/** The lifecycle events that change a Server batch's registration on the group's target groups. */
export type TrafficEvent = TrafficEventName;

export type TargetRegistrationDeps = Pick<
  StepDeps,
  | 'deployments'
  | 'groups'
  | 'groupLocks'
  | 'deploymentTargets'
  | 'serverBatches'
  | 'loadBalancer'
  | 'alarms'
  | 'clock'
  | 'settings'
>;

function trafficEvent(name: string | undefined): TrafficEvent {
  if (name === 'BlockTraffic' || name === 'AllowTraffic') return name;
  throw new TypeError(`CheckTargets checks BlockTraffic or AllowTraffic, not ${String(name)}.`);
}

/** The batch's instances still going, chunk by chunk (50 at most each), with their targets. */
async function liveChunks(
  deps: Pick<StepDeps, 'deploymentTargets' | 'serverBatches'>,
  record: ServerDeploymentRecord,
  batchNumber: number,
): Promise<Array<Map<string, InstanceTargetRecord>>> {
  const chunks = await currentBatchChunks(deps.serverBatches, record, batchNumber);
  const live: Array<Map<string, InstanceTargetRecord>> = [];
  for (const chunk of chunks) {
    const targets = await targetsOf(deps.deploymentTargets, record.deploymentId, chunk.instanceIds);
    live.push(new Map([...targets].filter(([, target]) => isLiveIn(record, target))));
  }
  return live;
}

/**
 * Polled between waits until the batch's instances are drained (BlockTraffic) or healthy
 * (AllowTraffic) on every target group; an instance that takes longer than the limit fails the event.
 * It says when to look again: when the target groups' timings say the targets should be ready,
 * then less and less often, so that a slow target costs a bounded number of looks.
 */
export function checkTargets(deps: TargetRegistrationDeps) {
  return async ({ deploymentId, batchNumber, lifecycleEventName }: TrafficInput): Promise<TrafficOutput> => {
    const { deployments, deploymentTargets, clock, settings } = deps;
    const event = trafficEvent(lifecycleEventName);
    const record = await loadDeploymentOf(deployments, deploymentId, 'Server');
    // Draining or health checks may take minutes: a stop or an alarm must not wait for them.
    assertNotStopped(record);
    await assertAlarmsQuiet(deps.alarms, watchedAlarms(record));
    const group = await deps.groups.getDeploymentGroup(record.applicationName, record.deploymentGroupName);
    const targetGroups = group?.targetGroupNames ?? [];
    const wanted: TargetHealthState = event === 'BlockTraffic' ? 'unused' : 'healthy';
    const now = clock.now();
    let pending = 0;
    let earliestStart = now.getTime();
    for (const targets of await liveChunks(deps, record, batchNumber)) {
      const waiting = [...targets.keys()].filter(
        (id) => targetEventStatus(targets.get(id), event) === 'InProgress',
      );
      if (waiting.length === 0) continue;
      const settled = new Set(waiting);
      const states = new Map<string, string[]>();
      for (const targetGroup of targetGroups) {
        const health = await deps.loadBalancer.describeTargetHealth(targetGroup, waiting);
        for (const id of waiting) {
          const state = health.get(id) ?? 'unused';
          if (state !== wanted) settled.delete(id);
          states.set(id, [...(states.get(id) ?? []), `${targetGroup}: ${state}`]);
        }
      }
      const changed: InstanceTargetRecord[] = [];
      for (const id of waiting) {
        const target = targets.get(id) as InstanceTargetRecord;
        if (settled.has(id)) {
          changed.push(withTargetEvent(target, event, 'Succeeded', now));
          continue;
        }
        const started = target.lifecycleEvents.find((e) => e.lifecycleEventName === event)?.startTime;
        const startedMs = started ? Date.parse(started) : now.getTime();
        const elapsed = (now.getTime() - startedMs) / 1000;
        if (elapsed >= settings.trafficTimeoutSeconds) {
          const what = event === 'BlockTraffic' ? 'deregistered' : 'healthy';
          changed.push(
            withTargetEvent(target, event, 'Failed', now, {
              errorCode: 'UnknownError',
              message: `The instance ${id} was not ${what} within ${settings.trafficTimeoutSeconds} seconds (${(states.get(id) ?? []).join(', ')}).`,
            }),
          );
          continue;
        }
        earliestStart = Math.min(earliestStart, startedMs);
        pending++;
      }
      await deploymentTargets.putDeploymentTargets(changed);
    }
    const batch = record.currentBatch;
    if (batch?.batchNumber === batchNumber && !batch.recorded && pending > 0) {
      await deployments.updateDeployment(deploymentId, {
        currentBatch: { ...batch, polls: { ...batch.polls, traffic: batch.polls.traffic + 1 } },
      });
    }
    const expected = expectedTargetSeconds(event, await timingsOf(deps, targetGroups));
    const pollSeconds = nextTargetPollSeconds(
      expected,
      (now.getTime() - earliestStart) / 1000,
      settings.trafficPollSeconds,
    );
    if (pending > 0) await renewLockLease(deps, record, pollSeconds);
    return { settled: pending === 0, pollSeconds };
  };
}

async function timingsOf(
  deps: Pick<StepDeps, 'loadBalancer'>,
  targetGroups: readonly string[],
): Promise<TargetGroupTimings[]> {
  const describe = deps.loadBalancer.describeTargetGroupTimings?.bind(deps.loadBalancer);
  if (!describe) return [];
  const timings: TargetGroupTimings[] = [];
  for (const targetGroup of targetGroups) timings.push(await describe(targetGroup));
  return timings;
}

/** ELBv2 refuses a whole request for one target it cannot register (stopped, terminated, elsewhere). */
function isInvalidTarget(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === 'InvalidTargetException';
}

/**
 * Deregisters (BlockTraffic) or registers (AllowTraffic) the batch's instances on every target group
 * of the group, chunk by chunk, then checks them once: the state machine polls CheckTargets until
 * they settle. A target group that refuses a chunk because of one instance (a stopped instance
 * cannot be registered) is asked again instance by instance, and only the instances it refuses fail
 * the event: the others go on, as CodeDeploy's instances are independent.
 */
export async function changeTargetRegistration(
  deps: TargetRegistrationDeps,
  { deploymentId, batchNumber }: TrafficInput,
  event: TrafficEvent,
): Promise<TrafficOutput> {
  const { deployments, deploymentTargets, clock } = deps;
  const record = await loadDeploymentOf(deployments, deploymentId, 'Server');
  assertNotStopped(record);
  await renewLockLease(deps, record, deps.settings.trafficTimeoutSeconds);
  const group = await deps.groups.getDeploymentGroup(record.applicationName, record.deploymentGroupName);
  const now = clock.now();
  for (const targets of await liveChunks(deps, record, batchNumber)) {
    const started = new Map(
      [...targets].map(([id, target]) => [
        id,
        targetEventStatus(target, event) === 'InProgress'
          ? target
          : withTargetEvent(target, event, 'InProgress', now),
      ]),
    );
    await deploymentTargets.putDeploymentTargets(
      [...started.values()].filter((t) => targetEventStatus(targets.get(t.targetId), event) !== 'InProgress'),
    );
    let instanceIds = [...started.keys()];
    for (const targetGroup of group?.targetGroupNames ?? []) {
      if (instanceIds.length === 0) break;
      const refused = await changeRegistration(deps, event, targetGroup, instanceIds);
      if (refused.size === 0) continue;
      await deploymentTargets.putDeploymentTargets(
        [...refused].map(([id, reason]) =>
          withTargetEvent(started.get(id) as InstanceTargetRecord, event, 'Failed', now, {
            errorCode: 'UnknownError',
            message: `${event === 'AllowTraffic' ? 'RegisterTargets' : 'DeregisterTargets'} on ${targetGroup} refused the instance ${id}: ${reason}`,
          }),
        ),
      );
      instanceIds = instanceIds.filter((id) => !refused.has(id));
    }
  }
  return checkTargets(deps)({ deploymentId, batchNumber, lifecycleEventName: event });
}

/** One (de)registration of a chunk; the instances refused one by one, with why. */
async function changeRegistration(
  deps: Pick<StepDeps, 'loadBalancer'>,
  event: TrafficEvent,
  targetGroup: string,
  instanceIds: readonly string[],
): Promise<Map<string, string>> {
  const change = (ids: readonly string[]) =>
    event === 'BlockTraffic'
      ? deps.loadBalancer.deregisterTargets(targetGroup, ids)
      : deps.loadBalancer.registerTargets(targetGroup, ids);
  try {
    await change(instanceIds);
    return new Map();
  } catch (error) {
    if (!isInvalidTarget(error)) throw error;
  }
  const refused = new Map<string, string>();
  for (const id of instanceIds) {
    try {
      await change([id]);
    } catch (error) {
      if (!isInvalidTarget(error)) throw error;
      refused.set(id, errorMessage(error));
    }
  }
  return refused;
}

const TARGET_REGISTRATION_PORTS = [
  'deployments',
  'groups',
  'groupLocks',
  'deploymentTargets',
  'serverBatches',
  'loadBalancer',
  'alarms',
] as const;

export { TARGET_REGISTRATION_PORTS };

/** The Server in-place flow's CheckTargets Task: `${CheckTargetsFunctionArn}`. */
export const CheckTargets = defineStep('CheckTargets', checkTargets, { timeoutSeconds: 300 })(
  TARGET_REGISTRATION_PORTS,
);
