/**
 * Server in-place deployments to simulated fleets, on the real parent and child state machines, in
 * compressed time: the history each execution writes (counted by the engine with Step Functions'
 * figures) against the estimate the steps budget with, child executions taking over when a child's
 * history is used up, the minimum-healthy-hosts rules across them, and the defects that only show
 * at scale or on AWS (a lost completion event, a stopped instance behind the load balancer).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  getPredefinedConfig,
  type DeploymentConfigInfo,
} from '../../../functions/domain/deployment-configs.js';
import {
  CHILD_HISTORY,
  batchHistoryEvents,
  worstBatchHistoryEvents,
} from '../../../functions/domain/server-batch-history.js';
import { trafficPollBound } from '../../../functions/domain/target-polls.js';
import { DEFAULT_SETTINGS } from '../../../functions/steps/deps.js';
import { eventTimeoutSeconds } from '../../../functions/steps/run-lifecycle-event.js';
import {
  afterResult,
  createServerSchedule,
  markStarted,
  nextAction,
  advanceWave,
  type ServerSchedule,
} from '../../../functions/domain/server-plan.js';
import { eventKind } from '../../../functions/steps/next-batch.js';
import {
  fleetInstanceIds,
  openSimulatedFleet,
  type FleetOptions,
  type SimulatedFleet,
} from '../../../local/simulate/server-fleet.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const fleets: SimulatedFleet[] = [];
afterEach(async () => {
  for (const fleet of fleets.splice(0)) await fleet.dispose();
});

async function fleetOf(options: FleetOptions): Promise<SimulatedFleet> {
  const fleet = await openSimulatedFleet(options);
  fleets.push(fleet);
  return fleet;
}

const config = (name: string): DeploymentConfigInfo => {
  const found = getPredefinedConfig(name);
  if (!found) throw new Error(`no ${name}`);
  return found;
};

/** The outcome server-plan.ts's list scheduler gives the same fleet and failures, batch after batch. */
function expectedOutcome(instanceIds: readonly string[], configName: string, failing: ReadonlySet<string>) {
  let schedule: ServerSchedule = createServerSchedule(
    instanceIds.map((id) => ({ id, health: 'Unhealthy' as const })),
    config(configName),
  );
  for (;;) {
    const action = nextAction(schedule);
    if (action.kind === 'done') return { outcome: action.outcome, schedule };
    if (action.kind === 'next-wave') {
      schedule = advanceWave(schedule);
      continue;
    }
    if (action.kind !== 'start') throw new Error('batches run to completion');
    schedule = markStarted(schedule, action.instanceIds);
    for (const id of action.instanceIds)
      schedule = afterResult(schedule, id, failing.has(id) ? 'Failed' : 'Succeeded');
  }
}

describe('history events: the steps budget each child execution as the engine counts it', () => {
  it('a child writes exactly the events the per-state figures give its batches (no load balancer: no polls)', async () => {
    const fleet = await fleetOf({
      instances: 6,
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      loadBalancer: false,
    });
    const run = await fleet.deploy('d-HISTORY01');
    expect(run.record.status).toBe('Succeeded');
    const [child] = run.executions.filter((e) => e.stateMachineName === 'server-batches');
    const events = run.record.computePlatform === 'Server' ? (run.record.serverLifecycleEvents ?? []) : [];
    expect(events).toHaveLength(7);
    const perBatch = batchHistoryEvents(events.map(eventKind), { script: 0, traffic: 0 });
    expect(child?.historyEvents).toBe(CHILD_HISTORY.run + 6 * perBatch);
  });

  it('with a load balancer (polls at ELB default timings), the recorded estimate plus the run is the count', async () => {
    const fleet = await fleetOf({
      instances: 4,
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      loadBalancer: true,
    });
    const run = await fleet.deploy('d-HISTORY02');
    expect(run.record.status).toBe('Succeeded');
    const [child] = run.executions.filter((e) => e.stateMachineName === 'server-batches');
    const estimate =
      run.record.computePlatform === 'Server' ? run.record.currentRun?.historyEvents : undefined;
    expect(estimate).toBeGreaterThan(0);
    expect(child?.historyEvents).toBe((estimate ?? 0) + CHILD_HISTORY.run);
    // ELB's 300 s drain and 150 s to turn healthy, each looked at about once, not every 15 s.
    const perInstance = run.simulatedSeconds / 4;
    expect(perInstance).toBeGreaterThanOrEqual(450);
    expect(perInstance).toBeLessThan(600);
  });

  it('hands over to a new child before a batch might not fit, and no execution passes its budget', async () => {
    const budget = 2_500;
    const fleet = await fleetOf({
      instances: 120,
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      loadBalancer: true,
      store: 'memory',
      settings: { childHistoryBudget: budget },
    });
    const run = await fleet.deploy('d-HISTORY03');
    expect(run.record.status).toBe('Succeeded');
    const children = run.executions.filter((e) => e.stateMachineName === 'server-batches');
    const parent = run.executions.find((e) => e.stateMachineName === 'server-in-place');
    expect(children.length).toBeGreaterThan(10);
    for (const child of children) expect(child.historyEvents).toBeLessThanOrEqual(budget);
    // Every child but the last ended because its next batch, at its worst, might not have fitted:
    // what it wrote plus that worst case passes the budget (the estimate is not wildly high).
    const record = run.record.computePlatform === 'Server' ? run.record : undefined;
    const worst = worstBatchHistoryEvents(
      (record?.serverLifecycleEvents ?? []).map((name) => {
        const kind = eventKind(name);
        const timeoutSeconds =
          kind === 'script'
            ? eventTimeoutSeconds([record?.appSpec], name)
            : DEFAULT_SETTINGS.trafficTimeoutSeconds;
        return {
          kind,
          timeoutSeconds,
          pollSeconds: Math.min(DEFAULT_SETTINGS.eventPollSeconds, timeoutSeconds),
        };
      }),
      trafficPollBound(DEFAULT_SETTINGS.trafficTimeoutSeconds, DEFAULT_SETTINGS.trafficPollSeconds),
    );
    for (const child of children.slice(0, -1)) expect(child.historyEvents + worst).toBeGreaterThan(budget);
    // The parent: a few fixed states, then ten events per child.
    expect(parent?.historyEvents).toBeLessThan(100 + 10 * children.length);
    const targets = await run.runtime.deps.store.listDeploymentTargets('d-HISTORY03');
    expect(targets.filter((t) => t.status === 'Succeeded')).toHaveLength(120);
  });
});

