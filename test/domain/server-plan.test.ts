import { describe, expect, it } from 'vitest';
import { getPredefinedConfig } from '../../functions/domain/deployment-configs.js';
import type {
  DeploymentConfigInfo,
  MinimumHealthyHosts,
  ZonalConfig,
} from '../../functions/domain/deployment-configs.js';
import { IllegalStatusTransitionError } from '../../functions/domain/errors.js';
import {
  abortSchedule,
  advanceWave,
  afterResult,
  checkHealthConstraints,
  createServerSchedule,
  markStarted,
  maxConcurrency,
  minimumHealthyCount,
  nextAction,
  nextBatch,
  orderInstances,
  scheduleOutcome,
  zonalWaves,
} from '../../functions/domain/server-plan.js';
import type { ScheduleOutcome, ServerInstance, ServerSchedule } from '../../functions/domain/server-plan.js';

// Exact text from the reference, §3.3 rule 6.
const HEALTH_CONSTRAINTS_TEXT =
  'The overall deployment failed because too many individual instances failed deployment, too few healthy instances are available for deployment, or some instances in your deployment group are experiencing problems.';
// The part of the HEALTH_CONSTRAINTS_INVALID message the reference quotes (§3.3 rule 2).
const HEALTH_CONSTRAINTS_INVALID_PREFIX =
  "The deployment can't start because the minimum number of healthy instances";

const config = (name: string): DeploymentConfigInfo => {
  const found = getPredefinedConfig(name);
  if (!found) throw new Error(`missing ${name}`);
  return found;
};
const ONE_AT_A_TIME = config('CodeDeployDefault.OneAtATime');
const HALF_AT_A_TIME = config('CodeDeployDefault.HalfAtATime');
const ALL_AT_ONCE = config('CodeDeployDefault.AllAtOnce');
const custom = (
  minimumHealthyHosts: MinimumHealthyHosts,
  zonalConfig?: ZonalConfig,
): DeploymentConfigInfo => ({
  deploymentConfigName: 'Custom',
  computePlatform: 'Server',
  minimumHealthyHosts,
  ...(zonalConfig ? { zonalConfig } : {}),
});
const hostCount = (value: number) => custom({ type: 'HOST_COUNT', value });
const fleetPercent = (value: number) => custom({ type: 'FLEET_PERCENT', value });

const healthy = (n: number, prefix = 'i'): ServerInstance[] =>
  Array.from({ length: n }, (_, k) => ({
    id: `${prefix}${k + 1}`,
    health: 'Healthy' as const,
    revision: 'Old' as const,
  }));

interface Run {
  starts: string[][];
  outcome: ScheduleOutcome;
  statuses: Record<string, string>;
  maxInFlight: number;
  waits: number[];
}

/**
 * Drives a schedule to the end. `batch`: every in-flight instance reports (in start order) before
 * the next nextAction; `rolling`: one report at a time, starting new instances as soon as allowed.
 */
function simulate(
  instances: readonly ServerInstance[],
  deploymentConfig: DeploymentConfigInfo,
  failing: readonly string[] = [],
  mode: 'batch' | 'rolling' = 'batch',
  hook: (s: ServerSchedule, step: number) => ServerSchedule = (s) => s,
): Run {
  let schedule = createServerSchedule(instances, deploymentConfig);
  const starts: string[][] = [];
  const waits: number[] = [];
  let inFlight: string[] = [];
  let maxInFlight = 0;
  for (let step = 0; step < 10_000; step += 1) {
    schedule = hook(schedule, step);
    const action = nextAction(schedule);
    if (action.kind === 'done') {
      const statuses = Object.fromEntries(schedule.instances.map((i) => [i.id, i.status]));
      return { starts, outcome: action.outcome, statuses, maxInFlight, waits };
    }
    if (action.kind === 'start') {
      schedule = markStarted(schedule, action.instanceIds);
      starts.push(action.instanceIds);
      inFlight.push(...action.instanceIds);
      maxInFlight = Math.max(maxInFlight, inFlight.length);
    } else if (action.kind === 'next-wave') {
      waits.push(action.waitSeconds);
      schedule = advanceWave(schedule);
    } else {
      const reporting = mode === 'batch' ? inFlight : inFlight.slice(0, 1);
      inFlight = inFlight.slice(reporting.length);
      for (const id of reporting)
        schedule = afterResult(schedule, id, failing.includes(id) ? 'Failed' : 'Succeeded');
    }
  }
  throw new Error('schedule did not finish');
}

