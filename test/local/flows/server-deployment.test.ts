/**
 * Every branch of statemachines/server-in-place.asl.yaml on the embedded runtime, against real local
 * hosts: batches from the config's minimum healthy hosts (reference §3.2, §3.3), the stop and success
 * rules, per-instance per-event records, ApplicationStop from the previous revision (§2.2), automatic
 * rollback as a new deployment (§4.4), StopDeployment, a 5xx alarm, and the load balancer's
 * BlockTraffic/AllowTraffic around each instance (§2.1).
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LifecycleEventRecord } from '../../../functions/ports/records.js';
import { LOCAL_TARGET_GROUP as TARGET_GROUP } from '../../../cli/deploy/server-platform.js';
import {
  ALL_AT_ONCE,
  allWith,
  APPLICATION,
  disposeServerHarnesses,
  eventOf,
  EVENTS_WITH_LB,
  EVENTS_WITHOUT_LB,
  eventStatuses,
  failOn,
  GROUP,
  HALF_AT_A_TIME,
  HEALTH_CONSTRAINTS_MESSAGE,
  openServerHarness,
  stoppedAt,
  WAIT_FOR_RELEASE,
  type DeploymentResult,
  type ServerHarness,
} from './server-harness.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

afterEach(disposeServerHarnesses);

const TIMEOUT = 120_000;
const HOOKS_RUN = ['BeforeInstall', 'AfterInstall', 'ApplicationStart', 'ValidateService'];

const ms = (iso: string | undefined): number => {
  if (iso === undefined) throw new Error('missing time');
  return Date.parse(iso);
};

/** The instance ids of each command sent for `event` in one deployment, in order. */
function batchesOf(harness: ServerHarness, deploymentId: string, event = 'DownloadBundle'): string[][] {
  return harness.commands
    .filter((command) => command.deploymentId === deploymentId && command.event === event)
    .map((command) => command.instanceIds);
}

/** `revision event` pairs a host's hooks recorded for one deployment. */
function ran(harness: ServerHarness, hostId: string, deploymentId: string): string[] {
  return harness
    .events(hostId)
    .filter((e) => e.deploymentId === deploymentId)
    .map((e) => `${e.revision} ${e.event}`);
}

function installedVersion(harness: ServerHarness, hostId: string): string {
  return readFileSync(join(harness.host(hostId).root, 'opt', 'app', 'version.txt'), 'utf8').trim();
}

function firstStart(result: DeploymentResult, hostId: string): number {
  return ms(result.targets.get(hostId)?.lifecycleEvents[0]?.startTime);
}

function lastEnd(result: DeploymentResult, hostId: string): number {
  return ms(result.targets.get(hostId)?.lifecycleEvents.at(-1)?.endTime);
}

