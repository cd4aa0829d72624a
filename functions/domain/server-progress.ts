/**
 * The minimum-healthy-hosts scheduler of server-plan.ts (reference §3.3, §3.4), kept as counters: a
 * deployment of any size is described by a few numbers per Availability Zone (instances pending,
 * healthy or not, in flight, succeeded, failed, skipped), so its state stays one small record however
 * large the fleet. The rules are server-plan.ts's, stated over counts:
 *
 * - Instances go in CodeDeploy's order, Unhealthy first, so each wave (zone) is two queues consumed
 *   from the front: its Unhealthy instances, then its Healthy ones. A batch takes from the first,
 *   then from the second as long as the fleet's and the zone's available instances (succeeded, or
 *   healthy and not yet started) stay at or above their minimums.
 * - After each result: stop (HEALTH_CONSTRAINTS) when healthy instances remain to be deployed and
 *   the instances not failed are at most the minimum, or when instances remain and fewer than the
 *   minimum are not failed; the same per zone; OneAtATime stops on any failure but the last; a wave
 *   with work left, nothing in flight and nothing allowed to start is stuck and stops too.
 * - Success: every instance attempted, successes >= max(1, minimum), and every zone's successes
 *   >= its own minimum.
 *
 * test/domain/server-progress.test.ts runs this and server-plan.ts side by side on random fleets,
 * configurations and results, and requires the same batches and the same outcome at every step.
 */
import type { DeploymentConfigInfo } from './deployment-configs.js';
import { InvalidArgumentError } from './errors.js';
import {
  checkHealthConstraints,
  HEALTH_CONSTRAINTS_INVALID_MESSAGE,
  HEALTH_CONSTRAINTS_MESSAGE,
  orderInstances,
  zonalWaves,
  type ScheduleEnd,
  type ScheduleOutcome,
  type ScheduleWave,
  type ServerInstance,
} from './server-plan.js';

export interface WaveCounts {
  pendingUnhealthy: number;
  pendingHealthy: number;
  inProgress: number;
  succeeded: number;
  failed: number;
  skipped: number;
}

export interface ProgressWave extends ScheduleWave {
  size: number;
  counts: WaveCounts;
}

/** Plain JSON of bounded size (one entry per zone): what the deployment record keeps. */
export interface ServerProgress {
  minimumHealthy: number;
  maxConcurrency: number;
  waves: ProgressWave[];
  waveIndex: number;
  end?: ScheduleEnd;
  /** OneAtATime: fail as soon as any instance but the last fails (server-plan.ts says why). */
  failOnAnyFailureBeforeLast?: boolean;
  /**
   * Blue/green originals: one instance that fails (to leave the load balancer) fails the whole
   * deployment (reference §4.6), whatever the minimum.
   */
  failOnAnyFailure?: boolean;
  /**
   * A blue/green rollback: every instance is attempted whatever fails, and the schedule ends
   * Succeeded once nothing is left (what failed is on the instances, not the schedule's stop).
   */
  bestEffort?: boolean;
}

/** How a schedule treats failures beyond the configuration's minimum-healthy-hosts rule. */
export interface ProgressPolicy {
  failOnAnyFailure?: boolean;
  bestEffort?: boolean;
}

/** Where an instance stands in the order: its wave, its queue, its place in that queue. */
export interface PlannedInstance {
  id: string;
  wave: number;
  healthy: boolean;
  /** 0-based place in its wave's queue (Unhealthy and Healthy queues count separately). */
  position: number;
}

/** How many instances of the current wave's two queues the next batch takes, from their fronts. */
export interface BatchSize {
  unhealthy: number;
  healthy: number;
}

const EMPTY: WaveCounts = {
  pendingUnhealthy: 0,
  pendingHealthy: 0,
  inProgress: 0,
  succeeded: 0,
  failed: 0,
  skipped: 0,
};