const FAILED_HEALTH = { status: 'Failed', errorCode: 'HEALTH_CONSTRAINTS', message: HEALTH_CONSTRAINTS_TEXT };

describe('minimumHealthyCount (§3.3 rule 1)', () => {
  it.each<[string, DeploymentConfigInfo, number, number]>([
    ['HOST_COUNT 6 of 9', hostCount(6), 9, 6],
    ['FLEET_PERCENT 40 of 9 = ceil(3.6)', fleetPercent(40), 9, 4],
    ['FLEET_PERCENT 95 of 10 = ceil(9.5)', fleetPercent(95), 10, 10],
    ['FLEET_PERCENT 85 of 10 = ceil(8.5)', fleetPercent(85), 10, 9],
    ['HalfAtATime of 9 = ceil(4.5)', HALF_AT_A_TIME, 9, 5],
    ['HalfAtATime of 10', HALF_AT_A_TIME, 10, 5],
    ['FLEET_PERCENT 0 of 7', fleetPercent(0), 7, 0],
    ['AllAtOnce of 10', ALL_AT_ONCE, 10, 0],
    ['OneAtATime of 10 keeps all but one healthy', ONE_AT_A_TIME, 10, 9],
    ['OneAtATime of 3', ONE_AT_A_TIME, 3, 2],
    ['OneAtATime of 1', ONE_AT_A_TIME, 1, 0],
  ])('%s', (_label, deploymentConfig, n, expected) => {
    expect(minimumHealthyCount(deploymentConfig, n)).toBe(expected);
  });

  it('accepts a bare MinimumHealthyHosts too', () => {
    expect(minimumHealthyCount({ type: 'FLEET_PERCENT', value: 40 }, 9)).toBe(4);
  });
});

describe('checkHealthConstraints: pre-check and concurrency (§3.3 rules 2 and 5)', () => {
  it.each<[string, DeploymentConfigInfo, number, number, number]>([
    ['N=10, min 9 -> 1 at a time', hostCount(9), 10, 9, 1],
    ['N=10, min 8 -> 2 at a time', hostCount(8), 10, 8, 2],
    ['N=10, min 0 -> all at once', hostCount(0), 10, 0, 10],
    ['HOST_COUNT 6 of 9 -> 3 at a time', hostCount(6), 9, 6, 3],
    ['FLEET_PERCENT 40 of 9 -> min 4 -> 5 at a time', fleetPercent(40), 9, 4, 5],
    ['HalfAtATime of 9 -> batches of at most 4', HALF_AT_A_TIME, 9, 5, 4],
    ['OneAtATime of 10 -> 1 at a time', ONE_AT_A_TIME, 10, 9, 1],
    ['OneAtATime with 1 instance is allowed', ONE_AT_A_TIME, 1, 0, 1],
    ['AllAtOnce with 1 instance is allowed', ALL_AT_ONCE, 1, 0, 1],
    ['AllAtOnce of 5 -> all at once', ALL_AT_ONCE, 5, 0, 5],
  ])('%s', (_label, deploymentConfig, n, min, concurrency) => {
    expect(checkHealthConstraints(deploymentConfig, n)).toEqual({
      ok: true,
      minimumHealthy: min,
      maxConcurrency: concurrency,
    });
    expect(maxConcurrency(deploymentConfig, n)).toBe(concurrency);
  });

  it.each<[string, DeploymentConfigInfo, number]>([
    ['10 instances at 95% (min ceil(9.5) = 10)', fleetPercent(95), 10],
    ['HOST_COUNT 10 of 10', hostCount(10), 10],
    ['HOST_COUNT 11 of 10', hostCount(11), 10],
    ['HalfAtATime with 1 instance (min ceil(0.5) = 1)', HALF_AT_A_TIME, 1],
  ])('%s -> HEALTH_CONSTRAINTS_INVALID', (_label, deploymentConfig, n) => {
    const check = checkHealthConstraints(deploymentConfig, n);
    expect(check.ok).toBe(false);
    expect(check).toMatchObject({ errorCode: 'HEALTH_CONSTRAINTS_INVALID' });
    expect(check.ok === false && check.message.startsWith(HEALTH_CONSTRAINTS_INVALID_PREFIX)).toBe(true);
  });

  it('no instances -> NO_INSTANCES', () => {
    expect(checkHealthConstraints(ONE_AT_A_TIME, 0)).toMatchObject({ ok: false, errorCode: 'NO_INSTANCES' });
  });
});

