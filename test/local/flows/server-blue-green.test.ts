/**
 * Server blue/green end to end on one machine, as `stepdeploy deploy --blue-green` runs it: real
 * local hosts (the webapp example's Node server on each), the real local load balancer on its
 * thread, the real state machines. One harness is shared by the tests, in order: each deployment's
 * replacements are the next one's originals. A steady load runs through the load balancer across
 * every reroute and rollback, and no request may fail. (The ready wait's expiry, which takes a
 * minute at the least here, runs in compressed time in server-blue-green-engine.test.ts.)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostRows } from '../../../cli/commands/hosts.js';
import { LOCAL_5XX_ALARM, LOCAL_TARGET_GROUP } from '../../../cli/deploy/server-platform.js';
import type { BlueGreenSetUpOptions } from '../../../cli/deploy/platform.js';
import type { AlarmState } from '../../../functions/ports/alarms.js';
import { hostsDirectory } from '../../../local/hosts/hosts.js';
import { hostProcesses } from '../../../local/hosts/processes.js';
import { LoadBalancerAlarm } from '../../../local/load-balancer/thread.js';
import { LoadGenerator } from '../../../scripts/load-generator.js';
import {
  ALL_AT_ONCE,
  APPLICATION,
  disposeServerHarnesses,
  GROUP,
  openServerHarness,
  type DeployResult,
  type ServerHarness,
} from './server-harness.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const TIMEOUT = 120_000;
const NOW: BlueGreenSetUpOptions = { keepOriginals: false };

let harness: ServerHarness;
let url: string;
/** The 5xx alarm of the group, replaced by one the tests set off themselves. */
let alarmState: AlarmState = 'OK';
let alarm: LoadBalancerAlarm;

beforeAll(async () => {
  harness = await openServerHarness({ hosts: 2, blueGreen: NOW, alarm5xxRatePercent: 50 });
  const listener = harness.env.loadBalancer;
  if (!listener) throw new Error('no load balancer');
  url = listener.url;
  alarm = new LoadBalancerAlarm(LOCAL_5XX_ALARM, async (method) =>
    method === 'state' ? alarmState : undefined,
  );
  await harness.env.server.alarms.add(alarm);
}, TIMEOUT);
afterAll(disposeServerHarnesses);

function deploy(version: string, blueGreen: BlueGreenSetUpOptions = NOW, edit?: (dir: string) => void) {
  return harness.start(harness.webappRevision(version, edit ? (dir) => edit(dir) : undefined), {
    config: ALL_AT_ONCE,
    blueGreen,
  });
}

/** What the load balancer serves now: the version and the host of one answer. */
async function served(): Promise<{ version: string; host: string }> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await response.json()) as { version: string; host: string };
}

const status = async (deploymentId: string) =>
  (await harness.env.runtime.deps.store.getDeployment(deploymentId))?.status;

/** The deployment's instances of one role. */
function role(result: DeployResult, which: 'original' | 'replacement'): string[] {
  return result.view.instances.filter((i) => i.role === which).map((i) => i.id);
}

/** A host a deployment terminated: no process left, marked in its host.json, its instance deregistered. */
async function expectTerminated(id: string): Promise<void> {
  const root = join(hostsDirectory(harness.stateDir), id, 'root');
  expect(hostProcesses(root, { exact: true })).toEqual([]);
  const file = JSON.parse(readFileSync(join(hostsDirectory(harness.stateDir), id, 'host.json'), 'utf8')) as {
    terminatedAt?: string;
  };
  expect(file.terminatedAt).toBeDefined();
  const instance = await harness.env.runtime.deps.controlPlane.onPremisesInstances.getInstance(id);
  expect(instance?.deregisterTime).toBeDefined();
}

async function underLoad<T>(work: () => Promise<T>): Promise<{ result: T; served: number; failed: number }> {
  const load = new LoadGenerator(url, { concurrency: 2, pauseMs: 10 });
  load.start();
  try {
    const result = await work();
    return { result, ...load.counts() };
  } finally {
    await load.stop();
  }
}

let fleet: string[] = [];

