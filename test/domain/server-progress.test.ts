import { describe, expect, it } from 'vitest';
import { getPredefinedConfig, type DeploymentConfigInfo } from '../../functions/domain/deployment-configs.js';
import {
  abortSchedule,
  advanceWave,
  afterResult,
  createServerSchedule,
  markStarted,
  nextAction,
  type ServerInstance,
  type ServerSchedule,
} from '../../functions/domain/server-plan.js';
import {
  abortProgress,
  advanceProgressWave,
  afterBatchResults,
  createServerProgress,
  nextProgressAction,
  startBatch,
  type PlannedInstance,
  type ServerProgress,
} from '../../functions/domain/server-progress.js';

/**
 * The counter scheduler must decide exactly as the list scheduler of server-plan.ts (the rules of
 * reference §3.3 and §3.4, instance by instance): same batches, same stops, same outcome, at every
 * step of every run. Runs are random but seeded, so a failure reproduces.
 */

function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const predefined = (name: string): DeploymentConfigInfo => {
  const found = getPredefinedConfig(name);
  if (!found) throw new Error(`missing ${name}`);
  return found;
};

function randomConfig(random: () => number, n: number): DeploymentConfigInfo {
  const pick = Math.floor(random() * 6);
  const zonal =
    random() < 0.35
      ? {
          zonalConfig: {
            monitorDurationInSeconds: Math.floor(random() * 3) * 60,
            ...(random() < 0.5 ? { firstZoneMonitorDurationInSeconds: 30 } : {}),
            minimumHealthyHostsPerZone:
              random() < 0.5
                ? { type: 'HOST_COUNT' as const, value: Math.floor(random() * 3) }
                : { type: 'FLEET_PERCENT' as const, value: Math.floor(random() * 60) },
          },
        }
      : {};
  switch (pick) {
    case 0:
      return { ...predefined('CodeDeployDefault.OneAtATime'), ...zonal };
    case 1:
      return { ...predefined('CodeDeployDefault.HalfAtATime'), ...zonal };
    case 2:
      return { ...predefined('CodeDeployDefault.AllAtOnce'), ...zonal };
    case 3:
      return {
        deploymentConfigName: 'HostCount',
        computePlatform: 'Server',
        minimumHealthyHosts: { type: 'HOST_COUNT', value: Math.floor(random() * (n + 1)) },
        ...zonal,
      };
    default:
      return {
        deploymentConfigName: 'FleetPercent',
        computePlatform: 'Server',
        minimumHealthyHosts: { type: 'FLEET_PERCENT', value: Math.floor(random() * 100) },
        ...zonal,
      };
  }
}

function randomFleet(random: () => number): ServerInstance[] {
  const n = 1 + Math.floor(random() * 30);
  const zones = ['us-east-1a', 'us-east-1b', 'us-east-1c'].slice(0, 1 + Math.floor(random() * 3));
  return Array.from({ length: n }, (_, k) => {
    const zone = random() < 0.15 ? undefined : zones[Math.floor(random() * zones.length)];
    return {
      id: `i-${k}`,
      health: random() < 0.6 ? ('Healthy' as const) : ('Unhealthy' as const),
      revision: (['Old', 'Unknown', 'Current'] as const)[Math.floor(random() * 3)],
      ...(zone ? { zone } : {}),
    };
  });
}

/** The ids the counter scheduler's batch takes: the fronts of its wave's two queues. */
function frontsOf(
  planned: PlannedInstance[],
  taken: Set<string>,
  wave: number,
  size: { unhealthy: number; healthy: number },
): string[] {
  const queue = (healthy: boolean) =>
    planned
      .filter((p) => p.wave === wave && p.healthy === healthy && !taken.has(p.id))
      .sort((a, b) => a.position - b.position)
      .map((p) => p.id);
  return [...queue(false).slice(0, size.unhealthy), ...queue(true).slice(0, size.healthy)];
}

interface Trace {
  batches: number;
  outcome: string;
}

