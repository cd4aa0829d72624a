/**
 * The ECS part of `npm run demo` (`npm run demo -- --only ecs` runs it alone): the service of
 * examples/ecs on the local ECS service (tasks are processes behind a production and a test
 * listener), deployed the way `stepdeploy deploy DIR` deploys it, through a server of its own whose
 * clock runs 60 times faster (a minute lasts a second; processes, health checks and traffic run in
 * real time):
 *   1. version 1 creates the service (two tasks, all traffic on them);
 *   2. version 2 with CodeDeployDefault.ECSCanary10Percent5Minutes while a load generator sends
 *      requests to the production listener: the requests each task set served at each traffic step;
 *   3. version 3, whose AfterAllowTestTraffic hook (a smoke test through the test listener) fails:
 *      it is rolled back before any production request reaches it.
 */
import { join } from 'node:path';
import pc from 'picocolors';
import { runEcsDeployment, type EcsDeploymentView } from '../cli/deploy/ecs-deploy.js';
import { appSpecFileIn, readEcsRevision } from '../cli/deploy/ecs-revision.js';
import { STOP_WITHIN_MS, wasInterrupted } from '../cli/interrupt.js';
import { startOwnServer, type ServiceConnection } from '../cli/service.js';
import type { EcsEnvironment } from '../local/ecs/ecs-environment.js';
import { stopEcsTaskProcesses } from '../local/ecs/task-processes.js';
import { ScaledClock } from '../local/engine/index.js';
import { LoadGenerator } from './load-generator.js';

const EXAMPLES = join(import.meta.dirname, '..', 'examples', 'ecs');
const SERVICE = 'example-web';
const CANARY = 'CodeDeployDefault.ECSCanary10Percent5Minutes';
/** Simulated seconds per real second: the five-minute canary bake lasts five seconds. */
const SPEED = 60;

interface Step {
  /** Percent of production on the original and on the replacement target group. */
  original: number;
  replacement: number;
  /** Served requests by version, and failures, when the step began. */
  servedAtStart: Record<string, number>;
  failedAtStart: number;
}

export interface EcsDemo {
  run(): Promise<boolean>;
  cleanUp(): Promise<void>;
}