describe('batches and lifecycle events', () => {
  it(
    'OneAtATime: one instance at a time; each event recorded with start and end times and its log tail; ApplicationStop runs the previous revision, and not on the first deployment',
    async () => {
      const harness = await openServerHarness({ hosts: 3 });
      const first = await harness.deploy(harness.revision({ name: 'v1' }));

      expect(first.view).toMatchObject({ status: 'Succeeded', errorCode: null, rollbackDeploymentId: null });
      const d1 = first.record.deploymentId;
      // Never deployed to: Unhealthy, in group order, one per batch (min healthy = N - 1).
      expect(batchesOf(harness, d1)).toEqual([['host-1'], ['host-2'], ['host-3']]);
      expect(
        harness.commands.filter((c) => c.deploymentId === d1).every((c) => c.instanceIds.length === 1),
      ).toBe(true);
      expect(lastEnd(first, 'host-1')).toBeLessThanOrEqual(firstStart(first, 'host-2'));
      expect(lastEnd(first, 'host-2')).toBeLessThanOrEqual(firstStart(first, 'host-3'));
      for (const host of ['host-1', 'host-2', 'host-3']) {
        expect(first.targets.get(host)?.status).toBe('Succeeded');
        expect(eventStatuses(first, host)).toEqual(allWith('Succeeded'));
        const events = first.targets.get(host)?.lifecycleEvents ?? [];
        for (const [index, event] of events.entries()) {
          expect(ms(event.startTime)).toBeLessThanOrEqual(ms(event.endTime));
          const next = events[index + 1];
          if (next) expect(ms(event.endTime)).toBeLessThanOrEqual(ms(next.startTime));
        }
        for (const event of HOOKS_RUN) {
          expect(eventOf(first, host, event).diagnostics?.logTail).toContain(
            `[stdout]v1 ${event} on ${host}`,
          );
        }
        // No previous revision on the host: ApplicationStop is a no-op (reference §2.2).
        expect(ran(harness, host, d1)).toEqual(HOOKS_RUN.map((event) => `v1 ${event}`));
        expect(eventOf(first, host, 'ApplicationStop').diagnostics?.logTail ?? '').toBe('');
        expect(installedVersion(harness, host)).toBe('v1');
      }

      const second = await harness.deploy(harness.revision({ name: 'v2' }));

      expect(second.view.status).toBe('Succeeded');
      const d2 = second.record.deploymentId;
      for (const host of ['host-1', 'host-2', 'host-3']) {
        // ApplicationStop comes from the last successful revision; everything after it from v2.
        expect(ran(harness, host, d2)).toEqual([
          'v1 ApplicationStop',
          ...HOOKS_RUN.map((event) => `v2 ${event}`),
        ]);
        expect(eventOf(second, host, 'ApplicationStop').diagnostics?.logTail).toContain(
          `[stdout]v1 ApplicationStop on ${host}`,
        );
        expect(installedVersion(harness, host)).toBe('v2');
      }
      // The view `deploy --json` prints carries the same per-event facts.
      const viewEvent = second.view.instances[0]?.events.find((e) => e.name === 'ValidateService');
      expect(viewEvent).toMatchObject({ status: 'Succeeded', errorCode: null, message: null });
      expect(viewEvent?.durationMs).toBeGreaterThanOrEqual(0);
      expect(viewEvent?.logTail).toContain('[stdout]v2 ValidateService on host-1');
    },
    TIMEOUT,
  );

  it(
    'HalfAtATime on 4 hosts deploys two at a time (ceil(50 %) = 2 must stay healthy); AllAtOnce sends each event to all hosts together',
    async () => {
      const harness = await openServerHarness({ hosts: 4 });
      const half = await harness.deploy(harness.revision({ name: 'v1' }), { config: HALF_AT_A_TIME });

      expect(half.view.status).toBe('Succeeded');
      const d1 = half.record.deploymentId;
      for (const event of EVENTS_WITHOUT_LB) {
        expect(
          batchesOf(harness, d1, event),
          `${event} ${JSON.stringify(half.view.instances.map((i) => [i.id, i.status, i.events.map((e) => [e.name, e.status, e.errorCode, e.message])]))}`,
        ).toEqual([
          ['host-1', 'host-2'],
          ['host-3', 'host-4'],
        ]);
      }
      expect(Math.max(lastEnd(half, 'host-1'), lastEnd(half, 'host-2'))).toBeLessThanOrEqual(
        Math.min(firstStart(half, 'host-3'), firstStart(half, 'host-4')),
      );

      const all = await harness.deploy(harness.revision({ name: 'v2' }), { config: ALL_AT_ONCE });

      expect(all.view.status).toBe('Succeeded');
      for (const event of EVENTS_WITHOUT_LB) {
        expect(batchesOf(harness, all.record.deploymentId, event), event).toEqual([
          ['host-1', 'host-2', 'host-3', 'host-4'],
        ]);
      }
    },
    TIMEOUT,
  );

  it(
    'a failed instance stops at its failed event while the rest of its batch goes on',
    async () => {
      const harness = await openServerHarness({ hosts: 3 });
      const revision = harness.revision({ name: 'v1', hooks: { AfterInstall: failOn(['host-2'], 4) } });

      const result = await harness.deploy(revision, { config: ALL_AT_ONCE });

      // AllAtOnce: at least one instance succeeded, so the deployment did (reference §3.2).
      expect(result.view).toMatchObject({ status: 'Succeeded', errorCode: null });
      const d = result.record.deploymentId;
      expect(result.targets.get('host-2')?.status).toBe('Failed');
      expect(eventStatuses(result, 'host-2')).toEqual(stoppedAt('AfterInstall'));
      expect(eventOf(result, 'host-2', 'AfterInstall').diagnostics).toMatchObject({
        errorCode: 'ScriptFailed',
        message: 'Script at specified location: scripts/AfterInstall.sh failed with exit code 4',
      });
      expect(eventOf(result, 'host-2', 'AfterInstall').diagnostics?.logTail).toContain(
        '[stdout]failing on purpose on host-2',
      );
      expect(ran(harness, 'host-2', d)).toEqual(['v1 BeforeInstall', 'v1 AfterInstall']);
      for (const host of ['host-1', 'host-3']) {
        expect(result.targets.get(host)?.status).toBe('Succeeded');
        expect(ran(harness, host, d)).toEqual(HOOKS_RUN.map((event) => `v1 ${event}`));
      }
      expect(batchesOf(harness, d, 'AfterInstall')).toEqual([['host-1', 'host-2', 'host-3']]);
      expect(batchesOf(harness, d, 'ApplicationStart')).toEqual([['host-1', 'host-3']]);
      // The group remembers the failure: host-2 goes first next time.
      const health = await harness.env.runtime.deps.store.listInstanceHealth(APPLICATION, GROUP);
      expect(Object.fromEntries(health)).toEqual({
        'host-1': 'Healthy',
        'host-2': 'Unhealthy',
        'host-3': 'Healthy',
      });
    },
    TIMEOUT,
  );

  it(
    'OneAtATime: a failure of any instance but the last stops the deployment (HEALTH_CONSTRAINTS, the rest Skipped); the last may fail and the deployment still succeeds',
    async () => {
      const harness = await openServerHarness({ hosts: 3 });
      await harness.deploy(harness.revision({ name: 'v1' }));

      const stopped = await harness.deploy(
        harness.revision({ name: 'v2', hooks: { ValidateService: failOn(['host-2']) } }),
      );

      expect(stopped.view).toMatchObject({
        status: 'Failed',
        errorCode: 'HEALTH_CONSTRAINTS',
        errorMessage: HEALTH_CONSTRAINTS_MESSAGE,
        rollbackDeploymentId: null,
      });
      const d2 = stopped.record.deploymentId;
      expect(batchesOf(harness, d2)).toEqual([['host-1'], ['host-2']]);
      expect(stopped.targets.get('host-1')?.status).toBe('Succeeded');
      expect(stopped.targets.get('host-2')?.status).toBe('Failed');
      expect(eventStatuses(stopped, 'host-2')).toEqual(stoppedAt('ValidateService'));
      expect(stopped.targets.get('host-3')?.status).toBe('Skipped');
      expect(eventStatuses(stopped, 'host-3')).toEqual(allWith('Skipped'));
      expect(ran(harness, 'host-3', d2)).toEqual([]);
      expect(installedVersion(harness, 'host-3')).toBe('v1');
      await expect(
        harness.env.runtime.deps.store.getGroupLockHolder(APPLICATION, GROUP),
      ).resolves.toBeUndefined();

      const lastFails = await harness.deploy(
        harness.revision({ name: 'v3', hooks: { ValidateService: failOn(['host-3']) } }),
      );

      // host-2 failed last time, so it goes first (Unhealthy first, §3.3); host-3 is the last.
      const d3 = lastFails.record.deploymentId;
      expect(batchesOf(harness, d3)).toEqual([['host-2'], ['host-1'], ['host-3']]);
      expect(lastFails.view).toMatchObject({ status: 'Succeeded', errorCode: null });
      expect(lastFails.targets.get('host-3')?.status).toBe('Failed');
      expect(eventStatuses(lastFails, 'host-3')).toEqual(stoppedAt('ValidateService'));
      expect(['host-1', 'host-2'].map((h) => lastFails.targets.get(h)?.status)).toEqual([
        'Succeeded',
        'Succeeded',
      ]);
    },
    TIMEOUT,
  );
});