describe('Server blue/green on local hosts behind the local load balancer', () => {
  it(
    'the first deployment makes a replacement per original (new root and port, the same tags), reroutes at once and terminates the originals',
    async () => {
      const { done } = await deploy('v1');
      const result = await done;
      expect(result.view).toMatchObject({
        status: 'Succeeded',
        deploymentType: 'BLUE_GREEN',
        errorCode: null,
      });
      expect(role(result, 'original')).toEqual(['host-1', 'host-2']);
      const replacements = role(result, 'replacement');
      const id = result.record.deploymentId;
      expect(replacements).toEqual([`host-1-${id.slice(2)}`, `host-2-${id.slice(2)}`]);
      const copy = `CodeDeploy_${GROUP}_${id}`;
      for (const [k, name] of replacements.entries()) {
        const instance = await harness.env.runtime.deps.controlPlane.onPremisesInstances.getInstance(name);
        expect(instance?.tags).toEqual([
          { Key: 'Name', Value: `host-${k + 1}` },
          { Key: 'aws:autoscaling:groupName', Value: copy },
        ]);
        expect(harness.host(name).port).not.toBe(harness.env.hosts[k]!.port);
      }
      for (const original of role(result, 'original')) await expectTerminated(original);
      const answer = await served();
      expect(answer.version).toBe('v1');
      expect(replacements).toContain(answer.host);
      const group = await harness.env.runtime.deps.store.getDeploymentGroup(APPLICATION, GROUP);
      expect(group?.autoScalingGroups).toEqual([{ name: copy }]);
      const rows = await hostRows(
        harness.stateDir,
        harness.env.runtime.deps.controlPlane.onPremisesInstances,
      );
      expect(rows.map((row) => [row.id, row.status])).toEqual([
        ['host-1', 'terminated'],
        [replacements[0], 'running'],
        ['host-2', 'terminated'],
        [replacements[1], 'running'],
      ]);
      fleet = replacements;
    },
    TIMEOUT,
  );

  it(
    'under steady load, the reroute from one fleet to the next fails no request',
    async () => {
      const { result, served: ok, failed } = await underLoad(async () => (await deploy('v2')).done);
      expect(result.view.status).toBe('Succeeded');
      expect(role(result, 'original')).toEqual(fleet);
      expect(ok).toBeGreaterThan(50);
      expect(failed).toBe(0);
      expect((await served()).version).toBe('v2');
      fleet = role(result, 'replacement');
    },
    TIMEOUT,
  );

  it(
    'an alarm during the termination wait sends the traffic back to the originals, under load, failing no request; the replacements are removed',
    async () => {
      const {
        result,
        served: ok,
        failed,
      } = await underLoad(async () => {
        const { deploymentId, done } = await deploy('v3', {
          keepOriginals: false,
          terminationWaitMinutes: 1,
        });
        await harness.waitFor('the termination wait', async () => (await status(deploymentId)) === 'Baking');
        expect((await served()).version).toBe('v3');
        alarmState = 'ALARM';
        alarm.changed('ALARM', 'OK');
        return done;
      });
      alarmState = 'OK';
      expect(result.view).toMatchObject({ status: 'Stopped', errorCode: 'ALARM_ACTIVE' });
      expect(result.record.rollbackInfo?.rollbackMessage).toMatch(
        /Traffic is on the 2 original instance\(s\)/,
      );
      expect(failed).toBe(0);
      expect(ok).toBeGreaterThan(50);
      const answer = await served();
      expect(answer.version).toBe('v2');
      expect(fleet).toContain(answer.host);
      for (const replacement of role(result, 'replacement')) await expectTerminated(replacement);
      const original = result.view.instances.find((i) => i.id === fleet[0]);
      expect(original?.events.map((e) => `${e.name}:${e.status}`)).toEqual([
        'BeforeBlockTraffic:Succeeded',
        'BlockTraffic:Succeeded',
        'AfterBlockTraffic:Succeeded',
        'BeforeAllowTraffic:Succeeded',
        'AllowTraffic:Succeeded',
        'AfterAllowTraffic:Succeeded',
      ]);
    },
    TIMEOUT,
  );

  it(
    'the ready wait holds the replacements (Ready) while the originals serve, until ContinueDeployment; SkipWaitTimeForInstanceTermination ends the termination wait',
    async () => {
      const { deploymentId, done } = await deploy('v4', {
        keepOriginals: false,
        readyWaitMinutes: 5,
        terminationWaitMinutes: 5,
      });
      const codedeploy = harness.env.connection.codedeploy;
      await harness.waitFor('the ready wait', async () => (await status(deploymentId)) === 'Ready');
      expect((await served()).version).toBe('v2');
      const ready = await harness.result(deploymentId);
      expect(ready.view.instances.filter((i) => i.role === 'replacement').map((i) => i.status)).toEqual([
        'Ready',
        'Ready',
      ]);
      await codedeploy.send('ContinueDeployment', { deploymentId, deploymentWaitType: 'READY_WAIT' });
      await harness.waitFor('the termination wait', async () => (await status(deploymentId)) === 'Baking');
      expect((await served()).version).toBe('v4');
      await codedeploy.send('SkipWaitTimeForInstanceTermination', { deploymentId });
      const result = await done;
      expect(result.view.status).toBe('Succeeded');
      expect(result.record.instanceTerminationWaitTimeStarted).toBe(true);
      for (const original of fleet) await expectTerminated(original);
      fleet = role(result, 'replacement');
    },
    TIMEOUT,
  );

  it(
    'replacements failing ValidateService: the originals keep serving, under load, and the replacements are removed',
    async () => {
      const { result, failed } = await underLoad(
        async () =>
          (
            await deploy('v5', NOW, (dir) => {
              writeFileSync(join(dir, 'scripts', 'validate.sh'), '#!/bin/sh\necho "v5 is broken"\nexit 1\n');
            })
          ).done,
      );
      expect(result.view).toMatchObject({ status: 'Failed', errorCode: 'HEALTH_CONSTRAINTS' });
      expect(failed).toBe(0);
      expect((await served()).version).toBe('v4');
      for (const replacement of role(result, 'replacement')) {
        expect(
          result.view.instances
            .find((i) => i.id === replacement)
            ?.events.find((e) => e.name === 'ValidateService'),
        ).toMatchObject({
          status: 'Failed',
          errorCode: 'ScriptFailed',
        });
        await expectTerminated(replacement);
      }
      // The originals were never touched: their events were skipped, and they serve as before.
      for (const original of role(result, 'original')) {
        expect(result.view.instances.find((i) => i.id === original)?.status).toBe('Skipped');
        expect(hostProcesses(harness.host(original).root, { exact: true }).length).toBeGreaterThan(0);
      }
    },
    TIMEOUT,
  );

  it(
    'KEEP_ALIVE leaves the originals running, out of the load balancer and the group',
    async () => {
      const result = await (await deploy('v6', { keepOriginals: true })).done;
      expect(result.view.status).toBe('Succeeded');
      expect((await served()).version).toBe('v6');
      const health = await harness.env.server.loadBalancers.describeTargetHealth(LOCAL_TARGET_GROUP, fleet);
      expect(fleet.map((id) => health.get(id))).toEqual(['unused', 'unused']);
      for (const original of fleet) {
        const host =
          harness.env.hosts.find((h) => h.id === original) ??
          (await hostRows(harness.stateDir, harness.env.runtime.deps.controlPlane.onPremisesInstances)).find(
            (r) => r.id === original,
          )!;
        const answer = (await (await fetch(`http://127.0.0.1:${host.port}/`)).json()) as { version: string };
        expect(answer.version).toBe('v4');
        const instance =
          await harness.env.runtime.deps.controlPlane.onPremisesInstances.getInstance(original);
        expect(instance?.deregisterTime).toBeDefined();
        expect(existsSync(join(hostsDirectory(harness.stateDir), original, 'root', 'opt', 'webapp'))).toBe(
          true,
        );
      }
      const rows = await hostRows(
        harness.stateDir,
        harness.env.runtime.deps.controlPlane.onPremisesInstances,
      );
      expect(rows.filter((row) => fleet.includes(row.id)).map((row) => row.status)).toEqual([
        'running',
        'running',
      ]);
    },
    TIMEOUT,
  );
});
