import type { ServerAppSpec } from '../domain/appspec/model.js';
import { HealthConstraintsError } from '../domain/deployment-errors.js';
import { MAX_INSTANCES_PER_COMMAND } from '../ports/instance-transport.js';
import { batchFits, worstBatchHistoryEvents, type BatchEventKind } from '../domain/server-batch-history.js';
import {
  advanceProgressWave,
  nextProgressAction,
  startBatch,
  type BatchSize,
} from '../domain/server-progress.js';
import { trafficPollBound } from '../domain/target-polls.js';
import type { BatchChunk, InstanceQueueEntry, ServerDeploymentRecord } from '../ports/records.js';
import { assertAlarmsQuiet } from './alarm-check.js';
import { defineStep, type StepDeps } from './deps.js';
import { renewLockLease } from './group-lock-lease.js';
import { assertNotStopped, isDeploymentOf, loadDeploymentOf, watchedAlarms } from './load-deployment.js';
import { eventTimeoutSeconds } from './run-lifecycle-event.js';

export interface NextBatchInput {
  deploymentId: string;
  /** The child execution asking (its number in the parent): the history it wrote is counted per run. */
  run?: number;
}

/** How a lifecycle event is carried out: a script on the instances, or a load balancer change. */
export type ServerEventKind = BatchEventKind;

export function eventKind(event: string): ServerEventKind {
  return event === 'BlockTraffic' ? 'block' : event === 'AllowTraffic' ? 'allow' : 'script';
}

export interface BatchEvent {
  name: string;
  kind: ServerEventKind;
  /** Script events: how long the commands may run; traffic events: how long the targets may take. */
  timeoutSeconds: number;
  /** Script events: the state's token wait ends this often to poll the commands (TimeoutSecondsPath). */
  pollSeconds: number;
}

/**
 * What the child execution does next. `waitSeconds` is always there, so the machines' Choice and
 * Pass states can read it whatever the action.
 * - `start`: run the batch's events (its instances are in its chunk items, not here);
 * - `wait`: the zone is done; the parent waits its monitor duration, then starts the next child;
 * - `more`: the next batch might not fit in this child's history; the parent starts the next child;
 * - `done`: every instance was deployed to and the deployment succeeded.
 */
export type NextBatchOutput =
  | {
      action: 'start';
      batchId: string;
      batchNumber: number;
      events: BatchEvent[];
      /** For the state machine's event loop (Choice rules cannot count an array). */
      eventCount: number;
      waitSeconds: 0;
    }
  | { action: 'wait'; waitSeconds: number }
  | { action: 'more' | 'done'; waitSeconds: 0 };

type NextBatchDeps = Pick<
  StepDeps,
  'deployments' | 'groups' | 'groupLocks' | 'serverBatches' | 'alarms' | 'clock' | 'settings'
>;

/**
 * Between batches: honours stop requests and alarms, renews the group's lock, then asks the
 * minimum-healthy-hosts scheduler what comes next. A deployment the scheduler ends (too many
 * failures) fails here with its code. A batch is started only if, at its worst, it fits in what is
 * left of this child execution's history budget; otherwise the child ends and the parent starts the
 * next one. The batch's instances are taken from the fronts of the zone's queues into chunk items
 * of 50 (one SSM command each per event); only counters change on the deployment record.
 */