describe('rollback', () => {
  it(
    'automatic rollback is a NEW deployment (creator codeDeployRollback) of the last successful revision, linked both ways',
    async () => {
      const harness = await openServerHarness({ hosts: 2 });
      const v1 = harness.revision({ name: 'v1' });
      const good = await harness.deploy(v1, { autoRollback: true });
      expect(good.view.status).toBe('Succeeded');

      const failed = await harness.deploy(
        harness.revision({ name: 'v2', hooks: { ValidateService: failOn(['host-1']) } }),
        { autoRollback: true },
      );

      const failedId = failed.record.deploymentId;
      const rollback = failed.rollback;
      if (!rollback) throw new Error('no rollback deployment followed');
      const rollbackId = rollback.record.deploymentId;
      expect(rollbackId).not.toBe(failedId);
      expect(failed.view).toMatchObject({
        status: 'Failed',
        errorCode: 'HEALTH_CONSTRAINTS',
        rollbackDeploymentId: rollbackId,
      });
      expect(failed.record.rollbackInfo).toEqual({
        rollbackDeploymentId: rollbackId,
        rollbackMessage: `Deployment ${rollbackId} is triggered to roll back deployment ${failedId}.`,
      });
      expect(rollback.record).toMatchObject({
        status: 'Succeeded',
        creator: 'codeDeployRollback',
        revision: good.record.revision,
        rollbackInfo: { rollbackTriggeringDeploymentId: failedId },
      });
      // v1 as the client uploaded it: an S3 revision of the local endpoint, never a local path.
      expect(rollback.record.revision.revisionType).toBe('S3');
      for (const host of ['host-1', 'host-2']) {
        expect(eventStatuses(rollback, host)).toEqual(allWith('Succeeded'));
        expect(installedVersion(harness, host)).toBe('v1');
      }
      // host-1 had installed v2 before its ValidateService failed: the agent counts that Install as
      // the last successful one, so the rollback's ApplicationStop runs v2's script there (§2.2).
      expect(ran(harness, 'host-1', rollbackId)).toEqual([
        'v2 ApplicationStop',
        ...HOOKS_RUN.map((event) => `v1 ${event}`),
      ]);
      expect(ran(harness, 'host-2', rollbackId)).toEqual([
        'v1 ApplicationStop',
        ...HOOKS_RUN.map((event) => `v1 ${event}`),
      ]);
      const store = harness.env.runtime.deps.store;
      expect((await store.getDeploymentGroup(APPLICATION, GROUP))?.lastSuccessfulDeploymentId).toBe(
        rollbackId,
      );
      expect((await store.listDeployments()).map((d) => d.deploymentId).sort()).toEqual(
        [good.record.deploymentId, failedId, rollbackId].sort(),
      );
      await expect(store.getGroupLockHolder(APPLICATION, GROUP)).resolves.toBeUndefined();
    },
    TIMEOUT,
  );

  it(
    'no rollback when the group has no successful deployment to go back to ([inferred]: nothing to redeploy)',
    async () => {
      const harness = await openServerHarness({ hosts: 1 });

      const failed = await harness.deploy(
        harness.revision({ name: 'v1', hooks: { ApplicationStart: failOn(['host-1']) } }),
        { autoRollback: true },
      );

      expect(failed.view).toMatchObject({
        status: 'Failed',
        errorCode: 'HEALTH_CONSTRAINTS',
        rollbackDeploymentId: null,
      });
      expect(failed.record.rollbackInfo).toBeUndefined();
      expect(failed.rollback).toBeUndefined();
      const store = harness.env.runtime.deps.store;
      expect((await store.listDeployments()).map((d) => d.deploymentId)).toEqual([
        failed.record.deploymentId,
      ]);
      expect(harness.commands.every((c) => c.deploymentId === failed.record.deploymentId)).toBe(true);
    },
    TIMEOUT,
  );
});