describe('orderInstances (§3.3 rule 3)', () => {
  it('Unhealthy first, then Unknown revision, then Old, then Current; stable within a class', () => {
    const instances: ServerInstance[] = [
      { id: 'current1', health: 'Healthy', revision: 'Current' },
      { id: 'old1', health: 'Healthy', revision: 'Old' },
      { id: 'unknown1', health: 'Healthy', revision: 'Unknown' },
      { id: 'unhealthy1', health: 'Unhealthy', revision: 'Current' },
      { id: 'old2', health: 'Healthy', revision: 'Old' },
      { id: 'unknown2', health: 'Healthy' },
      { id: 'unhealthy2', health: 'Unhealthy', revision: 'Old' },
    ];
    expect(orderInstances(instances).map((i) => i.id)).toEqual([
      'unhealthy2',
      'unhealthy1',
      'unknown1',
      'unknown2',
      'old1',
      'old2',
      'current1',
    ]);
  });
});

describe('OneAtATime', () => {
  it('N=3 with the middle instance failing: stops with HEALTH_CONSTRAINTS, the last is Skipped', () => {
    const run = simulate(healthy(3), ONE_AT_A_TIME, ['i2']);
    expect(run.starts).toEqual([['i1'], ['i2']]);
    expect(run.outcome).toEqual(FAILED_HEALTH);
    expect(run.statuses).toEqual({ i1: 'Succeeded', i2: 'Failed', i3: 'Skipped' });
  });

  it('N=3 with the LAST instance failing: Succeeded (all but one kept healthy)', () => {
    const run = simulate(healthy(3), ONE_AT_A_TIME, ['i3']);
    expect(run.starts).toEqual([['i1'], ['i2'], ['i3']]);
    expect(run.outcome).toEqual({ status: 'Succeeded' });
    expect(run.statuses).toEqual({ i1: 'Succeeded', i2: 'Succeeded', i3: 'Failed' });
  });

  it('N=3 with the first instance failing: stops at once', () => {
    const run = simulate(healthy(3), ONE_AT_A_TIME, ['i1']);
    expect(run.starts).toEqual([['i1']]);
    expect(run.outcome).toEqual(FAILED_HEALTH);
    expect(run.statuses).toEqual({ i1: 'Failed', i2: 'Skipped', i3: 'Skipped' });
  });

  it.each<[string[], ScheduleOutcome]>([
    [[], { status: 'Succeeded' }],
    [['i1'], FAILED_HEALTH as ScheduleOutcome],
  ])('with one instance, that instance must succeed (failing: %j)', (failing, outcome) => {
    expect(simulate(healthy(1), ONE_AT_A_TIME, failing).outcome).toEqual(outcome);
  });

  it('on a fleet never deployed to, the first failure still stops it (any but the last may not fail)', () => {
    const fresh: ServerInstance[] = [
      { id: 'u1', health: 'Unhealthy' },
      { id: 'u2', health: 'Unhealthy' },
      { id: 'u3', health: 'Unhealthy' },
    ];
    const run = simulate(fresh, ONE_AT_A_TIME, ['u1']);
    expect(run.starts).toEqual([['u1']]);
    expect(run.outcome).toEqual(FAILED_HEALTH);
    expect(run.statuses).toEqual({ u1: 'Failed', u2: 'Skipped', u3: 'Skipped' });
  });

  it('on a fleet never deployed to, the last may fail and the deployment succeeds', () => {
    const fresh: ServerInstance[] = [
      { id: 'u1', health: 'Unhealthy' },
      { id: 'u2', health: 'Unhealthy' },
    ];
    expect(simulate(fresh, ONE_AT_A_TIME, ['u2']).outcome).toEqual({ status: 'Succeeded' });
  });

  it('never runs two instances at once, even unhealthy ones', () => {
    const instances: ServerInstance[] = [
      ...healthy(2),
      { id: 'u1', health: 'Unhealthy' },
      { id: 'u2', health: 'Unhealthy' },
    ];
    const run = simulate(instances, ONE_AT_A_TIME, [], 'rolling');
    expect(run.starts).toEqual([['u1'], ['u2'], ['i1'], ['i2']]);
    expect(run.maxInFlight).toBe(1);
    expect(run.outcome).toEqual({ status: 'Succeeded' });
  });
});