export function nextBatch(deps: NextBatchDeps) {
  return async ({ deploymentId, run = 0 }: NextBatchInput): Promise<NextBatchOutput> => {
    const { deployments, serverBatches, settings } = deps;
    const record = await loadDeploymentOf(deployments, deploymentId, 'Server');
    assertNotStopped(record);
    await assertAlarmsQuiet(deps.alarms, watchedAlarms(record));
    await renewLockLease(deps, record);
    const events = await batchEvents(deps, record);
    const current = record.currentBatch;
    if (current && !current.recorded) {
      // A retry after this step already started the batch: the same batch again, not a second one.
      const chunks = await serverBatches.listBatchChunks(deploymentId, current.batchNumber);
      await serverBatches.removeFromInstanceQueue(
        deploymentId,
        chunks.flatMap((chunk) => chunk.queued),
      );
      return started(current.batchId, current.batchNumber, events);
    }
    let progress = record.serverProgress;
    if (!progress) throw new TypeError(`The deployment ${deploymentId} has no schedule: Prepare plans it.`);
    const action = nextProgressAction(progress);
    if (action.kind === 'done') {
      if (action.outcome.status === 'Succeeded') return { action: 'done', waitSeconds: 0 };
      throw new HealthConstraintsError(action.outcome.message);
    }
    if (action.kind === 'next-wave') {
      progress = advanceProgressWave(progress);
      const waitSeconds = Math.max(1, action.waitSeconds);
      await renewLockLease(deps, record, waitSeconds);
      await deployments.updateDeployment(deploymentId, { serverProgress: progress });
      return { action: 'wait', waitSeconds };
    }
    if (action.kind === 'await-results') {
      // Batches run to completion (RecordBatch) before the next starts: nothing is in flight here.
      throw new Error(`The schedule of ${deploymentId} has instances in flight between batches.`);
    }
    const used = record.currentRun?.run === run ? record.currentRun.historyEvents : 0;
    const worst = worstBatchHistoryEvents(
      events,
      trafficPollBound(settings.trafficTimeoutSeconds, settings.trafficPollSeconds),
    );
    if (used > 0 && !batchFits(used, worst, settings.childHistoryBudget)) {
      return { action: 'more', waitSeconds: 0 };
    }

    const wave = progress.waveIndex;
    const entries = await queueFronts(deps, deploymentId, wave, action.size);
    const batchNumber = (current?.batchNumber ?? 0) + 1;
    const batchId = `batch-${batchNumber}`;
    const chunks: BatchChunk[] = [];
    for (let start = 0; start < entries.length; start += MAX_INSTANCES_PER_COMMAND) {
      const queued = entries.slice(start, start + MAX_INSTANCES_PER_COMMAND);
      chunks.push({
        deploymentId,
        batchNumber,
        chunk: chunks.length,
        instanceIds: queued.map((entry) => entry.instanceId),
        queued,
        commands: {},
      });
    }
    await serverBatches.putBatchChunks(chunks);
    await deployments.updateDeployment(deploymentId, {
      serverProgress: startBatch(progress, action.size),
      currentBatch: {
        batchId,
        batchNumber,
        wave,
        size: action.size,
        chunkCount: chunks.length,
        run,
        recorded: false,
        polls: { script: 0, traffic: 0 },
      },
      currentRun: { run, historyEvents: used },
    });
    await serverBatches.removeFromInstanceQueue(deploymentId, entries);
    return started(batchId, batchNumber, events);
  };
}

function started(batchId: string, batchNumber: number, events: BatchEvent[]): NextBatchOutput {
  return { action: 'start', batchId, batchNumber, events, eventCount: events.length, waitSeconds: 0 };
}

/** The instances the batch takes: the fronts of the wave's Unhealthy, then Healthy queue. */
async function queueFronts(
  deps: Pick<StepDeps, 'serverBatches'>,
  deploymentId: string,
  wave: number,
  size: BatchSize,
): Promise<InstanceQueueEntry[]> {
  const unhealthy = await deps.serverBatches.peekInstanceQueue(deploymentId, wave, false, size.unhealthy);
  const healthy = await deps.serverBatches.peekInstanceQueue(deploymentId, wave, true, size.healthy);
  if (unhealthy.length !== size.unhealthy || healthy.length !== size.healthy) {
    throw new Error(
      `The queues of ${deploymentId} (wave ${wave}) hold ${unhealthy.length} unhealthy and ${healthy.length} healthy instances, where the schedule counts at least ${size.unhealthy} and ${size.healthy}.`,
    );
  }
  return [...unhealthy, ...healthy];
}

/** The events each instance goes through, with how long each may take and how often it is polled. */
async function batchEvents(
  deps: Pick<StepDeps, 'deployments' | 'groups' | 'settings'>,
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
  const { settings } = deps;
  return (record.serverLifecycleEvents ?? []).map((name) => {
    const kind = eventKind(name);
    const timeoutSeconds =
      kind === 'script' ? eventTimeoutSeconds(appSpecs, name) : settings.trafficTimeoutSeconds;
    return {
      name,
      kind,
      timeoutSeconds,
      pollSeconds: Math.max(1, Math.min(settings.eventPollSeconds, timeoutSeconds)),
    };
  });
}

/** The Server in-place flow's NextBatch Task: `${NextBatchFunctionArn}`. */
export const NextBatch = defineStep('NextBatch', nextBatch, { timeoutSeconds: 300 })([
  'deployments',
  'groups',
  'groupLocks',
  'serverBatches',
  'alarms',
]);