describe('records that do not grow with the fleet', () => {
  it('reads all the targets once, at the end, never per command or per batch; no instance list rides in a state', async () => {
    const fleet = await fleetOf({
      instances: 200,
      deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
      loadBalancer: true,
      store: 'memory',
    });
    const store = fleet.runtime.deps.store;
    const list = store.listDeploymentTargets.bind(store);
    let listed = 0;
    store.listDeploymentTargets = async (deploymentId) => {
      listed++;
      return list(deploymentId);
    };
    const payloads: string[] = [];
    fleet.runtime.engine.subscribe((event) => {
      if (event.type === 'StateExited') payloads.push(JSON.stringify(event.output ?? null));
    });
    const run = await fleet.deploy('d-NOREREAD1');
    expect(run.record.status).toBe('Succeeded');
    // 200 never-deployed instances in two batches of 100 (two commands per script event): Finish alone lists them.
    expect(fleet.transport.sent.length).toBeGreaterThan(40);
    expect(listed).toBe(1);
    const ids = fleetInstanceIds(200);
    expect(payloads.some((payload) => ids.some((id) => payload.includes(id)))).toBe(false);
    expect(Math.max(...payloads.map((payload) => payload.length))).toBeLessThan(4_000);
  });
});

describe('the minimum-healthy-hosts rules hold across child executions', () => {
  it.each([
    ['CodeDeployDefault.OneAtATime', [87]],
    ['CodeDeployDefault.OneAtATime', [99]],
    ['CodeDeployDefault.HalfAtATime', [3, 10, 50, 51, 60, 61, 62, 70, 71, 72, 80, 81, 82, 90, 91, 92]],
    ['CodeDeployDefault.HalfAtATime', [3, 10, 50]],
    ['CodeDeployDefault.AllAtOnce', Array.from({ length: 99 }, (_, k) => k)],
  ] as const)(
    '%s with instances %j failing ends as the list scheduler says',
    async (configName, failingIndexes) => {
      const ids = fleetInstanceIds(100);
      const failing = new Set(failingIndexes.map((k) => ids[k] as string));
      const fleet = await fleetOf({
        instances: 100,
        deploymentConfigName: configName,
        loadBalancer: false,
        store: 'memory',
        settings: { childHistoryBudget: 1_500 },
        fleet: { fails: (event, id) => event === 'AfterInstall' && failing.has(id) },
      });
      const run = await fleet.deploy('d-RULES0001');
      const { outcome, schedule } = expectedOutcome(ids, configName, failing);
      expect(run.record.status).toBe(outcome.status);
      if (outcome.status !== 'Succeeded') expect(run.record.errorInformation?.code).toBe(outcome.errorCode);
      const targets = await run.runtime.deps.store.listDeploymentTargets('d-RULES0001');
      const statuses = Object.fromEntries(targets.map((t) => [t.targetId, t.status]));
      expect(statuses).toEqual(Object.fromEntries(schedule.instances.map((i) => [i.id, i.status])));
    },
  );
});