/** Plans the deployment: the counters, and each instance's wave, queue and place (the queues to store). */
export function createServerProgress(
  instances: readonly ServerInstance[],
  config: DeploymentConfigInfo,
  policy: ProgressPolicy = {},
): { progress: ServerProgress; instances: PlannedInstance[] } {
  const ids = new Set(instances.map((i) => i.id));
  if (ids.size !== instances.length) throw new InvalidArgumentError('Instance ids must be unique');
  const check = checkHealthConstraints(config, instances.length);
  const waves = zonalWaves(orderInstances(instances), config.zonalConfig);
  const planned: PlannedInstance[] = [];
  const progressWaves = waves.map((wave, index): ProgressWave => {
    let unhealthy = 0;
    let healthy = 0;
    for (const instance of wave.instances) {
      const isHealthy = instance.health === 'Healthy';
      planned.push({
        id: instance.id,
        wave: index,
        healthy: isHealthy,
        position: isHealthy ? healthy++ : unhealthy++,
      });
    }
    const { instances: _members, ...scheduleWave } = wave;
    return {
      ...scheduleWave,
      size: wave.instances.length,
      counts: { ...EMPTY, pendingUnhealthy: unhealthy, pendingHealthy: healthy },
    };
  });
  const progress: ServerProgress = {
    ...(config.minimumHealthyHosts?.type === 'MOST_CONCURRENCY' ? { failOnAnyFailureBeforeLast: true } : {}),
    ...(policy.failOnAnyFailure ? { failOnAnyFailure: true } : {}),
    ...(policy.bestEffort ? { bestEffort: true } : {}),
    minimumHealthy: check.minimumHealthy,
    maxConcurrency: check.ok ? check.maxConcurrency : 0,
    waves: progressWaves,
    waveIndex: 0,
  };
  if (!check.ok)
    return {
      progress: endProgress(progress, {
        status: 'Failed',
        errorCode: check.errorCode,
        message: check.message,
      }),
      instances: planned,
    };
  // [unverified] A zone whose own minimum cannot be met is treated like the fleet pre-check.
  if (waves.some((w) => w.minimumHealthy >= w.instances.length)) {
    const end: ScheduleEnd = {
      status: 'Failed',
      errorCode: 'HEALTH_CONSTRAINTS_INVALID',
      message: HEALTH_CONSTRAINTS_INVALID_MESSAGE,
    };
    return { progress: endProgress(progress, end), instances: planned };
  }
  return { progress: applyStopRules(progress), instances: planned };
}

const fleet = (p: ServerProgress): WaveCounts =>
  p.waves.reduce<WaveCounts>(
    (sum, w) => ({
      pendingUnhealthy: sum.pendingUnhealthy + w.counts.pendingUnhealthy,
      pendingHealthy: sum.pendingHealthy + w.counts.pendingHealthy,
      inProgress: sum.inProgress + w.counts.inProgress,
      succeeded: sum.succeeded + w.counts.succeeded,
      failed: sum.failed + w.counts.failed,
      skipped: sum.skipped + w.counts.skipped,
    }),
    EMPTY,
  );
const pending = (c: WaveCounts): number => c.pendingUnhealthy + c.pendingHealthy;
const active = (c: WaveCounts): number => pending(c) + c.inProgress;
const total = (c: WaveCounts): number => active(c) + c.succeeded + c.failed + c.skipped;
/** Healthy now and not in flight. */
const available = (c: WaveCounts): number => c.succeeded + c.pendingHealthy;

/** How many instances of the current wave may start now (Unhealthy ones first). */
export function nextBatchSize(progress: ServerProgress): BatchSize {
  const wave = progress.waves[progress.waveIndex];
  if (progress.end || !wave) return { unhealthy: 0, healthy: 0 };
  const all = fleet(progress);
  let slots = Math.min(
    progress.maxConcurrency - all.inProgress,
    wave.maxConcurrency - wave.counts.inProgress,
  );
  const unhealthy = Math.max(0, Math.min(slots, wave.counts.pendingUnhealthy));
  slots -= unhealthy;
  const healthy = Math.max(
    0,
    Math.min(
      slots,
      wave.counts.pendingHealthy,
      available(all) - progress.minimumHealthy,
      available(wave.counts) - wave.minimumHealthy,
    ),
  );
  return { unhealthy, healthy };
}

function withWave(progress: ServerProgress, index: number, counts: WaveCounts): ServerProgress {
  const wave = progress.waves[index];
  if (!wave) throw new InvalidArgumentError(`No wave ${index}`);
  const waves = [...progress.waves];
  waves[index] = { ...wave, counts };
  return { ...progress, waves };
}

/** Records that the fronts of the current wave's queues started (`size` as nextBatchSize gave it). */
export function startBatch(progress: ServerProgress, size: BatchSize): ServerProgress {
  const wave = progress.waves[progress.waveIndex];
  if (!wave) throw new InvalidArgumentError('The schedule has no current wave');
  if (progress.end) throw new InvalidArgumentError('The schedule has ended; no instance can start');
  const { counts } = wave;
  if (size.unhealthy > counts.pendingUnhealthy || size.healthy > counts.pendingHealthy) {
    throw new InvalidArgumentError(
      `The wave has ${counts.pendingUnhealthy} unhealthy and ${counts.pendingHealthy} healthy instances pending, not ${size.unhealthy} and ${size.healthy}`,
    );
  }
  return withWave(progress, progress.waveIndex, {
    ...counts,
    pendingUnhealthy: counts.pendingUnhealthy - size.unhealthy,
    pendingHealthy: counts.pendingHealthy - size.healthy,
    inProgress: counts.inProgress + size.unhealthy + size.healthy,
  });
}

/** Records one instance's result in its wave and applies the stop rules. */
export function afterInstanceResult(
  progress: ServerProgress,
  wave: number,
  result: 'Succeeded' | 'Failed',
): ServerProgress {
  const counts = progress.waves[wave]?.counts;
  if (!counts || counts.inProgress === 0) {
    throw new InvalidArgumentError(`No instance of wave ${wave} is in progress to record a result for`);
  }
  const next = withWave(progress, wave, {
    ...counts,
    inProgress: counts.inProgress - 1,
    succeeded: counts.succeeded + (result === 'Succeeded' ? 1 : 0),
    failed: counts.failed + (result === 'Failed' ? 1 : 0),
  });
  return applyStopRules(next);
}