describe('HalfAtATime with 9 instances: batches of at most 4, at least 5 successes', () => {
  it('all succeed in batches of 4, 4, 1', () => {
    const run = simulate(healthy(9), HALF_AT_A_TIME);
    expect(run.starts).toEqual([['i1', 'i2', 'i3', 'i4'], ['i5', 'i6', 'i7', 'i8'], ['i9']]);
    expect(run.outcome).toEqual({ status: 'Succeeded' });
  });

  it('rolling: never more than 4 in flight', () => {
    const run = simulate(healthy(9), HALF_AT_A_TIME, [], 'rolling');
    expect(run.maxInFlight).toBe(4);
    expect(run.starts.flat()).toEqual(['i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7', 'i8', 'i9']);
    expect(run.outcome).toEqual({ status: 'Succeeded' });
  });

  it('exactly 5 successes (the last 4 fail) -> Succeeded', () => {
    const run = simulate(healthy(9), HALF_AT_A_TIME, ['i6', 'i7', 'i8', 'i9']);
    expect(run.starts).toEqual([['i1', 'i2', 'i3', 'i4'], ['i5', 'i6', 'i7', 'i8'], ['i9']]);
    expect(run.outcome).toEqual({ status: 'Succeeded' });
  });

  it('4 failures while a healthy instance is still to do -> stop, HEALTH_CONSTRAINTS, the rest Skipped', () => {
    const run = simulate(healthy(9), HALF_AT_A_TIME, ['i5', 'i6', 'i7', 'i8']);
    expect(run.outcome).toEqual(FAILED_HEALTH);
    expect(run.statuses.i9).toBe('Skipped');
    expect(run.starts).toHaveLength(2);
  });
});

describe('AllAtOnce', () => {
  it('starts every instance together; all fail -> Failed', () => {
    const run = simulate(healthy(4), ALL_AT_ONCE, ['i1', 'i2', 'i3', 'i4']);
    expect(run.starts).toEqual([['i1', 'i2', 'i3', 'i4']]);
    expect(run.outcome).toEqual(FAILED_HEALTH);
  });

  it.each([['i1'], ['i4']])('only %s succeeds -> Succeeded (min 0, at least one success)', (winner) => {
    const ids = ['i1', 'i2', 'i3', 'i4'];
    const run = simulate(
      healthy(4),
      ALL_AT_ONCE,
      ids.filter((id) => id !== winner),
      'rolling',
    );
    expect(run.outcome).toEqual({ status: 'Succeeded' });
  });
});

