/**
 * The local ECS service for real: tasks are processes of examples/ecs, behind the production and test
 * listeners of the local load balancer on its own thread, deployed by the ECS state machine on the
 * embedded engine (time sped up 60 times, so the five-minute canary bake lasts five seconds). During
 * the canary bake the replacement serves its weight's share of production requests, within a
 * binomial tolerance; a version whose AfterAllowTestTraffic hook fails never serves production.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ECS_FLOW } from '../../../functions/steps/prepare-ecs.js';
import {
  openEcsEnvironment,
  localAppSpecRevision,
  type EcsEnvironment,
} from '../../../local/ecs/ecs-environment.js';
import { ecsTaskProcesses } from '../../../local/ecs/task-processes.js';
import { ScaledClock } from '../../../local/engine/index.js';
import { LoadBalancerThread } from '../../../local/load-balancer/thread.js';
import { createLocalRuntime, type LocalRuntime } from '../../../local/runtime/runtime.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const EXAMPLES = join(import.meta.dirname, '..', '..', '..', 'examples', 'ecs');
const SPEC = { serviceName: 'web', testListener: true, desiredCount: 2 };
const NAMES = { applicationName: 'shop', deploymentGroupName: 'web' };

let stateDir: string;
let loadBalancer: LoadBalancerThread;
let env: EcsEnvironment;
let runtime: LocalRuntime;
let production: string;
let testUrl: string;

async function version(url: string): Promise<{ status: number; version?: string }> {
  const response = await fetch(url);
  const text = await response.text();
  return { status: response.status, version: (JSON.parse(text) as { version?: string }).version };
}

/** Sends `count` requests, `concurrency` at a time, and counts the answers by version and status. */
async function traffic(url: string, count: number, concurrency = 8) {
  const versions = new Map<string, number>();
  let failed = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        try {
          const answer = await version(url);
          if (answer.status !== 200) failed++;
          versions.set(answer.version ?? '?', (versions.get(answer.version ?? '?') ?? 0) + 1);
        } catch {
          failed++;
        }
      }
    }),
  );
  return { versions, failed };
}

async function deploy(versionDir: string, config: string) {
  const deploymentId = `d-REAL${versionDir.toUpperCase().padStart(5, '0')}`;
  await runtime.startDeployment(ECS_FLOW, {
    deploymentId,
    ...NAMES,
    revision: localAppSpecRevision(join(EXAMPLES, versionDir, 'appspec.yaml')),
    deploymentConfigName: config,
  });
  return { deploymentId, outcome: runtime.outcome(deploymentId)! };
}

async function productionWeights(): Promise<Record<string, number>> {
  const listener =
    env.deploymentGroup(SPEC).loadBalancerInfo!.targetGroupPairInfoList![0]!.prodTrafficRoute!
      .listenerArns![0]!;
  return Object.fromEntries(
    (await env.listeners.getForwardAction(listener)).map((t) => [t.targetGroup, t.weight]),
  );
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'stepdeploy-ecs-'));
  loadBalancer = await LoadBalancerThread.start();
  env = await openEcsEnvironment({ stateDir, loadBalancer });
  runtime = await createLocalRuntime({
    clock: new ScaledClock(60),
    ports: env.ports,
    settings: { trafficPollSeconds: 15, trafficTimeoutSeconds: 1800 },
  });
  env.connect(runtime);
  const created = await env.ensureService(SPEC, join(EXAMPLES, 'v1', 'appspec.yaml'));
  expect(created.created).toBe(true);
  production = created.listeners.production;
  testUrl = created.listeners.test!;
  await runtime.deps.store.putDeploymentGroup({
    ...NAMES,
    deploymentGroupId: 'dg-web',
    ...env.deploymentGroup(SPEC),
  });
}, 60_000);

afterAll(async () => {
  await env?.close();
  await loadBalancer?.stop();
  await runtime?.dispose();
  const left = stateDir ? ecsTaskProcesses(stateDir) : [];
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  expect(left).toEqual([]);
});