describe('StopDeployment and alarms', () => {
  /** v1 deployed, then v2 started with a BeforeInstall that waits; returns once it waits on host-1. */
  async function deployingV2(harness: ServerHarness) {
    await harness.deploy(harness.revision({ name: 'v1' }), { autoRollback: true });
    const v2 = harness.revision({ name: 'v2', hooks: { BeforeInstall: WAIT_FOR_RELEASE } });
    const started = await harness.start(v2, { autoRollback: true });
    await harness.waitFor('v2 BeforeInstall to run on host-1', () =>
      ran(harness, 'host-1', started.deploymentId).includes('v2 BeforeInstall'),
    );
    return started;
  }

  /** The stopped deployment's records once the stopped hook has ended: nothing may change them then. */
  async function afterTheHookEnded(harness: ServerHarness, deploymentId: string) {
    harness.release();
    await harness.env.transport.idle();
    return harness.result(deploymentId);
  }

  function expectStoppedAtBeforeInstall(result: DeploymentResult) {
    expect(result.targets.get('host-1')?.status).toBe('Failed');
    expect(eventStatuses(result, 'host-1')).toEqual(stoppedAt('BeforeInstall'));
    expect(result.targets.get('host-2')?.status).toBe('Skipped');
    expect(eventStatuses(result, 'host-2')).toEqual(allWith('Skipped'));
  }

  it(
    'without rollback: Stopped with MANUAL_STOP ([inferred] from the code name), the event in flight Failed and the rest Skipped, even once its script ends',
    async () => {
      const harness = await openServerHarness({ hosts: 2 });
      const { deploymentId, done } = await deployingV2(harness);

      await expect(
        harness.env.runtime.stopDeployment(deploymentId, { autoRollbackEnabled: false }),
      ).resolves.toEqual({
        status: 'Pending',
        statusMessage: `Stopping deployment ${deploymentId}.`,
      });
      const stopped = await done;

      expect(stopped.view).toMatchObject({
        status: 'Stopped',
        errorCode: 'MANUAL_STOP',
        errorMessage: 'The deployment was stopped by a StopDeployment request.',
        rollbackDeploymentId: null,
      });
      expect(stopped.rollback).toBeUndefined();
      expectStoppedAtBeforeInstall(stopped);
      const settled = await afterTheHookEnded(harness, deploymentId);
      expect(settled.record.status).toBe('Stopped');
      expectStoppedAtBeforeInstall(settled);
      expect(ran(harness, 'host-2', deploymentId)).toEqual([]);
      expect(installedVersion(harness, 'host-1')).toBe('v1');
      await expect(
        harness.env.runtime.deps.store.getGroupLockHolder(APPLICATION, GROUP),
      ).resolves.toBeUndefined();
    },
    TIMEOUT,
  );

  it(
    'with rollback: Stopped, then a rollback deployment of the last successful revision',
    async () => {
      const harness = await openServerHarness({ hosts: 2 });
      const { deploymentId, done } = await deployingV2(harness);

      await harness.env.runtime.stopDeployment(deploymentId, { autoRollbackEnabled: true });
      // The hook the stop cut short ends by itself on the host; the rollback does not wait for it.
      harness.release();
      const stopped = await done;

      expect(stopped.view).toMatchObject({
        status: 'Stopped',
        errorCode: 'MANUAL_STOP',
        errorMessage: 'The deployment was stopped by a StopDeployment request, with rollback.',
      });
      const rollback = stopped.rollback;
      if (!rollback) throw new Error('no rollback deployment followed');
      expect(stopped.view.rollbackDeploymentId).toBe(rollback.record.deploymentId);
      expect(rollback.record).toMatchObject({
        status: 'Succeeded',
        creator: 'codeDeployRollback',
        rollbackInfo: { rollbackTriggeringDeploymentId: deploymentId },
      });
      expect(rollback.record.revision.revisionType).toBe('S3');
      expect(rollback.record.revision.s3Location?.key).not.toBe(stopped.record.revision.s3Location?.key);
      for (const host of ['host-1', 'host-2']) {
        expect(eventStatuses(rollback, host)).toEqual(allWith('Succeeded'));
        expect(ran(harness, host, rollback.record.deploymentId)).toEqual([
          'v1 ApplicationStop',
          ...HOOKS_RUN.map((event) => `v1 ${event}`),
        ]);
      }
      const settled = await afterTheHookEnded(harness, deploymentId);
      expect(settled.record.status).toBe('Stopped');
      expectStoppedAtBeforeInstall(settled);
    },
    TIMEOUT,
  );

  it(
    'a 5xx alarm on the load balancer stops the deployment: ALARM_ACTIVE, Stopped',
    async () => {
      const harness = await openServerHarness({ hosts: 1, loadBalancer: true, alarm5xxRatePercent: 50 });
      const lb = harness.env.loadBalancer;
      if (!lb || !harness.env.alarmName) throw new Error('no load balancer or alarm');
      const revision = harness.revision({ name: 'v1', hooks: { BeforeInstall: WAIT_FOR_RELEASE } });
      const { deploymentId, done } = await harness.start(revision, { autoRollback: true });
      await harness.waitFor('BeforeInstall to run', () => ran(harness, 'host-1', deploymentId).length > 0);

      // Clients keep calling while no instance is in service: every answer is the load balancer's 503.
      let ended = false;
      const statuses: number[] = [];
      const traffic = (async () => {
        while (!ended) {
          statuses.push((await fetch(`${lb.url}/`)).status);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      const stopped = await done.finally(() => (ended = true));
      await traffic;

      expect(statuses.length).toBeGreaterThan(0);
      expect(new Set(statuses)).toEqual(new Set([503]));
      expect(stopped.view).toMatchObject({
        status: 'Stopped',
        errorCode: 'ALARM_ACTIVE',
        errorMessage: `One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: ${harness.env.alarmName}`,
        // Nothing succeeded before in this group: nothing to roll back to.
        rollbackDeploymentId: null,
      });
      expect(eventStatuses(stopped, 'host-1')).toEqual(stoppedAt('BeforeInstall', EVENTS_WITH_LB));
    },
    TIMEOUT,
  );
});

describe('the load balancer (BlockTraffic, AllowTraffic)', () => {
  const PROBE = [
    '#!/bin/sh',
    '# Asks the load balancer six times who answers, and notes it with this host and event.',
    'url=$(cat "$(dirname "$0")/lb-url")',
    "answers=$(node --input-type=module -e '",
    'const seen = [];',
    'for (let i = 0; i < 6; i++) {',
    '  try {',
    '    const response = await fetch(process.argv[1] + "/");',
    '    seen.push(response.status === 200 ? (await response.json()).host : String(response.status));',
    '  } catch { seen.push("error"); }',
    '}',
    'console.log(seen.join(","));',
    '\' "$url")',
    'mkdir -p "${STEPDEPLOY_HOST_ROOT:-}/var/log"',
    'printf \'%s %s %s %s\\n\' "$LIFECYCLE_EVENT" "$DEPLOYMENT_ID" "$STEPDEPLOY_HOST_ID" "$answers" >>"${STEPDEPLOY_HOST_ROOT:-}/var/log/lb-probe.log"',
    '',
  ].join('\n');

  /** examples/webapp plus a probe before ApplicationStop's stop.sh and after AllowTraffic. */
  function webapp(harness: ServerHarness, name: string, url: string): string {
    return harness.webappRevision(name, (dir, appSpec) => {
      writeFileSync(join(dir, 'scripts', 'lb-url'), url);
      writeFileSync(join(dir, 'scripts', 'probe-lb.sh'), PROBE);
      chmodSync(join(dir, 'scripts', 'probe-lb.sh'), 0o755);
      const probe = { location: 'scripts/probe-lb.sh', timeout: 30 };
      appSpec.hooks.ApplicationStop = [probe, ...(appSpec.hooks.ApplicationStop ?? [])];
      appSpec.hooks.AfterAllowTraffic = [...(appSpec.hooks.AfterAllowTraffic ?? []), probe];
    });
  }

  function probes(harness: ServerHarness, hostId: string, deploymentId: string) {
    const file = join(harness.host(hostId).root, 'var', 'log', 'lb-probe.log');
    return readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .filter(([, id]) => id === deploymentId)
      .map(([event = '', , , answers = '']) => ({ event, answers: answers.split(',') }));
  }

  const before = (a: LifecycleEventRecord, b: LifecycleEventRecord) =>
    expect(ms(a.endTime)).toBeLessThanOrEqual(ms(b.startTime));

  it(
    'each instance is deregistered and drained before its ApplicationStop, and registered and healthy after AllowTraffic',
    async () => {
      const harness = await openServerHarness({ hosts: 2, loadBalancer: true });
      const lb = harness.env.loadBalancer;
      if (!lb) throw new Error('no load balancer');
      const first = await harness.deploy(webapp(harness, 'v1', lb.url), { config: HALF_AT_A_TIME });
      expect(first.view.status).toBe('Succeeded');

      const second = await harness.deploy(webapp(harness, 'v2', lb.url), { config: HALF_AT_A_TIME });

      expect(second.view).toMatchObject({ status: 'Succeeded', errorCode: null });
      const d2 = second.record.deploymentId;
      expect(batchesOf(harness, d2, 'ApplicationStop')).toEqual([['host-1'], ['host-2']]);
      for (const [host, other] of [
        ['host-1', 'host-2'],
        ['host-2', 'host-1'],
      ] as const) {
        expect(eventStatuses(second, host)).toEqual(allWith('Succeeded', EVENTS_WITH_LB));
        before(eventOf(second, host, 'BlockTraffic'), eventOf(second, host, 'ApplicationStop'));
        before(eventOf(second, host, 'AllowTraffic'), eventOf(second, host, 'AfterAllowTraffic'));
        const [stop, afterAllow] = probes(harness, host, d2);
        // While its app stops, the load balancer sends the instance nothing; the other one serves.
        expect(stop?.event).toBe('ApplicationStop');
        expect(new Set(stop?.answers)).toEqual(new Set([other]));
        // After AllowTraffic it is in service again, with the new version.
        expect(afterAllow?.event).toBe('AfterAllowTraffic');
        expect(afterAllow?.answers).toContain(host);
      }
      const health = await lb.describeTargetHealth(TARGET_GROUP, ['host-1', 'host-2']);
      expect(Object.fromEntries(health)).toEqual({ 'host-1': 'healthy', 'host-2': 'healthy' });
      const answer = (await (await fetch(`${lb.url}/`)).json()) as { version: string };
      expect(answer.version).toBe('v2');
    },
    TIMEOUT,
  );
});