describe('the stop and success rules with explicit minimums (§3.3 rules 6 and 7)', () => {
  it('min 9 of 10: the last instance failing still succeeds (9 >= 9)', () => {
    expect(simulate(healthy(10), hostCount(9), ['i10']).outcome).toEqual({ status: 'Succeeded' });
  });

  it('min 9 of 10: the 5th failing stops the deployment; 6..10 are Skipped', () => {
    const run = simulate(healthy(10), hostCount(9), ['i5']);
    expect(run.outcome).toEqual(FAILED_HEALTH);
    expect(['i6', 'i7', 'i8', 'i9', 'i10'].map((id) => run.statuses[id])).toEqual(Array(5).fill('Skipped'));
  });

  it.each(['batch', 'rolling'] as const)(
    'min 8 of 10 (%s): the last instance being the second to fail still succeeds, even though the first failure happened next to an in-flight instance',
    (mode) => {
      const run = simulate(healthy(10), hostCount(8), ['i3', 'i10'], mode);
      expect(run.outcome).toEqual({ status: 'Succeeded' });
      expect(run.maxInFlight).toBe(2);
    },
  );

  it('min 8 of 10: a second failure with healthy instances left stops it', () => {
    const run = simulate(healthy(10), hostCount(8), ['i3', 'i5']);
    expect(run.outcome).toEqual(FAILED_HEALTH);
    expect(run.statuses.i10).toBe('Skipped');
  });

  it('unhealthy instances go first and cost no health: with min 8 of 10, the two unhealthy ones run together', () => {
    const instances: ServerInstance[] = [
      ...healthy(8),
      { id: 'u1', health: 'Unhealthy' },
      { id: 'u2', health: 'Unhealthy' },
    ];
    const run = simulate(instances, hostCount(8));
    expect(run.starts[0]).toEqual(['u1', 'u2']);
    expect(run.starts.slice(1)).toEqual([
      ['i1', 'i2'],
      ['i3', 'i4'],
      ['i5', 'i6'],
      ['i7', 'i8'],
    ]);
  });

  it('a group starting below its minimum is not reduced further: healthy instances wait for the unhealthy to recover', () => {
    const instances: ServerInstance[] = [
      ...healthy(3),
      ...Array.from({ length: 3 }, (_, k) => ({ id: `u${k + 1}`, health: 'Unhealthy' as const })),
    ];
    // min 4 of 6: only 3 healthy at the start.
    const schedule = createServerSchedule(instances, hostCount(4));
    expect(nextBatch(schedule)).toEqual(['u1', 'u2']);
    const run = simulate(instances, hostCount(4));
    expect(run.starts).toEqual([
      ['u1', 'u2'],
      ['u3', 'i1'],
      ['i2', 'i3'],
    ]);
    expect(run.outcome).toEqual({ status: 'Succeeded' });
  });

  it('10 instances at 95%: fails immediately with HEALTH_CONSTRAINTS_INVALID, nothing started, all Skipped', () => {
    const run = simulate(healthy(10), fleetPercent(95));
    expect(run.starts).toEqual([]);
    expect(run.outcome).toMatchObject({ status: 'Failed', errorCode: 'HEALTH_CONSTRAINTS_INVALID' });
    expect(new Set(Object.values(run.statuses))).toEqual(new Set(['Skipped']));
  });
});