export function ecsDemo(workDir: string, live: boolean): EcsDemo {
  const stateDir = join(workDir, 'ecs-state');
  let connection: ServiceConnection | undefined;
  let load: LoadGenerator | undefined;

  const deploy = (version: string, configName: string) => {
    if (wasInterrupted()) throw new Error('interrupted');
    const file = appSpecFileIn(join(EXAMPLES, version));
    if (!file) throw new Error(`examples/ecs/${version} has no AppSpec`);
    return runEcsDeployment(connection!, {
      applicationName: SERVICE,
      deploymentGroupName: 'demo',
      configName,
      autoRollback: true,
      revision: readEcsRevision(file),
      serviceName: SERVICE,
      testListenerPort: 0,
      terminationWaitMinutes: 0,
      live,
    });
  };

  /** Watches the production listener's weights every 5 ms and notes each change as a step. */
  const trackSteps = (
    listeners: EcsEnvironment['listeners'],
    productionArn: string,
    originalGroup: string,
  ) => {
    const steps: Step[] = [];
    let stopped = false;
    const done = (async () => {
      while (!stopped) {
        // The load balancer closes under it when the demo is interrupted: the watch just ends.
        const forward = await listeners.getForwardAction(productionArn).catch(() => undefined);
        if (!forward) return;
        const total = forward.reduce((sum, t) => sum + t.weight, 0) || 1;
        const original = Math.round(
          (100 * forward.filter((t) => t.targetGroup === originalGroup).reduce((s, t) => s + t.weight, 0)) /
            total,
        );
        const last = steps.at(-1);
        if (!last || last.original !== original) {
          steps.push({
            original,
            replacement: 100 - original,
            servedAtStart: load!.servedByVersion(),
            failedAtStart: load!.counts().failed,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    return {
      async stop(): Promise<Step[]> {
        stopped = true;
        await done;
        return steps;
      },
    };
  };

  return {
    async run() {
      connection = await startOwnServer(stateDir, {
        clock: new ScaledClock(SPEED),
        // Virtual seconds: a look at the replacement every 15 s is every 0.25 s of real time.
        settings: { trafficPollSeconds: 15, trafficTimeoutSeconds: 1800 },
      });
      console.log(
        pc.bold(`\nECS: the service ${SERVICE} of examples/ecs, blue/green, time ${SPEED} times faster`),
      );
      console.log(pc.bold('\nversion 1 (creates the service)'));
      const v1 = await deploy('v1', CANARY);
      const { production, test } = v1.listeners;
      console.log(`production listener ${production}, test listener ${test}; 2 tasks per task set`);
      const ecs = await connection.server!.ecs.open();
      const group = ecs.deploymentGroup({ serviceName: SERVICE });
      const pair = group.loadBalancerInfo!.targetGroupPairInfoList![0]!;
      const productionArn = pair.prodTrafficRoute!.listenerArns![0]!;
      const originalGroup = (await ecs.taskSets({ serviceName: SERVICE }))[0]!.targetGroup;

      load = new LoadGenerator(production, { concurrency: 4 });
      load.start();
      console.log(pc.bold(`\nversion 2, ${CANARY}, under load`));
      const tracker = trackSteps(ecs.listeners, productionArn, originalGroup);
      const started = Date.now();
      const v2 = await deploy('v2', CANARY);
      const v2Seconds = (Date.now() - started) / 1000;
      const steps = await tracker.stop();
      const afterV2 = { served: load.servedByVersion(), failed: load.counts().failed };

      console.log(pc.bold('\nversion 3 (its AfterAllowTestTraffic smoke test fails), under load'));
      const v3Started = Date.now();
      const v3 = await deploy('v3', CANARY);
      const v3Seconds = (Date.now() - v3Started) / 1000;
      await load.stop();
      const end = { served: load.servedByVersion(), failed: load.counts().failed };

      const rows = stepRows(steps, afterV2);
      printSummary(rows, v1, v2, v2Seconds, v3, v3Seconds, {
        v3Served: (end.served['3'] ?? 0) - (afterV2.served['3'] ?? 0),
        v2Served: (end.served['2'] ?? 0) - (afterV2.served['2'] ?? 0),
        failed: end.failed - afterV2.failed,
      });
      const canary = rows.find((row) => row.replacement === 10);
      return (
        v1.serviceCreated &&
        v2.status === 'Succeeded' &&
        rows.every((row) => row.failed === 0) &&
        (canary?.served['2'] ?? 0) > 0 &&
        v3.status === 'Failed' &&
        v3.rolledBack &&
        (end.served['3'] ?? 0) === 0 &&
        end.failed === afterV2.failed
      );
    },
    async cleanUp() {
      await load?.stop();
      // Ctrl-C: the running deployment stops as StopDeployment stops it, within the signal's deadline.
      if (wasInterrupted()) await connection?.server?.shutdown({ withinMs: STOP_WITHIN_MS });
      await connection?.close({ abandon: true }).catch(() => {});
      await stopEcsTaskProcesses(stateDir);
    },
  };
}

interface StepRow {
  original: number;
  replacement: number;
  served: Record<string, number>;
  failed: number;
}

/** Each step's requests by version: the counts at the next step's start minus those at its own. */
function stepRows(steps: Step[], end: { served: Record<string, number>; failed: number }): StepRow[] {
  return steps.map((step, index) => {
    const next = steps[index + 1];
    const servedAtEnd = next?.servedAtStart ?? end.served;
    const failedAtEnd = next?.failedAtStart ?? end.failed;
    const versions = new Set([...Object.keys(servedAtEnd), ...Object.keys(step.servedAtStart)]);
    return {
      original: step.original,
      replacement: step.replacement,
      served: Object.fromEntries(
        [...versions].map((v) => [v, (servedAtEnd[v] ?? 0) - (step.servedAtStart[v] ?? 0)]),
      ),
      failed: failedAtEnd - step.failedAtStart,
    };
  });
}

function printSummary(
  rows: StepRow[],
  v1: EcsDeploymentView,
  v2: EcsDeploymentView,
  v2Seconds: number,
  v3: EcsDeploymentView,
  v3Seconds: number,
  v3Traffic: { v3Served: number; v2Served: number; failed: number },
): void {
  console.log(pc.bold('\nECS summary'));
  console.log(
    `version 1: service created (${v1.taskSets[0]?.taskDefinition.replace(/^.*task-definition\//, '')}, all traffic)`,
  );
  const status = v2.status === 'Succeeded' ? pc.green(v2.status) : pc.red(v2.status);
  const definition = (role: string) =>
    v2.taskSets.find((t) => t.role === role)?.taskDefinition.replace(/^.*task-definition\//, '');
  console.log(
    `version 2: ${v2.deploymentId} ${status} in ${v2Seconds.toFixed(1)} s; the original task set runs version 1 (example-web:1), the replacement version 2 (${definition('replacement') ?? '?'}); production requests each served per step:`,
  );
  console.log(
    `  ${'production weights (original / replacement)'.padEnd(44)} ${'version 1'.padStart(10)} ${'version 2'.padStart(10)} ${'failed'.padStart(7)}`,
  );
  for (const row of rows) {
    const label = `${row.original}% / ${row.replacement}%`;
    const step =
      row.replacement === 0
        ? 'before the shift'
        : row.replacement === 100
          ? 'all on the replacement'
          : 'canary';
    console.log(
      `  ${`${label} (${step})`.padEnd(44)} ${String(row.served['1'] ?? 0).padStart(10)} ${String(row.served['2'] ?? 0).padStart(10)} ${String(row.failed).padStart(7)}`,
    );
  }
  const canary = rows.find((row) => row.replacement > 0 && row.replacement < 100);
  if (canary) {
    const total = (canary.served['1'] ?? 0) + (canary.served['2'] ?? 0);
    const share = total ? (100 * (canary.served['2'] ?? 0)) / total : 0;
    console.log(`  during the canary the replacement served ${share.toFixed(1)}% of ${total} requests`);
  }
  const failed = v3.events.find((event) => event.status === 'Failed');
  console.log(
    `version 3: ${v3.deploymentId} ${pc.red(v3.status)} in ${v3Seconds.toFixed(1)} s (${v3.errorCode} at ${failed?.name ?? '?'}), ${v3.rolledBack ? 'rolled back' : 'not rolled back'}: production served version 3 ${v3Traffic.v3Served} times, version 2 ${v3Traffic.v2Served} times, ${v3Traffic.failed} failed`,
  );
}