/** Records a batch's results, one after the other, as RecordBatch reads them. */
export function afterBatchResults(
  progress: ServerProgress,
  wave: number,
  results: ReadonlyArray<'Succeeded' | 'Failed'>,
): ServerProgress {
  return results.reduce((p, result) => afterInstanceResult(p, wave, result), progress);
}

function endProgress(progress: ServerProgress, end: ScheduleEnd): ServerProgress {
  return {
    ...progress,
    waves: progress.waves.map((w) => ({
      ...w,
      counts: {
        ...w.counts,
        skipped: w.counts.skipped + pending(w.counts),
        pendingUnhealthy: 0,
        pendingHealthy: 0,
      },
    })),
    end: progress.end ?? end,
  };
}

function mustStop(c: WaveCounts, min: number): boolean {
  const notFailed = total(c) - c.failed;
  return (c.pendingHealthy > 0 && notFailed <= min) || (active(c) > 0 && notFailed < min);
}

function applyStopRules(progress: ServerProgress): ServerProgress {
  if (progress.end || progress.bestEffort) return progress;
  const wave = progress.waves[progress.waveIndex];
  const stuck =
    wave !== undefined &&
    pending(wave.counts) > 0 &&
    wave.counts.inProgress === 0 &&
    sizeOf(nextBatchSize(progress)) === 0;
  const zoneBreached = progress.waves.some((w) => mustStop(w.counts, w.minimumHealthy));
  const all = fleet(progress);
  const failedBeforeLast = progress.failOnAnyFailureBeforeLast === true && all.failed > 0 && pending(all) > 0;
  const anyFailed = progress.failOnAnyFailure === true && all.failed > 0;
  if (!stuck && !zoneBreached && !failedBeforeLast && !anyFailed && !mustStop(all, progress.minimumHealthy))
    return progress;
  return endProgress(progress, {
    status: 'Failed',
    errorCode: 'HEALTH_CONSTRAINTS',
    message: HEALTH_CONSTRAINTS_MESSAGE,
  });
}

export const sizeOf = (size: BatchSize): number => size.unhealthy + size.healthy;

/** Ends the schedule from outside (a stop, an alarm): pending instances are Skipped. */
export function abortProgress(progress: ServerProgress, end: ScheduleEnd): ServerProgress {
  return endProgress(progress, end);
}

/** True when the current wave has nothing pending or in flight. */
export function progressWaveComplete(progress: ServerProgress): boolean {
  const wave = progress.waves[progress.waveIndex];
  return wave === undefined || active(wave.counts) === 0;
}

/** Moves to the next wave once the current one is complete (its monitor duration waited out). */
export function advanceProgressWave(progress: ServerProgress): ServerProgress {
  if (!progressWaveComplete(progress)) throw new InvalidArgumentError('The current wave is not complete');
  if (progress.waveIndex >= progress.waves.length - 1) return progress;
  return applyStopRules({ ...progress, waveIndex: progress.waveIndex + 1 });
}

export function progressOutcome(progress: ServerProgress): ScheduleOutcome {
  const all = fleet(progress);
  if (all.inProgress > 0) return { status: 'InProgress' };
  if (progress.end) return progress.end;
  if (active(all) > 0) return { status: 'InProgress' };
  if (progress.bestEffort) return { status: 'Succeeded' };
  const zonesMet = progress.waves.every((w) => w.counts.succeeded >= w.minimumHealthy);
  if (all.succeeded >= Math.max(1, progress.minimumHealthy) && zonesMet) return { status: 'Succeeded' };
  return { status: 'Failed', errorCode: 'HEALTH_CONSTRAINTS', message: HEALTH_CONSTRAINTS_MESSAGE };
}

export type ProgressAction =
  | { kind: 'start'; size: BatchSize }
  | { kind: 'await-results' }
  | { kind: 'next-wave'; waitSeconds: number }
  | { kind: 'done'; outcome: Exclude<ScheduleOutcome, { status: 'InProgress' }> };

/** What the orchestrator should do next. */
export function nextProgressAction(progress: ServerProgress): ProgressAction {
  const outcome = progressOutcome(progress);
  if (outcome.status !== 'InProgress') return { kind: 'done', outcome };
  const size = nextBatchSize(progress);
  if (sizeOf(size) > 0) return { kind: 'start', size };
  if (!progressWaveComplete(progress) || progress.end) return { kind: 'await-results' };
  return {
    kind: 'next-wave',
    waitSeconds: progress.waves[progress.waveIndex]?.monitorDurationSeconds ?? 0,
  };
}

/** Instances by status over the whole fleet (for records and reports). */
export function progressTotals(progress: ServerProgress): WaveCounts {
  return fleet(progress);
}
