/**
 * EC2/on-premises scheduling: the minimum-healthy-hosts rules (reference §3.3), zonal waves (§3.4)
 * and a pure scheduler that says which instances may start, when to stop, and how it ended.
 *
 * The model, derived from §3.2/§3.3:
 * - `min` = HOST_COUNT value, or ceil(N * FLEET_PERCENT / 100); OneAtATime (MOST_CONCURRENCY 1)
 *   keeps all instances but one healthy, so min = N - 1 and at most 1 instance runs at a time.
 * - Pre-check: min >= N fails at once with HEALTH_CONSTRAINTS_INVALID (OneAtATime on 1 instance has
 *   min 0, AllAtOnce min 0: both start).
 * - At most N - min instances are in flight (`maxConcurrency`). A healthy instance may start only if
 *   the instances that are healthy and not in flight stay >= min afterwards; an unhealthy instance
 *   costs no health. Unhealthy instances go first.
 * - Stop rule, after each result: stop with HEALTH_CONSTRAINTS when healthy instances remain to be
 *   deployed and the instances not (yet) failed are <= min, or when they are < min (success is out
 *   of reach). In-flight instances count as not failed, so one failure next to an in-flight instance
 *   does not stop a min-8-of-10 deployment (§3.3 #7). Pending instances become Skipped.
 * - Success: every instance attempted, successes >= min and >= 1.
 */
import type {
  DeploymentConfigInfo,
  MinimumHealthyHosts,
  MinimumHealthyHostsPerZone,
  ZonalConfig,
} from './deployment-configs.js';
import { InvalidArgumentError } from './errors.js';
import type { ErrorCode } from './status.js';
import { transitionTarget } from './status.js';

export const HEALTH_CONSTRAINTS_MESSAGE =
  'The overall deployment failed because too many individual instances failed deployment, too few healthy instances are available for deployment, or some instances in your deployment group are experiencing problems.';
export const HEALTH_CONSTRAINTS_INVALID_MESSAGE =
  "The deployment can't start because the minimum number of healthy instances, as defined by your deployment configuration, are not available.";
export const NO_INSTANCES_MESSAGE = 'No instances were specified, or no instances can be found.';

type HealthSpec = MinimumHealthyHosts | MinimumHealthyHostsPerZone;

function healthSpecOf(config: HealthSpec | DeploymentConfigInfo): HealthSpec {
  const spec = 'deploymentConfigName' in config ? config.minimumHealthyHosts : config;
  if (!spec) throw new InvalidArgumentError('The deployment config has no minimumHealthyHosts');
  return spec;
}

/** The minimum number of healthy instances for N instances. */
export function minimumHealthyCount(config: HealthSpec | DeploymentConfigInfo, n: number): number {
  const { type, value } = healthSpecOf(config);
  if (type === 'MOST_CONCURRENCY') return Math.max(0, n - value);
  if (type === 'FLEET_PERCENT') return Math.floor((n * value + 99) / 100);
  return value;
}

/** How many instances may be in flight at once. */
export function maxConcurrency(config: HealthSpec | DeploymentConfigInfo, n: number): number {
  const spec = healthSpecOf(config);
  if (spec.type === 'MOST_CONCURRENCY') return Math.min(n, spec.value);
  return Math.max(0, n - minimumHealthyCount(spec, n));
}

export type HealthConstraintCheck =
  | { ok: true; minimumHealthy: number; maxConcurrency: number }
  | {
      ok: false;
      minimumHealthy: number;
      errorCode: 'HEALTH_CONSTRAINTS_INVALID' | 'NO_INSTANCES';
      message: string;
    };

/** The pre-check run before any instance is touched. */
export function checkHealthConstraints(
  config: HealthSpec | DeploymentConfigInfo,
  n: number,
): HealthConstraintCheck {
  const minimumHealthy = minimumHealthyCount(config, n);
  if (n === 0) return { ok: false, minimumHealthy, errorCode: 'NO_INSTANCES', message: NO_INSTANCES_MESSAGE };
  if (minimumHealthy >= n) {
    const message = HEALTH_CONSTRAINTS_INVALID_MESSAGE;
    return { ok: false, minimumHealthy, errorCode: 'HEALTH_CONSTRAINTS_INVALID', message };
  }
  return { ok: true, minimumHealthy, maxConcurrency: maxConcurrency(config, n) };
}