describe('zonalWaves (§3.4)', () => {
  const instances = [
    { id: 'b1', zone: 'us-east-1b' },
    { id: 'onprem1' },
    { id: 'a1', zone: 'us-east-1a' },
    { id: 'b2', zone: 'us-east-1b' },
    { id: 'onprem2', zone: '' },
  ];

  it('[unverified] zones in name order, then instances without a zone as the last wave', () => {
    const waves = zonalWaves(instances, {
      monitorDurationInSeconds: 300,
      firstZoneMonitorDurationInSeconds: 600,
    });
    expect(waves.map((w) => [w.zone, w.instances.map((i) => i.id)])).toEqual([
      ['us-east-1a', ['a1']],
      ['us-east-1b', ['b1', 'b2']],
      [null, ['onprem1', 'onprem2']],
    ]);
  });

  it.each<[string, ZonalConfig, number[]]>([
    [
      'first zone uses firstZoneMonitorDurationInSeconds',
      { monitorDurationInSeconds: 300, firstZoneMonitorDurationInSeconds: 600 },
      [600, 300, 0],
    ],
    ['first zone defaults to monitorDurationInSeconds', { monitorDurationInSeconds: 120 }, [120, 120, 0]],
    ['monitor duration defaults to 0 (next zone starts immediately)', {}, [0, 0, 0]],
    ['only a first-zone duration', { firstZoneMonitorDurationInSeconds: 60 }, [60, 0, 0]],
  ])('%s', (_label, zonal, durations) => {
    expect(zonalWaves(instances, zonal).map((w) => w.monitorDurationSeconds)).toEqual(durations);
  });

  it('without a zonal config everything is one wave', () => {
    const waves = zonalWaves(instances);
    expect(waves).toHaveLength(1);
    expect(waves[0]).toMatchObject({
      zone: null,
      minimumHealthy: 0,
      maxConcurrency: 5,
      monitorDurationSeconds: 0,
    });
  });

  it('per-zone minimum healthy caps concurrency within the zone (default 0%)', () => {
    const perZone = zonalWaves([...healthy(4, 'a').map((i) => ({ ...i, zone: 'za' }))], {
      minimumHealthyHostsPerZone: { type: 'HOST_COUNT', value: 3 },
    });
    expect(perZone[0]).toMatchObject({ minimumHealthy: 3, maxConcurrency: 1 });
    const byDefault = zonalWaves([...healthy(4, 'a').map((i) => ({ ...i, zone: 'za' }))], {});
    expect(byDefault[0]).toMatchObject({ minimumHealthy: 0, maxConcurrency: 4 });
  });
});

