/**
 * Every branch of statemachines/server-blue-green.asl.yaml on the embedded engine, in compressed time
 * (VirtualClock): simulated instances behind the SSM transport, a simulated ELB target group with
 * AWS's default timings, and a simulated Auto Scaling that copies the group's Auto Scaling group
 * (instances in service 90 s after the copy). Waits of an hour take milliseconds, so the ready wait's
 * expiry, a continue in the middle of a wait, an alarm during the termination wait and a stop are
 * each one deployment. The same flows on real hosts behind the real local load balancer, under load,
 * are in server-blue-green.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BlueGreenDeploymentConfiguration } from '../../../functions/domain/codedeploy-shapes.js';
import { STEP_FUNCTIONS_HISTORY_LIMIT } from '../../../functions/domain/history-events.js';
import type { InstanceTargetRecord } from '../../../functions/ports/records.js';
import {
  FLEET_AUTO_SCALING_GROUP,
  openSimulatedBlueGreenFleet,
  type BlueGreenFleetOptions,
  type SimulatedBlueGreenFleet,
} from '../../../local/simulate/blue-green-fleet.js';
import { FLEET_TARGET_GROUP } from '../../../local/simulate/server-fleet.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const fleets: SimulatedBlueGreenFleet[] = [];
afterEach(async () => {
  for (const fleet of fleets.splice(0)) await fleet.dispose();
});

const COPY = { greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' } } as const;

function options(blueGreen: BlueGreenDeploymentConfiguration, more: Partial<BlueGreenFleetOptions> = {}) {
  return {
    instances: 3,
    deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
    blueGreen: { ...COPY, ...blueGreen },
    ...more,
  };
}

async function fleetOf(opts: BlueGreenFleetOptions): Promise<SimulatedBlueGreenFleet> {
  const fleet = await openSimulatedBlueGreenFleet(opts);
  fleets.push(fleet);
  return fleet;
}

/** Runs `fn` when `seconds` of simulated time have passed (the clock holds still while it runs). */
function at<T>(fleet: SimulatedBlueGreenFleet, seconds: number, fn: () => Promise<T> | T): Promise<T> {
  return new Promise((resolve, reject) => {
    fleet.clock.setTimer(seconds * 1000, () => {
      void fleet.clock.track(Promise.resolve().then(fn)).then(resolve, reject);
    });
  });
}

async function targets(fleet: SimulatedBlueGreenFleet, deploymentId: string) {
  const all = await fleet.runtime.deps.store.listDeploymentTargets(deploymentId);
  const byLabel = (label: 'Blue' | 'Green') => all.filter((t) => t.instanceLabel === label);
  return { originals: byLabel('Blue'), replacements: byLabel('Green') };
}

const events = (target: InstanceTargetRecord) =>
  Object.fromEntries(target.lifecycleEvents.map((e) => [e.lifecycleEventName, e.status]));

/** Which instances the target group routes to now (registered and healthy). */
async function serving(fleet: SimulatedBlueGreenFleet, ids: readonly string[]): Promise<string[]> {
  const health = await fleet.loadBalancer.describeTargetHealth(FLEET_TARGET_GROUP, ids);
  return ids.filter((id) => health.get(id) === 'healthy');
}

const REPLACEMENT_EVENTS = [
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
];

/** The state of the alarms the simulated CloudWatch answers with (a test sets one to ALARM). */
const alarms = new Map<string, 'OK' | 'ALARM'>();
afterEach(() => alarms.clear());