export type InstanceHealth = 'Healthy' | 'Unhealthy';
export type RevisionHealth = 'Current' | 'Old' | 'Unknown';
export interface ServerInstance {
  id: string;
  health: InstanceHealth;
  /** Whether it runs the group's target revision; Unknown when left out. */
  revision?: RevisionHealth;
  /** Availability Zone; on-premises instances have none. */
  zone?: string;
}

const REVISION_RANK: Record<RevisionHealth, number> = { Unknown: 0, Old: 1, Current: 2 };
const rank = (i: ServerInstance): number =>
  (i.health === 'Unhealthy' ? 0 : 1) * 3 + REVISION_RANK[i.revision ?? 'Unknown'];

/** Deployment order: Unhealthy first, then Unknown revision, Old, Current; stable otherwise. */
export function orderInstances<T extends ServerInstance>(instances: readonly T[]): T[] {
  return instances
    .map((instance, index) => ({ instance, index }))
    .sort((a, b) => rank(a.instance) - rank(b.instance) || a.index - b.index)
    .map(({ instance }) => instance);
}

const NO_ZONE_MINIMUM: MinimumHealthyHostsPerZone = { type: 'FLEET_PERCENT', value: 0 };

export interface ZonalWave<T> {
  /** null for the wave of instances that have no zone. */
  zone: string | null;
  instances: T[];
  minimumHealthy: number;
  maxConcurrency: number;
  /** Seconds to wait (watching alarms) after this wave before the next; 0 after the last. */
  monitorDurationSeconds: number;
}

/**
 * Groups instances into waves, one per Availability Zone, zones in name order, then instances
 * without a zone as the last wave [unverified: CodeDeploy does not document either]. Without a
 * zonal config, everything is one wave. Input order is kept inside a wave.
 */
export function zonalWaves<T extends { zone?: string }>(
  instances: readonly T[],
  zonalConfig?: ZonalConfig,
): ZonalWave<T>[] {
  const perZone = zonalConfig?.minimumHealthyHostsPerZone ?? NO_ZONE_MINIMUM;
  const zoneOf = (i: T): string => (zonalConfig ? (i.zone ?? '') : '');
  // '' (no zone) sorts after every zone name.
  const keys = [...new Set(instances.map(zoneOf))].sort((a, b) =>
    a === b ? 0 : a === '' ? 1 : b === '' ? -1 : a < b ? -1 : 1,
  );
  const waves = keys.map((key) => [key || null, instances.filter((i) => zoneOf(i) === key)] as const);
  const monitor = zonalConfig?.monitorDurationInSeconds ?? 0;
  const firstMonitor = zonalConfig?.firstZoneMonitorDurationInSeconds ?? monitor;
  return waves.map(([zone, members], index) => ({
    zone,
    instances: members,
    minimumHealthy: minimumHealthyCount(perZone, members.length),
    maxConcurrency: maxConcurrency(perZone, members.length),
    monitorDurationSeconds: index === waves.length - 1 ? 0 : index === 0 ? firstMonitor : monitor,
  }));
}

export type ScheduledStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped';
export interface ScheduledInstance {
  id: string;
  /** Health before this deployment. */
  healthy: boolean;
  wave: number;
  status: ScheduledStatus;
}
export type ScheduleWave = Omit<ZonalWave<unknown>, 'instances'>;
export interface ScheduleEnd {
  status: 'Failed' | 'Stopped';
  errorCode: ErrorCode;
  message: string;
}
/** Plain JSON, so it can be stored between Step Functions states. */
export interface ServerSchedule {
  minimumHealthy: number;
  maxConcurrency: number;
  waves: ScheduleWave[];
  waveIndex: number;
  /** In deployment order: by wave, then Unhealthy first. */
  instances: ScheduledInstance[];
  /** Set once the deployment failed or was stopped; in-flight instances may still report. */
  end?: ScheduleEnd;
  /**
   * OneAtATime's own rule, beyond the health arithmetic: the deployment fails as soon as any instance
   * but the last fails, even on a fleet that was never deployed to (no healthy instance to protect).
   */
  failOnAnyFailureBeforeLast?: boolean;
}