describe('the local ECS service', () => {
  it('creates the service with its first version, all traffic on it, through both listeners', async () => {
    expect(await version(production)).toEqual({ status: 200, version: '1' });
    expect(await version(testUrl)).toEqual({ status: 200, version: '1' });
    expect(ecsTaskProcesses(stateDir)).toHaveLength(2);
    expect(await env.taskSets(SPEC)).toEqual([
      expect.objectContaining({ status: 'PRIMARY', runningCount: 2, productionWeight: 100, testWeight: 100 }),
    ]);
  });

  it('serves the canary its weight of production during the bake, then only the new version', async () => {
    const { outcome } = await deploy('v2', 'CodeDeployDefault.ECSCanary10Percent5Minutes');
    for (let i = 0; i < 400; i++) {
      const weights = await productionWeights();
      if (weights['web-green'] === 10) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await productionWeights()).toEqual({ 'web-blue': 90, 'web-green': 10 });
    // Batches of 100 while the bake lasts (5 s here): a batch counts only if the canary step was
    // still on after it, so every counted request was sent during the bake, however loaded the
    // machine is (a busy one sends fewer, and the tolerance widens with it).
    const versions = new Map<string, number>();
    let failed = 0;
    let n = 0;
    while (n < 1500) {
      const batch = await traffic(production, 100);
      const weights = await productionWeights();
      if (weights['web-green'] !== 10) break;
      n += 100;
      failed += batch.failed;
      for (const [v, count] of batch.versions) versions.set(v, (versions.get(v) ?? 0) + count);
    }
    expect(n, 'requests sent during the five-second canary bake').toBeGreaterThanOrEqual(300);
    const share = (versions.get('2') ?? 0) / n;
    // 4.5 standard deviations of a binomial share: a correct 10 % fails this about once in 150,000 runs.
    const tolerance = 4.5 * Math.sqrt((0.1 * 0.9) / n);
    console.log(
      `canary step: ${versions.get('2') ?? 0} of ${n} requests on version 2 (${(share * 100).toFixed(1)}%, tolerance ±${(tolerance * 100).toFixed(1)} points), ${failed} failed`,
    );
    expect(failed).toBe(0);
    expect(Math.abs(share - 0.1)).toBeLessThanOrEqual(tolerance);
    expect((versions.get('1') ?? 0) + (versions.get('2') ?? 0)).toBe(n);

    const result = await outcome;
    expect(result.status).toBe('SUCCEEDED');
    const after = await traffic(production, 50);
    expect([...after.versions]).toEqual([['2', 50]]);
    expect(ecsTaskProcesses(stateDir)).toHaveLength(2);
    expect(await env.taskSets(SPEC)).toEqual([
      expect.objectContaining({
        status: 'PRIMARY',
        targetGroup: 'web-green',
        productionWeight: 100,
        testWeight: 100,
      }),
    ]);
  }, 60_000);

  it('rolls back a version whose AfterAllowTestTraffic hook fails before production ever reaches it', async () => {
    const before = await env.taskSets(SPEC);
    const { deploymentId, outcome } = await deploy('v3', 'CodeDeployDefault.ECSAllAtOnce');
    let done = false;
    const seen = new Map<string, number>();
    let failed = 0;
    const load = (async () => {
      while (!done) {
        const batch = await traffic(production, 20, 4);
        failed += batch.failed;
        for (const [v, count] of batch.versions) seen.set(v, (seen.get(v) ?? 0) + count);
      }
    })();
    const result = await outcome;
    done = true;
    await load;
    const record = await runtime.deps.store.getDeployment(deploymentId);
    expect(result.status).toBe('FAILED');
    expect(record?.errorInformation?.code).toBe('HOOK_EXECUTION_FAILURE');
    expect(
      record?.lifecycleEvents?.find((e) => e.lifecycleEventName === 'AfterAllowTestTraffic')?.status,
    ).toBe('Failed');
    expect([...seen.keys()]).toEqual(['2']);
    expect(failed).toBe(0);
    expect(await env.taskSets(SPEC)).toEqual(before);
    expect(await version(testUrl)).toEqual({ status: 200, version: '2' });
    expect(ecsTaskProcesses(stateDir)).toHaveLength(2);
  }, 60_000);

  it('is there again for the next process: same listener ports, task sets and weights, tasks restarted', async () => {
    const before = await env.taskSets(SPEC);
    await env.close();
    await loadBalancer.stop();
    expect(ecsTaskProcesses(stateDir)).toEqual([]);

    loadBalancer = await LoadBalancerThread.start();
    env = await openEcsEnvironment({ stateDir, loadBalancer });
    env.connect(runtime);
    const again = await env.ensureService(SPEC, join(EXAMPLES, 'v1', 'appspec.yaml'));
    expect(again).toEqual({ created: false, listeners: { production, test: testUrl } });
    for (let i = 0; i < 200 && (await traffic(production, 1, 1)).failed > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const answers = await traffic(production, 20, 2);
    expect(answers.failed).toBe(0);
    expect([...answers.versions]).toEqual([['2', 20]]);
    expect((await env.taskSets(SPEC)).map(({ runningCount: _running, ...taskSet }) => taskSet)).toEqual(
      before.map(({ runningCount: _running, ...taskSet }) => taskSet),
    );
    expect(ecsTaskProcesses(stateDir)).toHaveLength(2);
  }, 60_000);
});