/** Runs both schedulers on one random deployment, checking they agree at every step. */
function runBoth(seed: number): Trace {
  const random = rng(seed);
  const fleet = randomFleet(random);
  const config = randomConfig(random, fleet.length);
  let list: ServerSchedule = createServerSchedule(fleet, config);
  const created = createServerProgress(fleet, config);
  let counters: ServerProgress = created.progress;
  const waveOf = new Map(created.instances.map((p) => [p.id, p.wave]));
  const taken = new Set<string>();
  const inFlight: string[] = [];
  let batches = 0;
  for (let step = 0; step < 500; step++) {
    const expected = nextAction(list);
    const actual = nextProgressAction(counters);
    expect(actual.kind, `seed ${seed} step ${step}`).toBe(expected.kind);
    if (expected.kind === 'done' && actual.kind === 'done') {
      expect(actual.outcome, `seed ${seed}`).toEqual(expected.outcome);
      return { batches, outcome: expected.outcome.status };
    }
    if (expected.kind === 'start' && actual.kind === 'start') {
      const ids = frontsOf(created.instances, taken, counters.waveIndex, actual.size);
      expect(ids, `seed ${seed} step ${step}: the batch`).toEqual(expected.instanceIds);
      list = markStarted(list, expected.instanceIds);
      counters = startBatch(counters, actual.size);
      for (const id of ids) taken.add(id);
      inFlight.push(...ids);
      batches++;
    } else if (expected.kind === 'next-wave' && actual.kind === 'next-wave') {
      expect(actual.waitSeconds).toBe(expected.waitSeconds);
      list = advanceWave(list);
      counters = advanceProgressWave(counters);
      continue;
    }
    // Results for some or all of the instances in flight, in the order they started.
    if (random() < 0.05 && inFlight.length > 0) {
      const end = { status: 'Stopped' as const, errorCode: 'MANUAL_STOP' as const, message: 'stopped' };
      list = abortSchedule(list, end);
      counters = abortProgress(counters, end);
    }
    const count = random() < 0.7 ? inFlight.length : Math.floor(random() * (inFlight.length + 1));
    const finishing = inFlight.splice(0, count);
    for (const id of finishing) {
      const result = random() < 0.75 ? ('Succeeded' as const) : ('Failed' as const);
      list = afterResult(list, id, result);
      counters = afterBatchResults(counters, waveOf.get(id) ?? 0, [result]);
    }
    if (expected.kind === 'await-results' && finishing.length === 0 && inFlight.length > 0) {
      const id = inFlight.shift() as string;
      list = afterResult(list, id, 'Succeeded');
      counters = afterBatchResults(counters, waveOf.get(id) ?? 0, ['Succeeded']);
    }
  }
  throw new Error(`seed ${seed}: no outcome after 500 steps`);
}

describe('the counter scheduler decides as the list scheduler (§3.3, §3.4)', () => {
  it('agrees on every batch, stop and outcome of 3,000 random deployments', () => {
    const outcomes = new Map<string, number>();
    let batches = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const trace = runBoth(seed);
      outcomes.set(trace.outcome, (outcomes.get(trace.outcome) ?? 0) + 1);
      batches += trace.batches;
    }
    // The runs cover successes, failures and stops, over thousands of batches.
    expect(outcomes.get('Succeeded') ?? 0).toBeGreaterThan(300);
    expect(outcomes.get('Failed') ?? 0).toBeGreaterThan(300);
    expect(outcomes.get('Stopped') ?? 0).toBeGreaterThan(20);
    expect(batches).toBeGreaterThan(5000);
  });

  it('keeps a 10,000-instance OneAtATime plan to one entry per zone', () => {
    const fleet: ServerInstance[] = Array.from({ length: 10_000 }, (_, k) => ({
      id: `i-${k.toString(16).padStart(17, '0')}`,
      health: 'Healthy',
      zone: ['a', 'b', 'c'][k % 3] as string,
    }));
    const { progress, instances } = createServerProgress(fleet, {
      ...predefined('CodeDeployDefault.OneAtATime'),
      zonalConfig: { monitorDurationInSeconds: 60 },
    });
    expect(progress.waves).toHaveLength(3);
    expect(JSON.stringify(progress).length).toBeLessThan(1_000);
    expect(instances.filter((i) => i.wave === 0).map((i) => i.position)).toEqual(
      Array.from({ length: 3334 }, (_, k) => k),
    );
  });
});