/** Builds the schedule; if the pre-check fails, the schedule is already ended and all Skipped. */
export function createServerSchedule(
  instances: readonly ServerInstance[],
  config: DeploymentConfigInfo,
): ServerSchedule {
  const ids = new Set(instances.map((i) => i.id));
  if (ids.size !== instances.length) throw new InvalidArgumentError('Instance ids must be unique');
  const check = checkHealthConstraints(config, instances.length);
  const waves = zonalWaves(orderInstances(instances), config.zonalConfig);
  const schedule: ServerSchedule = {
    ...(config.minimumHealthyHosts?.type === 'MOST_CONCURRENCY' ? { failOnAnyFailureBeforeLast: true } : {}),
    minimumHealthy: check.minimumHealthy,
    maxConcurrency: check.ok ? check.maxConcurrency : 0,
    waves: waves.map(({ instances: _members, ...wave }) => wave),
    waveIndex: 0,
    instances: waves.flatMap((wave, index) =>
      wave.instances.map((i) => ({
        id: i.id,
        healthy: i.health === 'Healthy',
        wave: index,
        status: 'Pending' as const,
      })),
    ),
  };
  if (!check.ok)
    return endSchedule(schedule, { status: 'Failed', errorCode: check.errorCode, message: check.message });
  // [unverified] A zone whose own minimum cannot be met is treated like the fleet pre-check.
  if (waves.some((w) => w.minimumHealthy >= w.instances.length)) {
    const message = HEALTH_CONSTRAINTS_INVALID_MESSAGE;
    return endSchedule(schedule, { status: 'Failed', errorCode: 'HEALTH_CONSTRAINTS_INVALID', message });
  }
  return applyStopRules(schedule);
}

const count = (list: readonly ScheduledInstance[], test: (i: ScheduledInstance) => boolean): number =>
  list.reduce((n, i) => (test(i) ? n + 1 : n), 0);
const isActive = (i: ScheduledInstance): boolean => i.status === 'Pending' || i.status === 'InProgress';
const waveOf = (s: ServerSchedule, wave = s.waveIndex) => s.instances.filter((i) => i.wave === wave);
/** Healthy now and not in flight. */
const available = (list: readonly ScheduledInstance[]): number =>
  count(list, (i) => i.status === 'Succeeded' || (i.status === 'Pending' && i.healthy));

/** Ids of the instances of the current wave that may start now, in order. */
export function nextBatch(schedule: ServerSchedule): string[] {
  const wave = schedule.waves[schedule.waveIndex];
  if (schedule.end || !wave) return [];
  const members = waveOf(schedule);
  let slots = Math.min(
    schedule.maxConcurrency - count(schedule.instances, (i) => i.status === 'InProgress'),
    wave.maxConcurrency - count(members, (i) => i.status === 'InProgress'),
  );
  let fleetAvailable = available(schedule.instances);
  let zoneAvailable = available(members);
  const batch: string[] = [];
  for (const instance of members) {
    if (slots <= 0) break;
    if (instance.status !== 'Pending') continue;
    if (instance.healthy) {
      if (fleetAvailable - 1 < schedule.minimumHealthy || zoneAvailable - 1 < wave.minimumHealthy) continue;
      fleetAvailable -= 1;
      zoneAvailable -= 1;
    }
    batch.push(instance.id);
    slots -= 1;
  }
  return batch;
}

function update(schedule: ServerSchedule, id: string, to: ScheduledStatus): ServerSchedule {
  const index = schedule.instances.findIndex((i) => i.id === id);
  const current = schedule.instances[index];
  if (!current) throw new InvalidArgumentError(`Unknown instance: ${id}`);
  const instances = [...schedule.instances];
  instances[index] = { ...current, status: transitionTarget(current.status, to) as ScheduledStatus };
  return { ...schedule, instances };
}

/** Records that these instances started (they must be Pending and in the current wave). */
export function markStarted(schedule: ServerSchedule, ids: readonly string[]): ServerSchedule {
  let next = schedule;
  for (const id of ids) {
    const instance = schedule.instances.find((i) => i.id === id);
    if (instance && instance.wave !== schedule.waveIndex) {
      throw new InvalidArgumentError(`Instance ${id} is not in the current wave`);
    }
    if (schedule.end && instance?.status !== 'InProgress') {
      throw new InvalidArgumentError(`The schedule has ended; instance ${id} cannot start`);
    }
    next = update(next, id, 'InProgress');
  }
  return next;
}

function endSchedule(schedule: ServerSchedule, end: ScheduleEnd): ServerSchedule {
  const instances = schedule.instances.map((i) =>
    i.status === 'Pending' ? { ...i, status: 'Skipped' as const } : i,
  );
  return { ...schedule, instances, end: schedule.end ?? end };
}