describe('Server blue/green on the engine', () => {
  it("reroutes at once: installs on a copy of the Auto Scaling group, allows the replacements, blocks the originals, terminates them, and the copy becomes the group's", async () => {
    const fleet = await fleetOf(
      options({
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
      }),
    );
    const run = await fleet.deploy('d-BGENGINE1');
    expect(run.record).toMatchObject({
      status: 'Succeeded',
      deploymentStyle: { deploymentType: 'BLUE_GREEN' },
    });
    const { originals, replacements } = await targets(fleet, 'd-BGENGINE1');
    expect(originals.map((t) => t.targetId).sort()).toEqual([...fleet.originals].sort());
    expect(replacements).toHaveLength(3);
    for (const original of originals) {
      expect(events(original)).toEqual({
        BeforeBlockTraffic: 'Succeeded',
        BlockTraffic: 'Succeeded',
        AfterBlockTraffic: 'Succeeded',
      });
    }
    for (const replacement of replacements) {
      expect(replacement.lifecycleEvents.map((e) => e.lifecycleEventName)).toEqual(REPLACEMENT_EVENTS);
      expect(replacement.status).toBe('Succeeded');
    }
    // The replacements' events ran before the originals left: the reroute is allow, then block.
    const lastAllowed = Math.max(
      ...replacements.map((t) =>
        Date.parse(t.lifecycleEvents.find((e) => e.lifecycleEventName === 'AllowTraffic')!.endTime!),
      ),
    );
    const firstBlocked = Math.min(
      ...originals.map((t) =>
        Date.parse(t.lifecycleEvents.find((e) => e.lifecycleEventName === 'BlockTraffic')!.startTime!),
      ),
    );
    expect(lastAllowed).toBeLessThanOrEqual(firstBlocked);
    expect(
      await serving(
        fleet,
        replacements.map((t) => t.targetId),
      ),
    ).toHaveLength(3);
    expect(await serving(fleet, fleet.originals)).toEqual([]);
    // TERMINATE on a copied group deletes the original group (its instances go with it).
    expect(fleet.autoScaling.deletedGroups).toEqual([FLEET_AUTO_SCALING_GROUP]);
    const group = await fleet.runtime.deps.store.getDeploymentGroup('fleet', 'web');
    expect(group?.autoScalingGroups).toEqual([{ name: 'CodeDeploy_web_d-BGENGINE1' }]);
    // The waits never started: no ready wait, and a termination wait of 0.
    expect(run.record.instanceTerminationWaitTimeStarted).toBe(false);
  });

  it('waits for ContinueDeployment READY_WAIT: Ready meanwhile, replacements Ready and the originals still serving; then reroutes', async () => {
    const fleet = await fleetOf(
      options({
        deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 60 },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
      }),
    );
    const { done } = fleet.start('d-BGENGINE2');
    const during = await at(fleet, 30 * 60, async () => {
      const record = await fleet.runtime.deps.deployments.getDeployment('d-BGENGINE2');
      const { replacements } = await targets(fleet, 'd-BGENGINE2');
      const state = {
        status: record?.status,
        overviewReady: record?.deploymentOverview?.Ready,
        replacements: replacements.map((t) => t.status),
        originalsServing: (await serving(fleet, fleet.originals)).length,
      };
      // Waiting for the wrong wait is refused: this deployment waits to reroute.
      const wrong = await fleet.runtime.continueDeployment('d-BGENGINE2', 'TERMINATION_WAIT').then(
        () => 'continued',
        (error: Error) => error.name,
      );
      await fleet.runtime.continueDeployment('d-BGENGINE2', 'READY_WAIT');
      return { ...state, wrong };
    });
    expect(during).toEqual({
      status: 'Ready',
      overviewReady: 3,
      replacements: ['Ready', 'Ready', 'Ready'],
      originalsServing: 3,
      wrong: 'DeploymentIsNotInReadyStateException',
    });
    const run = await done;
    expect(run.record.status).toBe('Succeeded');
    // Continued after 30 minutes, well before the hour was up.
    expect(run.simulatedSeconds).toBeGreaterThan(30 * 60);
    expect(run.simulatedSeconds).toBeLessThan(45 * 60);
  });

  it('stops when the ready wait runs out: Stopped (TIMEOUT), the originals untouched and serving, the copy deleted', async () => {
    const fleet = await fleetOf(
      options({
        deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 20 },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
      }),
    );
    const run = await fleet.deploy('d-BGENGINE3');
    expect(run.record).toMatchObject({ status: 'Stopped', errorInformation: { code: 'TIMEOUT' } });
    expect(run.simulatedSeconds).toBeGreaterThanOrEqual(20 * 60);
    const { originals, replacements } = await targets(fleet, 'd-BGENGINE3');
    // Nothing ran on the originals, and they never left the target group.
    for (const original of originals) expect(events(original)).toMatchObject({ BlockTraffic: 'Skipped' });
    expect(await serving(fleet, fleet.originals)).toHaveLength(3);
    expect(replacements.map((t) => events(t).AllowTraffic)).toEqual(['Skipped', 'Skipped', 'Skipped']);
    expect(fleet.autoScaling.deletedGroups).toEqual(['CodeDeploy_web_d-BGENGINE3']);
    expect(fleet.autoScaling.terminated.sort()).toEqual(replacements.map((t) => t.targetId).sort());
    expect(run.record.rollbackInfo?.rollbackMessage).toMatch(
      /replacement fleet CodeDeploy_web_d-BGENGINE3 \(3 instance\(s\)\) was removed/,
    );
    const group = await fleet.runtime.deps.store.getDeploymentGroup('fleet', 'web');
    expect(group?.autoScalingGroups).toEqual([{ name: FLEET_AUTO_SCALING_GROUP }]);
  });

  it("an alarm during the termination wait sends traffic back to the originals (their AllowTraffic, the replacements' BlockTraffic) and removes the copy", async () => {
    const fleet = await fleetOf(
      options(
        {
          deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
          terminateBlueInstancesOnDeploymentSuccess: {
            action: 'TERMINATE',
            terminationWaitTimeInMinutes: 120,
          },
        },
        {
          group: {
            alarmConfiguration: {
              enabled: true,
              ignorePollAlarmFailure: false,
              alarms: [{ name: 'errors' }],
            },
          },
          alarms: { describeAlarms: async (names) => new Map(names.map((n) => [n, alarms.get(n) ?? 'OK'])) },
        },
      ),
    );
    const { done } = fleet.start('d-BGENGINE4');
    const during = await at(fleet, 60 * 60, async () => {
      const record = await fleet.runtime.deps.deployments.getDeployment('d-BGENGINE4');
      const { replacements } = await targets(fleet, 'd-BGENGINE4');
      const state = {
        status: record?.status,
        waitStarted: record?.instanceTerminationWaitTimeStarted,
        replacementsServing: (
          await serving(
            fleet,
            replacements.map((t) => t.targetId),
          )
        ).length,
        originalsServing: (await serving(fleet, fleet.originals)).length,
      };
      alarms.set('errors', 'ALARM');
      await fleet.runtime.onAlarmStateChange('errors', 'ALARM');
      return state;
    });
    expect(during).toEqual({
      status: 'Baking',
      waitStarted: true,
      replacementsServing: 3,
      originalsServing: 0,
    });
    const run = await done;
    expect(run.record).toMatchObject({ status: 'Stopped', errorInformation: { code: 'ALARM_ACTIVE' } });
    // The alarm ended the wait at once, not when its two hours were up.
    expect(run.simulatedSeconds).toBeLessThan(90 * 60);
    const { originals, replacements } = await targets(fleet, 'd-BGENGINE4');
    for (const original of originals) {
      expect(events(original)).toMatchObject({
        BlockTraffic: 'Succeeded',
        BeforeAllowTraffic: 'Succeeded',
        AllowTraffic: 'Succeeded',
        AfterAllowTraffic: 'Succeeded',
      });
    }
    for (const replacement of replacements) {
      expect(events(replacement)).toMatchObject({
        AllowTraffic: 'Succeeded',
        BeforeBlockTraffic: 'Succeeded',
        BlockTraffic: 'Succeeded',
        AfterBlockTraffic: 'Succeeded',
      });
    }
    expect(await serving(fleet, fleet.originals)).toHaveLength(3);
    expect(
      await serving(
        fleet,
        replacements.map((t) => t.targetId),
      ),
    ).toEqual([]);
    expect(fleet.autoScaling.deletedGroups).toEqual(['CodeDeploy_web_d-BGENGINE4']);
    // The originals were never terminated: the rollback came first.
    expect(fleet.autoScaling.terminated.filter((id) => fleet.originals.includes(id))).toEqual([]);
    // The rollback's hooks ran from the revisions of CodeDeploy's rollback column (§2.2).
    const rollbackEvents = fleet.transport.sent.slice(-4).map((c) => c.event);
    expect(rollbackEvents).toEqual([
      'BeforeAllowTraffic',
      'AfterAllowTraffic',
      'BeforeBlockTraffic',
      'AfterBlockTraffic',
    ]);
  });

  it('ContinueDeployment TERMINATION_WAIT ends the termination wait early', async () => {
    const fleet = await fleetOf(
      options({
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
        terminateBlueInstancesOnDeploymentSuccess: {
          action: 'TERMINATE',
          terminationWaitTimeInMinutes: 2880,
        },
      }),
    );
    const { done } = fleet.start('d-BGENGINE5');
    await at(fleet, 60 * 60, () => fleet.runtime.continueDeployment('d-BGENGINE5', 'TERMINATION_WAIT'));
    const run = await done;
    expect(run.record).toMatchObject({ status: 'Succeeded', instanceTerminationWaitTimeStarted: true });
    expect(run.simulatedSeconds).toBeLessThan(2 * 3600);
    expect(fleet.autoScaling.deletedGroups).toEqual([FLEET_AUTO_SCALING_GROUP]);
  });

  it('KEEP_ALIVE leaves the originals running out of the load balancer; no termination wait starts', async () => {
    const fleet = await fleetOf(
      options({
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE', terminationWaitTimeInMinutes: 0 },
      }),
    );
    const run = await fleet.deploy('d-BGENGINE6');
    expect(run.record).toMatchObject({ status: 'Succeeded', instanceTerminationWaitTimeStarted: false });
    expect(fleet.autoScaling.keptAlive.sort()).toEqual([...fleet.originals].sort());
    expect(fleet.autoScaling.terminated).toEqual([]);
    expect(fleet.autoScaling.deletedGroups).toEqual([]);
    expect(await serving(fleet, fleet.originals)).toEqual([]);
    expect(run.record.deploymentStatusMessages?.[0]).toMatch(/kept running \(KEEP_ALIVE\)/);
  });

  it('a replacement failing ValidateService within the health constraints is left out of the reroute; beyond them the deployment fails with the originals serving', async () => {
    const withinFleet = await fleetOf(
      options(
        {
          deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
          terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
        },
        {
          instances: 4,
          deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
          fleet: { fails: (event, id) => event === 'ValidateService' && id.endsWith('00000000') },
        },
      ),
    );
    const within = await withinFleet.deploy('d-BGENGINE7');
    expect(within.record.status).toBe('Succeeded');
    const { replacements } = await targets(withinFleet, 'd-BGENGINE7');
    const failed = replacements.filter((t) => t.status === 'Failed');
    expect(failed.map((t) => events(t).ValidateService)).toEqual(['Failed']);
    expect(events(failed[0]!).AllowTraffic).toBe('Skipped');
    expect(
      await serving(
        withinFleet,
        replacements.map((t) => t.targetId),
      ),
    ).toHaveLength(3);

    const beyondFleet = await fleetOf(
      options(
        {
          deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
          terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
        },
        {
          deploymentConfigName: 'CodeDeployDefault.OneAtATime',
          fleet: { fails: (event) => event === 'ValidateService' },
        },
      ),
    );
    const beyond = await beyondFleet.deploy('d-BGENGINE8');
    expect(beyond.record).toMatchObject({
      status: 'Failed',
      errorInformation: { code: 'HEALTH_CONSTRAINTS' },
    });
    expect(await serving(beyondFleet, beyondFleet.originals)).toHaveLength(3);
    expect(beyondFleet.autoScaling.deletedGroups).toEqual(['CodeDeploy_web_d-BGENGINE8']);
    // OneAtATime stopped at the first failed replacement.
    expect(beyondFleet.transport.sent.filter((c) => c.event === 'ValidateService')).toHaveLength(1);
  });

  it('StopDeployment during the install stops at once and removes the copy; the originals never moved', async () => {
    const fleet = await fleetOf(
      options(
        {
          deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
          terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
        },
        { fleet: { eventSeconds: () => 600 } },
      ),
    );
    const { done } = fleet.start('d-BGENGINE9');
    await at(fleet, 95 + 600 * 2 + 60, () =>
      fleet.runtime.stopDeployment('d-BGENGINE9', { autoRollbackEnabled: true }),
    );
    const run = await done;
    expect(run.record).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' } });
    expect(await serving(fleet, fleet.originals)).toHaveLength(3);
    expect(fleet.autoScaling.deletedGroups).toEqual(['CodeDeploy_web_d-BGENGINE9']);
    const { replacements } = await targets(fleet, 'd-BGENGINE9');
    expect(replacements.map((t) => events(t).BeforeInstall)).toEqual(['Failed', 'Failed', 'Failed']);
  });

  it("keeps the parent's history the same whatever the fleet (3 or 12 instances, OneAtATime, ELB timings), every child far below the limit", async () => {
    const parentHistory = async (instances: number, deploymentId: string) => {
      const fleet = await fleetOf(
        options(
          {
            deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
            terminateBlueInstancesOnDeploymentSuccess: {
              action: 'TERMINATE',
              terminationWaitTimeInMinutes: 0,
            },
          },
          { instances, deploymentConfigName: 'CodeDeployDefault.OneAtATime' },
        ),
      );
      const run = await fleet.deploy(deploymentId);
      expect(run.record.status).toBe('Succeeded');
      for (const execution of run.executions) {
        expect(execution.historyEvents).toBeLessThan(STEP_FUNCTIONS_HISTORY_LIMIT / 2);
      }
      return run.executions.find((e) => e.parent === undefined)!.historyEvents;
    };
    // One child execution per phase (install, allow, block): the per-instance work is theirs.
    expect(await parentHistory(12, 'd-BGENGINEB')).toBe(await parentHistory(3, 'd-BGENGINEA'));
  }, 120_000);
});