describe('zonal scheduling', () => {
  const zoned = (id: string, zone?: string): ServerInstance => ({
    id,
    health: 'Healthy',
    ...(zone ? { zone } : {}),
  });
  const instances = [
    zoned('b1', 'us-east-1b'),
    zoned('b2', 'us-east-1b'),
    zoned('b3', 'us-east-1b'),
    zoned('a1', 'us-east-1a'),
    zoned('a2', 'us-east-1a'),
    zoned('o1'),
    zoned('o2'),
  ];
  const zonal: ZonalConfig = {
    firstZoneMonitorDurationInSeconds: 600,
    monitorDurationInSeconds: 300,
    minimumHealthyHostsPerZone: { type: 'HOST_COUNT', value: 1 },
  };

  it('deploys one zone at a time with the monitor waits between zones, per-zone minimum capping concurrency', () => {
    const run = simulate(instances, custom({ type: 'HOST_COUNT', value: 0 }, zonal));
    expect(run.starts).toEqual([['a1'], ['a2'], ['b1', 'b2'], ['b3'], ['o1'], ['o2']]);
    expect(run.waits).toEqual([600, 300]);
    expect(run.outcome).toEqual({ status: 'Succeeded' });
  });

  it('the fleet-wide minimum still applies across zones', () => {
    const run = simulate(instances, custom({ type: 'HOST_COUNT', value: 6 }, zonal));
    expect(run.maxInFlight).toBe(1);
    expect(run.outcome).toEqual({ status: 'Succeeded' });
  });

  it('a failure in a zone holds back its next instance while it would leave the zone below its minimum', () => {
    // Zone a: 5 instances, at least 2 healthy (so 3 at a time). a1 fails while a2 and a3 still run:
    // only a4 and a5 are left serving, so a4 may not start until a2 or a3 has succeeded.
    const zone = (id: string, z: string): ServerInstance => ({ id, health: 'Healthy', zone: z });
    const fleet = [
      ...['a1', 'a2', 'a3', 'a4', 'a5'].map((id) => zone(id, 'za')),
      ...['b1', 'b2', 'b3'].map((id) => zone(id, 'zb')),
    ];
    const perZone = custom(
      { type: 'HOST_COUNT', value: 0 },
      { minimumHealthyHostsPerZone: { type: 'HOST_COUNT', value: 2 } },
    );
    const lowest: number[] = [];
    const run = simulate(fleet, perZone, ['a1'], 'rolling', (s) => {
      // Serving now: succeeded, or healthy and not yet taken out of service.
      const serving = s.instances.filter(
        (i) => i.wave === 0 && (i.status === 'Succeeded' || (i.status === 'Pending' && i.healthy)),
      ).length;
      if (s.waveIndex === 0 && !s.end) lowest.push(serving);
      return s;
    });
    expect(Math.min(...lowest)).toBe(2);
    expect(run.starts).toEqual([['a1', 'a2', 'a3'], ['a4'], ['a5'], ['b1'], ['b2'], ['b3']]);
    expect(run.outcome).toEqual({ status: 'Succeeded' });
  });

  it('a failure that leaves a zone unable to keep its minimum stops the deployment before anything else is touched', () => {
    // Zone a must keep 4 of its 5 healthy. Its never-healthy instances go first; when u1 fails, only
    // 4 can ever be healthy again, and deploying to any of them would take one below: stop now,
    // rather than go on to u2 (unhealthy instances are never held back) or to zone b.
    const zoneA: ServerInstance[] = [
      { id: 'u1', health: 'Unhealthy', zone: 'za' },
      { id: 'u2', health: 'Unhealthy', zone: 'za' },
      ...['h1', 'h2', 'h3'].map((id): ServerInstance => ({ id, health: 'Healthy', zone: 'za' })),
    ];
    const zoneB = ['b1', 'b2', 'b3', 'b4', 'b5'].map((id): ServerInstance => ({
      id,
      health: 'Healthy',
      zone: 'zb',
    }));
    const run = simulate(
      [...zoneA, ...zoneB],
      custom(
        { type: 'HOST_COUNT', value: 1 },
        { minimumHealthyHostsPerZone: { type: 'HOST_COUNT', value: 4 } },
      ),
      ['u1'],
    );
    expect(run.starts).toEqual([['u1']]);
    expect(run.statuses).toMatchObject({ u1: 'Failed', u2: 'Skipped', h1: 'Skipped', b1: 'Skipped' });
    expect(run.outcome).toEqual(FAILED_HEALTH);
  });

  it('a zone whose every instance failed fails the deployment, even when the fleet minimum is met', () => {
    // Zone b's two instances were never healthy (so nothing holds them back), and both fail: the
    // fleet keeps its minimum of 1 through zone a, but zone b ends with none of its minimum 1.
    const run = simulate(
      [
        { id: 'a1', health: 'Healthy', zone: 'za' },
        { id: 'a2', health: 'Healthy', zone: 'za' },
        { id: 'b1', health: 'Unhealthy', zone: 'zb' },
        { id: 'b2', health: 'Unhealthy', zone: 'zb' },
      ],
      custom(
        { type: 'HOST_COUNT', value: 1 },
        { minimumHealthyHostsPerZone: { type: 'HOST_COUNT', value: 1 } },
      ),
      ['b1', 'b2'],
    );
    expect(run.statuses).toEqual({ a1: 'Succeeded', a2: 'Succeeded', b1: 'Failed', b2: 'Failed' });
    expect(run.outcome).toEqual(FAILED_HEALTH);
  });

  it('[unverified] when the next zone cannot start after a failure, the move to it stops the deployment', () => {
    // a1 fails in zone a: the fleet (minimum 1) keeps b1 and the never-healthy c1, so it does not
    // stop yet. After zone a's monitor wait, zone b's only instance would take the last healthy one
    // out of service: nothing can ever start, and the deployment stops there, with nothing left
    // waiting for results that cannot come.
    const run = simulate(
      [
        { id: 'a1', health: 'Healthy', zone: 'za' },
        { id: 'b1', health: 'Healthy', zone: 'zb' },
        { id: 'c1', health: 'Unhealthy', zone: 'zc' },
      ],
      custom({ type: 'HOST_COUNT', value: 1 }, { firstZoneMonitorDurationInSeconds: 600 }),
      ['a1'],
    );
    expect(run.starts).toEqual([['a1']]);
    expect(run.waits).toEqual([600]);
    expect(run.statuses).toEqual({ a1: 'Failed', b1: 'Skipped', c1: 'Skipped' });
    expect(run.outcome).toEqual(FAILED_HEALTH);
  });

  it('[unverified] a zone too small for its per-zone minimum fails the pre-check (safer than breaching it)', () => {
    const run = simulate(
      [...instances, zoned('c1', 'us-east-1c')],
      custom({ type: 'HOST_COUNT', value: 0 }, zonal),
    );
    expect(run.starts).toEqual([]);
    expect(run.outcome).toMatchObject({ status: 'Failed', errorCode: 'HEALTH_CONSTRAINTS_INVALID' });
  });
});