function mustStop(list: readonly ScheduledInstance[], min: number): boolean {
  const notFailed = count(list, (i) => i.status !== 'Failed');
  const healthyLeft = count(list, (i) => i.status === 'Pending' && i.healthy);
  return (healthyLeft > 0 && notFailed <= min) || (count(list, isActive) > 0 && notFailed < min);
}

function applyStopRules(schedule: ServerSchedule): ServerSchedule {
  if (schedule.end) return schedule;
  const members = waveOf(schedule);
  // Nothing in flight in the wave, work left, yet nothing may start: no result can unblock it.
  const stuck =
    members.some((i) => i.status === 'Pending') &&
    !members.some((i) => i.status === 'InProgress') &&
    nextBatch(schedule).length === 0;
  const zoneBreached = schedule.waves.some((w, index) => mustStop(waveOf(schedule, index), w.minimumHealthy));
  const failedBeforeLast =
    schedule.failOnAnyFailureBeforeLast === true &&
    schedule.instances.some((i) => i.status === 'Failed') &&
    schedule.instances.some((i) => i.status === 'Pending');
  if (
    !stuck &&
    !zoneBreached &&
    !failedBeforeLast &&
    !mustStop(schedule.instances, schedule.minimumHealthy)
  ) {
    return schedule;
  }
  return endSchedule(schedule, {
    status: 'Failed',
    errorCode: 'HEALTH_CONSTRAINTS',
    message: HEALTH_CONSTRAINTS_MESSAGE,
  });
}

/** Records an instance's result and applies the stop rule. */
export function afterResult(
  schedule: ServerSchedule,
  id: string,
  result: 'Succeeded' | 'Failed',
): ServerSchedule {
  return applyStopRules(update(schedule, id, result));
}

/** Ends the schedule from outside (StopDeployment -> MANUAL_STOP, an alarm -> ALARM_ACTIVE, ...). */
export function abortSchedule(schedule: ServerSchedule, end: ScheduleEnd): ServerSchedule {
  return endSchedule(schedule, end);
}

/** True when the current wave has nothing pending or in flight. */
export function waveComplete(schedule: ServerSchedule): boolean {
  return !waveOf(schedule).some(isActive);
}

/** Moves to the next wave, once the current one is complete and its monitor duration has passed. */
export function advanceWave(schedule: ServerSchedule): ServerSchedule {
  if (!waveComplete(schedule)) throw new InvalidArgumentError('The current wave is not complete');
  if (schedule.waveIndex >= schedule.waves.length - 1) return schedule;
  return applyStopRules({ ...schedule, waveIndex: schedule.waveIndex + 1 });
}

export type ScheduleOutcome = { status: 'InProgress' } | { status: 'Succeeded' } | ScheduleEnd;

export function scheduleOutcome(schedule: ServerSchedule): ScheduleOutcome {
  if (schedule.instances.some((i) => i.status === 'InProgress')) return { status: 'InProgress' };
  if (schedule.end) return schedule.end;
  if (schedule.instances.some(isActive)) return { status: 'InProgress' };
  const succeeded = (list: readonly ScheduledInstance[]) => count(list, (i) => i.status === 'Succeeded');
  const zonesMet = schedule.waves.every((w, index) => succeeded(waveOf(schedule, index)) >= w.minimumHealthy);
  if (succeeded(schedule.instances) >= Math.max(1, schedule.minimumHealthy) && zonesMet)
    return { status: 'Succeeded' };
  return { status: 'Failed', errorCode: 'HEALTH_CONSTRAINTS', message: HEALTH_CONSTRAINTS_MESSAGE };
}

export type ScheduleAction =
  | { kind: 'start'; instanceIds: string[] }
  | { kind: 'await-results' }
  | { kind: 'next-wave'; waitSeconds: number }
  | { kind: 'done'; outcome: Exclude<ScheduleOutcome, { status: 'InProgress' }> };

/** What the orchestrator should do next. */
export function nextAction(schedule: ServerSchedule): ScheduleAction {
  const outcome = scheduleOutcome(schedule);
  if (outcome.status !== 'InProgress') return { kind: 'done', outcome };
  const batch = nextBatch(schedule);
  if (batch.length > 0) return { kind: 'start', instanceIds: batch };
  if (!waveComplete(schedule) || schedule.end) return { kind: 'await-results' };
  return { kind: 'next-wave', waitSeconds: schedule.waves[schedule.waveIndex]?.monitorDurationSeconds ?? 0 };
}