describe('defects only AWS showed', () => {
  it('a lost SSM completion event costs one poll interval, not the event hour', async () => {
    const fleet = await fleetOf({
      instances: 2,
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      loadBalancer: false,
      // Every command's completion event is lost: only the bounded poll sees the results.
      fleet: { dropsCompletion: () => true },
      settings: { eventPollSeconds: 120 },
    });
    const run = await fleet.deploy('d-LOSTEVT01');
    expect(run.record.status).toBe('Succeeded');
    // Seven events, each found done at its first poll (2 minutes), where the wait would otherwise
    // have lasted the event's timeout (3,900 s here).
    expect(run.simulatedSeconds).toBe(7 * 120);
  });

  it('a stopped instance that RegisterTargets refuses fails alone; the rest of its batch is registered', async () => {
    const ids = fleetInstanceIds(6);
    const stopped = ids[2] as string;
    const fleet = await fleetOf({
      instances: 6,
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      loadBalancer: true,
      stoppedInstances: [stopped],
    });
    const run = await fleet.deploy('d-STOPPED01');
    expect(run.record.status).toBe('Succeeded');
    const targets = await run.runtime.deps.store.listDeploymentTargets('d-STOPPED01');
    const byId = new Map(targets.map((t) => [t.targetId, t]));
    expect(byId.get(stopped)?.status).toBe('Failed');
    const allow = byId.get(stopped)?.lifecycleEvents.find((e) => e.lifecycleEventName === 'AllowTraffic');
    expect(allow?.status).toBe('Failed');
    expect(allow?.diagnostics?.message).toContain('not in a running state');
    for (const id of ids.filter((id) => id !== stopped)) expect(byId.get(id)?.status).toBe('Succeeded');
    const health = await run.loadBalancer?.describeTargetHealth('web-tg', ids);
    expect([...(health ?? new Map()).entries()].filter(([, state]) => state === 'healthy')).toHaveLength(5);
  });
});

describe('an execution that ends outside its own Catch (a Stop in the console, its timeout)', () => {
  it("registers again the instances it had taken out of service, fails the deployment and starts the group's rollback", async () => {
    let stopParent: (() => void) | undefined;
    const fleet = await fleetOf({
      instances: 3,
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      loadBalancer: true,
      store: 'memory',
      group: { autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] } },
      fleet: {
        // The second deployment is stopped in the console as soon as its first instance, out of the
        // load balancer, starts ApplicationStop.
        onCommand: (event) => {
          if (event === 'ApplicationStop') stopParent?.();
        },
      },
    });
    const first = await fleet.deploy('d-GOOD00001');
    expect(first.record.status).toBe('Succeeded');
    stopParent = () => {
      stopParent = undefined;
      void Promise.resolve().then(() =>
        fleet.runtime.engine.stopExecution('server-in-place', 'd-ABORTED01', {
          error: 'Stopped',
          cause: 'console',
        }),
      );
    };
    const run = await fleet.deploy('d-ABORTED01');
    expect(run.executions.find((e) => e.executionName === 'd-ABORTED01')?.status).toBe('ABORTED');
    expect(run.executions.find((e) => e.stateMachineName === 'server-batches')?.status).toBe('ABORTED');
    expect(run.record.status).toBe('Failed');
    expect(run.record.errorInformation?.code).toBe('INTERNAL_ERROR');
    // The instance that was drained for its install is registered again, not left out of service.
    const [drained] = fleetInstanceIds(3);
    const states = await run.loadBalancer?.describeTargetHealth('web-tg', fleetInstanceIds(3));
    expect(states?.get(drained as string)).not.toBe('unused');
    // The group asks for a rollback on failure: a new deployment of the last successful revision.
    const rollbackId = run.record.rollbackInfo?.rollbackDeploymentId;
    expect(rollbackId).toMatch(/^d-[A-Z0-9]{9}$/);
    expect(run.record.rollbackInfo?.rollbackMessage).toBe(
      `Deployment ${rollbackId} is triggered to roll back deployment d-ABORTED01.`,
    );
    const rollback = await fleet.runtime.outcome(rollbackId as string);
    expect(rollback?.status).toBe('SUCCEEDED');
    const rolledBack = await fleet.runtime.deps.deployments.getDeployment(rollbackId as string);
    expect(rolledBack).toMatchObject({
      status: 'Succeeded',
      creator: 'codeDeployRollback',
      rollbackInfo: { rollbackTriggeringDeploymentId: 'd-ABORTED01' },
    });
    expect(await fleet.runtime.deps.groupLocks.getGroupLockHolder('fleet', 'web')).toBeUndefined();
  });
});