describe('scheduler contract', () => {
  it('the schedule is plain JSON', () => {
    const schedule = markStarted(createServerSchedule(healthy(3), HALF_AT_A_TIME), ['i1']);
    expect(JSON.parse(JSON.stringify(schedule))).toEqual(schedule);
  });

  it('functions do not mutate their input', () => {
    const schedule = createServerSchedule(healthy(3), ALL_AT_ONCE);
    const copy = structuredClone(schedule);
    afterResult(markStarted(schedule, ['i1']), 'i1', 'Failed');
    expect(schedule).toEqual(copy);
  });

  it('reporting a result twice is idempotent (Step Functions retries)', () => {
    const started = markStarted(createServerSchedule(healthy(3), ALL_AT_ONCE), ['i1']);
    const once = afterResult(started, 'i1', 'Succeeded');
    expect(afterResult(once, 'i1', 'Succeeded')).toEqual(once);
  });

  it.each<[string, (s: ServerSchedule) => unknown]>([
    ['a result for an instance that never started', (s) => afterResult(s, 'i1', 'Succeeded')],
    [
      'a Failed result after Succeeded',
      (s) => afterResult(afterResult(markStarted(s, ['i1']), 'i1', 'Succeeded'), 'i1', 'Failed'),
    ],
    [
      'starting a finished instance',
      (s) => markStarted(afterResult(markStarted(s, ['i1']), 'i1', 'Succeeded'), ['i1']),
    ],
  ])('rejects %s with IllegalStatusTransitionError', (_label, act) => {
    expect(() => act(createServerSchedule(healthy(3), ALL_AT_ONCE))).toThrow(IllegalStatusTransitionError);
  });

  it('rejects unknown instances and duplicate ids', () => {
    const schedule = createServerSchedule(healthy(2), ALL_AT_ONCE);
    expect(() => afterResult(schedule, 'nope', 'Failed')).toThrow(/Unknown instance: nope/);
    expect(() => createServerSchedule([...healthy(2), ...healthy(1)], ALL_AT_ONCE)).toThrow(/unique/);
  });

  it('a stop request (MANUAL_STOP) lets in-flight instances report, skips the rest and ends Stopped', () => {
    const end = { status: 'Stopped', errorCode: 'MANUAL_STOP', message: 'stopped by user' } as const;
    const run = simulate(healthy(3), ONE_AT_A_TIME, [], 'batch', (s, step) => {
      const started = s.instances.some((i) => i.status === 'InProgress');
      return step > 0 && started && !s.end ? abortSchedule(s, end) : s;
    });
    expect(run.outcome).toEqual(end);
    expect(run.statuses).toEqual({ i1: 'Succeeded', i2: 'Skipped', i3: 'Skipped' });
  });

  it('while ended but draining the outcome is InProgress and nothing new starts', () => {
    let schedule = markStarted(createServerSchedule(healthy(10), hostCount(8)), ['i1', 'i2']);
    schedule = afterResult(schedule, 'i1', 'Failed');
    schedule = abortSchedule(schedule, { status: 'Stopped', errorCode: 'ALARM_ACTIVE', message: 'alarm' });
    expect(scheduleOutcome(schedule)).toEqual({ status: 'InProgress' });
    expect(nextBatch(schedule)).toEqual([]);
    expect(nextAction(schedule)).toEqual({ kind: 'await-results' });
  });
});
