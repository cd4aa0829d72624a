/**
 * The Server in-place steps run directly, without the state machine, against DynamoDB's API (dynalite,
 * in memory) and in-memory fakes of the other ports. Step Functions re-runs a step on a retry or a
 * redrive (DESIGN.md: "Every step is idempotent"), so each test calls a step again, or fails it half
 * way, the way Step Functions would, and checks that nothing happens twice and nothing is lost.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AlarmActiveError,
  DeploymentStoppedError,
  TaskTokenNoLongerValidError,
} from '../../functions/domain/deployment-errors.js';
import { progressTotals } from '../../functions/domain/server-progress.js';
import type { AlarmsPort, AlarmState } from '../../functions/ports/alarms.js';
import { storeRoles, type DeploymentStore } from '../../functions/ports/deployment-store.js';
import type { StateChangeEvent } from '../../functions/ports/events.js';
import type {
  InstanceCommandRequest,
  InstanceCommandResult,
  InstanceCommandStatus,
  InstanceTransportPort,
} from '../../functions/ports/instance-transport.js';
import type { LoadBalancerPort, TargetHealthState } from '../../functions/ports/load-balancer.js';
import type {
  DeploymentGroupRecord,
  InstanceTargetRecord,
  RevisionLocation,
  ServerDeploymentRecord,
} from '../../functions/ports/records.js';
import type { RevisionBundle, RevisionSourcePort } from '../../functions/ports/revision-source.js';
import type { TaskCallbacksPort } from '../../functions/ports/task-callbacks.js';
import { DEFAULT_SETTINGS, type StepDeps } from '../../functions/steps/deps.js';
import { finish } from '../../functions/steps/finish.js';
import { nextBatch } from '../../functions/steps/next-batch.js';
import { onAlarmStateChange } from '../../functions/steps/on-alarm-state-change.js';
import { onCommandComplete } from '../../functions/steps/on-command-complete.js';
import { prepareServerInPlace as prepare } from '../../functions/steps/prepare-server-in-place.js';
import { recordBatch } from '../../functions/steps/record-batch.js';
import { rollback } from '../../functions/steps/rollback.js';
import { runLifecycleEvent, type RunLifecycleEventInput } from '../../functions/steps/run-lifecycle-event.js';
import { withTargetEvent } from '../../functions/steps/server-targets.js';
import { stopDeployment } from '../../functions/steps/stop-deployment.js';
import { blockTraffic } from '../../functions/steps/block-traffic.js';
import { checkTargets } from '../../functions/steps/check-targets.js';
import { collectEventResults } from '../../functions/steps/collect-event-results.js';
import { startLocalDatabase, type LocalDatabase } from '../../local/runtime/dynalite.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const APPLICATION = 'shop';
const GROUP = 'web';
const INSTANCES = ['i-1', 'i-2', 'i-3'];
const ALARM = 'web-5xx';
const TARGET_GROUP = 'web-tg';
const NOW = new Date('2025-03-01T12:00:00.000Z');
const ONE_AT_A_TIME = 'CodeDeployDefault.OneAtATime';
const ALL_AT_ONCE = 'CodeDeployDefault.AllAtOnce';

const APPSPEC = [
  'version: 0.0',
  'os: linux',
  'files:',
  '  - source: app',
  '    destination: /opt/app',
  'hooks:',
  '  ApplicationStop:',
  '    - location: scripts/stop.sh',
  '      timeout: 60',
  '  ApplicationStart:',
  '    - location: scripts/start.sh',
  '      timeout: 120',
  '',
].join('\n');

const REVISION: RevisionLocation = {
  revisionType: 'S3',
  s3Location: { bucket: 'revisions', key: 'web/v1.tar', bundleType: 'tar' },
};

/** The diagnostics line an event script prints when it succeeds (the agent's JSON). */
const SUCCESS_STDOUT = `${JSON.stringify({ error_code: 0, script_name: '', message: 'Succeeded: ', log: '' })}\n`;

/** SSM in memory: commands stay InProgress until a test completes them; sends and cancels are kept. */
class FakeTransport implements InstanceTransportPort {
  readonly sent: Array<{ commandId: string; request: InstanceCommandRequest }> = [];
  readonly cancelled: string[] = [];
  private readonly results = new Map<string, InstanceCommandResult[]>();

  async sendCommand(request: InstanceCommandRequest): Promise<{ commandId: string }> {
    const commandId = `cmd-${this.sent.length + 1}`;
    this.sent.push({ commandId, request });
    return { commandId };
  }

  async getCommandResults(commandId: string, instanceIds: readonly string[]) {
    const done = this.results.get(commandId);
    return instanceIds.map(
      (instanceId): InstanceCommandResult =>
        done?.find((r) => r.instanceId === instanceId) ?? {
          instanceId,
          status: 'InProgress',
          exitCode: null,
          stdout: '',
          stderr: '',
        },
    );
  }

  async cancelCommand(commandId: string): Promise<void> {
    this.cancelled.push(commandId);
  }

  /** Every instance of the command ends with `status` (Success prints the success diagnostics). */
  complete(commandId: string, status: InstanceCommandStatus = 'Success'): void {
    const sent = this.sent.find((s) => s.commandId === commandId);
    if (!sent) throw new Error(`No command ${commandId}`);
    this.results.set(
      commandId,
      sent.request.instanceIds.map((instanceId) => ({
        instanceId,
        status,
        exitCode: status === 'Success' ? 0 : 143,
        stdout: status === 'Success' ? SUCCESS_STDOUT : '',
        stderr: '',
      })),
    );
  }
}

/** Step Functions' callbacks, recorded; a token answers once, as a real one does. */
class RecordingCallbacks implements TaskCallbacksPort {
  readonly successes: Array<{ taskToken: string; output: unknown }> = [];
  readonly failures: Array<{ taskToken: string; error: string; cause: string }> = [];
  private readonly used = new Set<string>();

  async sendTaskSuccess(taskToken: string, output: unknown): Promise<void> {
    this.use(taskToken);
    this.successes.push({ taskToken, output });
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    this.use(taskToken);
    this.failures.push({ taskToken, error, cause });
  }

  private use(taskToken: string) {
    if (this.used.has(taskToken))
      throw new TaskTokenNoLongerValidError(`The task ${taskToken} was completed already.`, 'TaskTimedOut');
    this.used.add(taskToken);
  }
}

class FakeAlarms implements AlarmsPort {
  readonly states = new Map<string, AlarmState>([[ALARM, 'OK']]);
  async describeAlarms(alarmNames: readonly string[]) {
    return new Map(
      alarmNames.flatMap((name): Array<[string, AlarmState]> => {
        const state = this.states.get(name);
        return state ? [[name, state]] : [];
      }),
    );
  }
}

/** Targets never finish draining, so CheckTargets has something to poll. */
class FakeLoadBalancer implements LoadBalancerPort {
  readonly deregistered: Array<{ targetGroup: string; instanceIds: string[] }> = [];
  describeCalls = 0;
  async registerTargets(): Promise<void> {}
  async deregisterTargets(targetGroup: string, instanceIds: readonly string[]): Promise<void> {
    this.deregistered.push({ targetGroup, instanceIds: [...instanceIds] });
  }
  async describeTargetHealth(_targetGroup: string, instanceIds: readonly string[]) {
    this.describeCalls++;
    return new Map(instanceIds.map((id): [string, TargetHealthState] => [id, 'draining']));
  }
}

const revisions: RevisionSourcePort = {
  async readRevision(): Promise<RevisionBundle> {
    return {
      bundleType: 'directory',
      entries: [
        { path: 'appspec.yml', type: 'file' },
        { path: 'app', type: 'directory' },
        { path: 'app/index.html', type: 'file' },
        { path: 'scripts', type: 'directory' },
        { path: 'scripts/stop.sh', type: 'file' },
        { path: 'scripts/start.sh', type: 'file' },
      ],
      appSpecText: APPSPEC,
      appSpecPath: 'appspec.yml',
    };
  },
  async bundleLocation() {
    return { location: 'https://revisions.example/web/v1.tar?X-Amz-Signature=x', bundleType: 'tar' };
  },
  async readAppSpecFile(): Promise<string> {
    throw new Error('a Server revision is a bundle, not an AppSpec file');
  },
};

/** A port no Server step may touch: a call fails the test loudly. */
function unused<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_target, property) => () => {
      throw new Error(`The ${name} port was called (${String(property)}) by a Server step.`);
    },
  });
}

/** The store with some methods replaced; the rest reach the real store (with its own `this`). */
function storeWith(store: DeploymentStore, overrides: Partial<DeploymentStore>): DeploymentStore {
  return new Proxy(store, {
    get(target, property) {
      const override: unknown = Reflect.get(overrides, property);
      if (override !== undefined) return override;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

interface World {
  db: LocalDatabase;
  store: DeploymentStore;
  transport: FakeTransport;
  callbacks: RecordingCallbacks;
  alarms: FakeAlarms;
  loadBalancer: FakeLoadBalancer;
  events: StateChangeEvent[];
  deps: StepDeps;
}

let world: World;

beforeEach(async () => {
  const db = await startLocalDatabase();
  const transport = new FakeTransport();
  const callbacks = new RecordingCallbacks();
  const alarms = new FakeAlarms();
  const loadBalancer = new FakeLoadBalancer();
  const events: StateChangeEvent[] = [];
  const deps: StepDeps = {
    ...storeRoles(db.store),
    transport,
    callbacks,
    alarms,
    loadBalancer,
    revisions,
    clock: { now: () => NOW },
    random: { bytes: (length) => new Uint8Array(length).fill(7) },
    events: { publish: async (event) => void events.push(event) },
    settings: DEFAULT_SETTINGS,
    lambda: unused('Lambda alias'),
    ecs: unused('ECS task sets'),
    listeners: unused('listeners'),
    traffic: unused('traffic router'),
    hooks: unused('hook invoker'),
    executions: unused('deployment executions'),
    instances: unused('instance directory'),
    fleet: unused('replacement fleet'),
    controlPlane: unused('control plane'),
    deploymentConfigs: { getDeploymentConfig: async () => undefined },
  };
  world = { db, store: db.store, transport, callbacks, alarms, loadBalancer, events, deps };
});

afterEach(async () => {
  await world.db.close();
});

/** The same deps with another store (a wrapper that fails or interleaves on purpose). */
const depsWith = (store: DeploymentStore): StepDeps => ({ ...world.deps, ...storeRoles(store) });

interface SeedOptions {
  config?: string;
  alarms?: boolean;
  targetGroups?: boolean;
  instanceIds?: string[];
}

/** A Server group of three instances and a deployment Prepare recorded for it. */
async function seedDeployment(deploymentId: string, options: SeedOptions = {}): Promise<string> {
  const group: DeploymentGroupRecord = {
    applicationName: APPLICATION,
    deploymentGroupName: GROUP,
    deploymentGroupId: 'dg-web',
    computePlatform: 'Server',
    deploymentConfigName: options.config ?? ONE_AT_A_TIME,
    instanceIds: options.instanceIds ?? INSTANCES,
    ...(options.targetGroups ? { targetGroupNames: [TARGET_GROUP] } : {}),
    ...(options.alarms
      ? { alarmConfiguration: { enabled: true, ignorePollAlarmFailure: false, alarms: [{ name: ALARM }] } }
      : {}),
  };
  await world.store.putDeploymentGroup(group);
  const prepared = await prepare(world.deps)({
    executionName: deploymentId,
    request: { deploymentId, applicationName: APPLICATION, deploymentGroupName: GROUP, revision: REVISION },
  });
  expect(prepared).toEqual({ deploymentId, computePlatform: 'Server' });
  return deploymentId;
}

async function startBatch(deploymentId: string, deps: StepDeps = world.deps) {
  const batch = await nextBatch(deps)({ deploymentId, run: 1 });
  if (batch.action !== 'start') throw new Error(`NextBatch answered ${batch.action}, not start`);
  return { ...batch, instanceIds: await batchInstances(deploymentId, batch.batchNumber) };
}

/** The instances of a batch, from its chunk items. */
async function batchInstances(deploymentId: string, batchNumber: number): Promise<string[]> {
  const chunks = await world.store.listBatchChunks(deploymentId, batchNumber);
  return chunks.sort((a, b) => a.chunk - b.chunk).flatMap((chunk) => chunk.instanceIds);
}

async function targets(deploymentId: string): Promise<Map<string, InstanceTargetRecord>> {
  return new Map((await world.store.listDeploymentTargets(deploymentId)).map((t) => [t.targetId, t]));
}

async function targetStatuses(deploymentId: string): Promise<Record<string, string>> {
  return Object.fromEntries([...(await targets(deploymentId))].map(([id, t]) => [id, t.status]));
}

async function eventStatus(deploymentId: string, targetId: string, event: string) {
  return (await targets(deploymentId))
    .get(targetId)
    ?.lifecycleEvents.find((e) => e.lifecycleEventName === event)?.status;
}

/** The deployment, which these tests make Server deployments. */
async function serverDeployment(deploymentId: string): Promise<ServerDeploymentRecord> {
  const record = await world.store.getDeployment(deploymentId);
  if (record?.computePlatform !== 'Server') throw new Error(`${deploymentId} is not a Server deployment`);
  return record;
}

/** The schedule's counters, over the whole fleet. */
async function totals(deploymentId: string) {
  const progress = (await serverDeployment(deploymentId)).serverProgress;
  if (!progress) throw new Error(`${deploymentId} has no schedule`);
  return progressTotals(progress);
}

async function health(): Promise<Record<string, string>> {
  return Object.fromEntries(await world.store.listInstanceHealth(APPLICATION, GROUP));
}

/** What a script event of the batch ran to: every event Succeeded, or the instance failed at `failAt`. */
async function runEventsOn(deploymentId: string, targetId: string, failAt?: string): Promise<void> {
  let target = (await targets(deploymentId)).get(targetId);
  if (!target) throw new Error(`No target ${targetId}`);
  for (const event of target.lifecycleEvents.map((e) => e.lifecycleEventName)) {
    target = withTargetEvent(target, event, 'InProgress', NOW);
    if (event === failAt) {
      target = withTargetEvent(target, event, 'Failed', NOW, { errorCode: 'ScriptFailed', message: 'no' });
      break;
    }
    target = withTargetEvent(target, event, 'Succeeded', NOW);
  }
  await world.store.putDeploymentTarget(target);
}

function eventInput(
  deploymentId: string,
  batchNumber: number,
  taskToken: string,
  lifecycleEventName = 'ApplicationStop',
): RunLifecycleEventInput {
  return { deploymentId, batchNumber, lifecycleEventName, timeoutSeconds: 3900, taskToken };
}

describe('NextBatch', () => {
  it('called twice before RecordBatch returns the same batch and starts no other instance', async () => {
    const id = await seedDeployment('d-NEXTBATCH');

    const first = await nextBatch(world.deps)({ deploymentId: id, run: 1 });
    const again = await nextBatch(world.deps)({ deploymentId: id, run: 1 });

    expect(first).toMatchObject({ action: 'start', batchId: 'batch-1', batchNumber: 1 });
    expect(again).toEqual(first);
    // The batch's instances are in its chunk item, not in the state's payload.
    expect(JSON.stringify(first)).not.toContain('i-1');
    expect(await batchInstances(id, 1)).toEqual(['i-1']);
    expect(await totals(id)).toMatchObject({ inProgress: 1, pendingUnhealthy: 2, succeeded: 0 });
    // The instance left the queue once, not twice.
    expect((await world.store.peekInstanceQueue(id, 0, false, 10)).map((e) => e.instanceId)).toEqual([
      'i-2',
      'i-3',
    ]);
    expect((await serverDeployment(id)).currentBatch).toEqual({
      batchId: 'batch-1',
      batchNumber: 1,
      wave: 0,
      size: { unhealthy: 1, healthy: 0 },
      chunkCount: 1,
      run: 1,
      recorded: false,
      polls: { script: 0, traffic: 0 },
    });
  });

  it('renews the group lock: a deployment whose steps run keeps its group past its first lease', async () => {
    const id = await seedDeployment('d-LEASE0001');
    // Prepare took the lock for an hour; an hour and a half later the batches still run.
    const later = new Date(NOW.getTime() + 90 * 60_000);
    const deps = { ...world.deps, clock: { now: () => later } };
    await nextBatch(deps)({ deploymentId: id, run: 1 });
    await expect(
      world.store.acquireGroupLock(APPLICATION, GROUP, 'd-NEWCOMER0', {
        untilMs: later.getTime() + 3_600_000,
        nowMs: later.getTime() + 1000,
      }),
    ).rejects.toMatchObject({ name: 'DeploymentLimitExceededException' });
  });
});

describe('Prepare and the group lock lease', () => {
  it('takes a group whose lock holder stopped renewing its lease (its end was never recorded), and refuses one whose lease runs', async () => {
    await seedDeployment('d-LOSTEND01');
    // The deployment's execution is gone and no end event came: nothing renews its lease any more.
    const before = new Date(NOW.getTime() + 30 * 60_000);
    await expect(
      prepare({ ...world.deps, clock: { now: () => before } })({
        executionName: 'd-NEXTONE01',
        request: {
          deploymentId: 'd-NEXTONE01',
          applicationName: APPLICATION,
          deploymentGroupName: GROUP,
          revision: REVISION,
        },
      }),
    ).rejects.toMatchObject({
      name: 'DeploymentLimitExceededException',
      message: "The Deployment Group 'web' already has an active Deployment 'd-LOSTEND01'",
    });
    const after = new Date(NOW.getTime() + DEFAULT_SETTINGS.lockLeaseSeconds * 1000 + 60_000);
    await expect(
      prepare({ ...world.deps, clock: { now: () => after } })({
        executionName: 'd-NEXTONE02',
        request: {
          deploymentId: 'd-NEXTONE02',
          applicationName: APPLICATION,
          deploymentGroupName: GROUP,
          revision: REVISION,
        },
      }),
    ).resolves.toEqual({ deploymentId: 'd-NEXTONE02', computePlatform: 'Server' });
    expect(await world.store.getGroupLockHolder(APPLICATION, GROUP)).toBe('d-NEXTONE02');
  });
});

describe('RecordBatch', () => {
  it('called twice records the same results: a succeeded instance stays Succeeded and Healthy', async () => {
    const id = await seedDeployment('d-RECORD2X1');
    const { batchNumber } = await startBatch(id);
    await runEventsOn(id, 'i-1');

    await recordBatch(world.deps)({ deploymentId: id, batchNumber });
    const once = { targets: await targets(id), totals: await totals(id), health: await health() };
    await recordBatch(world.deps)({ deploymentId: id, batchNumber });

    expect(once.targets.get('i-1')?.status).toBe('Succeeded');
    expect(once.health).toEqual({ 'i-1': 'Healthy' });
    expect(once.totals).toMatchObject({ succeeded: 1, inProgress: 0, pendingUnhealthy: 2 });
    expect(await targets(id)).toEqual(once.targets);
    expect(await totals(id)).toEqual(once.totals);
    expect(await health()).toEqual(once.health);
    // The next batch is the next instance, not the recorded one again.
    expect(await startBatch(id)).toMatchObject({ batchId: 'batch-2', instanceIds: ['i-2'] });
  });

  it('retried after failing half way (the health write threw) records each result once, as it was', async () => {
    const id = await seedDeployment('d-RECORDRTY', { config: ALL_AT_ONCE });
    const { batchNumber, instanceIds } = await startBatch(id);
    expect(instanceIds).toEqual(INSTANCES);
    await runEventsOn(id, 'i-1');
    await runEventsOn(id, 'i-2', 'ValidateService');
    await runEventsOn(id, 'i-3');
    let throws = 1;
    const flaky = storeWith(world.store, {
      recordInstanceHealth: async (app, group, entries) => {
        // After the targets were written, before the health and the schedule: the worst place to stop.
        if (throws-- > 0) throw Object.assign(new Error('throttled'), { name: 'ThrottlingError' });
        await world.store.recordInstanceHealth(app, group, entries);
      },
    });

    await expect(recordBatch(depsWith(flaky))({ deploymentId: id, batchNumber })).rejects.toThrow(
      'throttled',
    );
    // The first attempt already wrote the targets' statuses; the retry must not read them as results.
    expect(await targetStatuses(id)).toEqual({ 'i-1': 'Succeeded', 'i-2': 'Failed', 'i-3': 'Succeeded' });
    await recordBatch(depsWith(flaky))({ deploymentId: id, batchNumber });
    await recordBatch(depsWith(flaky))({ deploymentId: id, batchNumber });

    expect(await targetStatuses(id)).toEqual({ 'i-1': 'Succeeded', 'i-2': 'Failed', 'i-3': 'Succeeded' });
    expect(await health()).toEqual({ 'i-1': 'Healthy', 'i-2': 'Unhealthy', 'i-3': 'Healthy' });
    expect(await totals(id)).toMatchObject({ succeeded: 2, failed: 1, inProgress: 0 });
    expect((await serverDeployment(id)).currentBatch?.recorded).toBe(true);
    // AllAtOnce succeeds when any instance did (reference §3.2): the schedule agrees.
    await expect(nextBatch(world.deps)({ deploymentId: id, run: 1 })).resolves.toEqual({
      action: 'done',
      waitSeconds: 0,
    });
  });
});

describe('the group record: deployments write their own fields only', () => {
  it('a configuration changed during the deployment (a cdk deploy) survives RecordBatch and Finish', async () => {
    const id = await seedDeployment('d-GROUPCFG1');
    // What Prepare read; a stale copy is all a step could write back if it rewrote the whole group.
    const stale = await world.store.getDeploymentGroup(APPLICATION, GROUP);
    const staleReads = storeWith(world.store, { getDeploymentGroup: async () => stale });
    // Meanwhile the group's owner changes its configuration.
    await world.store.putDeploymentGroup({
      ...(stale as DeploymentGroupRecord),
      deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
      alarmConfiguration: { enabled: true, ignorePollAlarmFailure: false, alarms: [{ name: 'new-alarm' }] },
    });
    for (;;) {
      const batch = await nextBatch(depsWith(staleReads))({ deploymentId: id, run: 1 });
      if (batch.action !== 'start') break;
      for (const instanceId of await batchInstances(id, batch.batchNumber)) await runEventsOn(id, instanceId);
      await recordBatch(depsWith(staleReads))({ deploymentId: id, batchNumber: batch.batchNumber });
    }
    await finish(depsWith(staleReads))({ executionName: id, state: { deployment: { deploymentId: id } } });

    const group = await world.store.getDeploymentGroup(APPLICATION, GROUP);
    expect(group).toMatchObject({
      deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
      alarmConfiguration: { alarms: [{ name: 'new-alarm' }] },
      lastSuccessfulDeploymentId: id,
    });
    expect(await health()).toEqual({ 'i-1': 'Healthy', 'i-2': 'Healthy', 'i-3': 'Healthy' });
  });

  it('a group deleted during the deployment is not brought back as a fragment', async () => {
    expect(
      await world.store.recordGroupDeploymentState(APPLICATION, 'gone', {
        lastSuccessfulDeploymentId: 'd-ORPHAN001',
      }),
    ).toBe(false);
    expect(await world.store.getDeploymentGroup(APPLICATION, 'gone')).toBeUndefined();
  });
});

describe('RunLifecycleEvent', () => {
  it('retried with a new task token sends the script once, and the completion resumes the new token', async () => {
    const id = await seedDeployment('d-RUNEVENT1');
    const { batchNumber } = await startBatch(id);

    await runLifecycleEvent(world.deps)(eventInput(id, batchNumber, 'token-1'));
    await runLifecycleEvent(world.deps)(eventInput(id, batchNumber, 'token-2'));

    expect(world.transport.sent.map((s) => [s.commandId, s.request.instanceIds])).toEqual([
      ['cmd-1', ['i-1']],
    ]);
    expect(world.transport.sent[0]?.request.comment).toBe(`${id} ApplicationStop`);
    expect(await world.store.getCommandWait('cmd-1')).toMatchObject({
      instanceIds: ['i-1'],
      batchNumber,
      chunk: 0,
    });
    expect((await world.store.listBatchChunks(id, batchNumber))[0]?.commands).toEqual({
      ApplicationStop: 'cmd-1',
    });
    expect(await world.store.getEventWait(id, batchNumber, 'ApplicationStop')).toMatchObject({
      taskToken: 'token-2',
      pending: 1,
      allSent: true,
    });
    expect((await world.store.getPendingWait(id))?.taskToken).toBe('token-2');
    expect(world.callbacks.successes).toEqual([]);

    world.transport.complete('cmd-1');
    await expect(onCommandComplete(world.deps)('cmd-1')).resolves.toEqual({ completed: true });

    expect(world.callbacks.successes).toEqual([
      { taskToken: 'token-2', output: { lifecycleEventName: 'ApplicationStop' } },
    ]);
    expect(await eventStatus(id, 'i-1', 'ApplicationStop')).toBe('Succeeded');
    expect(await world.store.getCommandWait('cmd-1')).toBeUndefined();
    expect(await world.store.getPendingWait(id)).toBeUndefined();

    // A retry that comes after the event completed sends nothing and resumes its own token at once.
    await runLifecycleEvent(world.deps)(eventInput(id, batchNumber, 'token-3'));
    expect(world.transport.sent).toHaveLength(1);
    expect(world.callbacks.successes.map((s) => s.taskToken)).toEqual(['token-2', 'token-3']);
    expect(await world.store.getPendingWait(id)).toBeUndefined();
  });

  it('resumes the state when a command ended before its wait was stored (its completion event found nothing)', async () => {
    const id = await seedDeployment('d-EARLYEND1');
    const { batchNumber } = await startBatch(id);
    const send = world.transport.sendCommand.bind(world.transport);
    // The script finishes while SendCommand returns: its completion event comes before the wait exists.
    world.transport.sendCommand = async (request) => {
      const sent = await send(request);
      world.transport.complete(sent.commandId);
      await expect(onCommandComplete(world.deps)(sent.commandId)).resolves.toEqual({ completed: false });
      return sent;
    };
    await runLifecycleEvent(world.deps)(eventInput(id, batchNumber, 'token-1'));
    expect(world.callbacks.successes.map((s) => s.taskToken)).toEqual(['token-1']);
    expect(await eventStatus(id, 'i-1', 'ApplicationStop')).toBe('Succeeded');
    expect(await world.store.getPendingWait(id)).toBeUndefined();
  });

  it('sends one command per 50 instances and resumes once the last of them reported', async () => {
    const many = Array.from({ length: 120 }, (_, k) => `i-${k + 1}`);
    const id = await seedDeployment('d-CHUNKS001', { config: ALL_AT_ONCE, instanceIds: many });
    const { batchNumber, instanceIds } = await startBatch(id);
    expect(instanceIds).toHaveLength(120);
    await runLifecycleEvent(world.deps)(eventInput(id, batchNumber, 'token-1'));
    expect(world.transport.sent.map((s) => s.request.instanceIds.length)).toEqual([50, 50, 20]);
    for (const { commandId } of world.transport.sent.slice(0, 2)) {
      world.transport.complete(commandId);
      await onCommandComplete(world.deps)(commandId);
    }
    expect(world.callbacks.successes).toEqual([]);
    world.transport.complete('cmd-3');
    await onCommandComplete(world.deps)('cmd-3');
    expect(world.callbacks.successes.map((s) => s.taskToken)).toEqual(['token-1']);
    expect(await world.store.getEventWait(id, batchNumber, 'ApplicationStop')).toMatchObject({ pending: 0 });
  });

  it('a stop recorded after its first look, while it registers the wait, is seen on the second look: nothing is sent, no wait is left', async () => {
    const id = await seedDeployment('d-RUNSTOPPD');
    const { batchNumber } = await startBatch(id);
    let interleaved = false;
    const racing = storeWith(world.store, {
      putPendingWait: async (wait) => {
        if (!interleaved) {
          interleaved = true;
          // StopDeployment ran here: it wrote its request and found no wait to fail (not stored yet).
          await world.store.updateDeployment(id, {
            stopRequest: { autoRollbackEnabled: false, requestedAt: NOW.toISOString() },
          });
        }
        await world.store.putPendingWait(wait);
      },
    });

    await expect(runLifecycleEvent(depsWith(racing))(eventInput(id, batchNumber, 'token-1'))).rejects.toThrow(
      DeploymentStoppedError,
    );

    expect(interleaved).toBe(true);
    expect(world.transport.sent).toEqual([]);
    expect(await world.store.getPendingWait(id)).toBeUndefined();
    expect(await eventStatus(id, 'i-1', 'ApplicationStop')).toBe('Pending');
    expect((await world.store.listBatchChunks(id, batchNumber))[0]?.commands).toEqual({});
    expect(world.callbacks.failures).toEqual([]);
  });
});

describe('CollectEventResults (the bounded poll)', () => {
  it('records a command whose completion event was lost, and fails the instances still silent past the deadline', async () => {
    const id = await seedDeployment('d-POLLING01', { config: ALL_AT_ONCE });
    const { batchNumber } = await startBatch(id);
    await runLifecycleEvent(world.deps)(eventInput(id, batchNumber, 'token-1'));
    expect(world.transport.sent).toHaveLength(1);
    // The command ended, but its completion event never came.
    world.transport.complete('cmd-1');
    const input = {
      deploymentId: id,
      batchNumber,
      lifecycleEventName: 'ApplicationStop',
      timeoutSeconds: 3900,
    };
    await expect(collectEventResults(world.deps)(input)).resolves.toEqual({ done: true });
    expect(await eventStatus(id, 'i-2', 'ApplicationStop')).toBe('Succeeded');
    expect((await serverDeployment(id)).currentBatch?.polls).toEqual({ script: 1, traffic: 0 });

    // The next event's command never answers: polls before its deadline leave it running...
    await runLifecycleEvent(world.deps)(eventInput(id, batchNumber, 'token-2', 'BeforeInstall'));
    const next = { ...input, lifecycleEventName: 'BeforeInstall' };
    await expect(collectEventResults(world.deps)(next)).resolves.toEqual({ done: false });
    expect(await eventStatus(id, 'i-1', 'BeforeInstall')).toBe('InProgress');
    // ...and past it, its instances fail the event.
    const late = new Date(NOW.getTime() + 3901_000);
    await expect(collectEventResults({ ...world.deps, clock: { now: () => late } })(next)).resolves.toEqual({
      done: true,
    });
    expect(await eventStatus(id, 'i-1', 'BeforeInstall')).toBe('Failed');
  });
});

describe('Rollback of a Server deployment', () => {
  it.each([
    {
      what: 'a StopDeployment',
      error: 'DeploymentStoppedError',
      code: 'MANUAL_STOP',
      status: 'Stopped',
      alarms: false,
    },
    {
      what: 'an alarm',
      error: 'AlarmActiveError',
      code: 'ALARM_ACTIVE',
      status: 'Stopped',
      alarms: true,
    },
  ])(
    'after $what cancels the command in flight and deletes its wait; a retry cancels nothing more',
    async ({ error, code, status, alarms }) => {
      const id = await seedDeployment(alarms ? 'd-ROLLALARM' : 'd-ROLLSTOP1', { alarms });
      const { batchNumber } = await startBatch(id);
      await runLifecycleEvent(world.deps)(eventInput(id, batchNumber, 'token-1', 'ApplicationStart'));
      expect(await world.store.getCommandWait('cmd-1')).toBeDefined();
      // What fails the parked token first, as in production: the stop request or the alarm rule.
      if (alarms) {
        world.alarms.states.set(ALARM, 'ALARM');
        await onAlarmStateChange(world.deps)(ALARM, 'ALARM');
      } else {
        await stopDeployment(world.deps)(id, { autoRollbackEnabled: false });
      }
      expect(world.callbacks.failures.map((f) => [f.taskToken, f.error])).toEqual([['token-1', error]]);

      const output = await rollback(world.deps)({ deploymentId: id, error: { Error: error, Cause: '' } });

      expect(output).toMatchObject({ code, status, rolledBack: false, rollbackRequested: false });
      expect(world.transport.cancelled).toEqual(['cmd-1']);
      expect(await world.store.getCommandWait('cmd-1')).toBeUndefined();

      // The cancelled script reports in late: nothing resumes, nothing is recorded over the stop.
      world.transport.complete('cmd-1', 'Cancelled');
      await expect(onCommandComplete(world.deps)('cmd-1')).resolves.toEqual({ completed: false });
      expect(world.callbacks.successes).toEqual([]);

      await rollback(world.deps)({ deploymentId: id, error: { Error: error, Cause: '' } });
      expect(world.transport.cancelled).toEqual(['cmd-1']);
      expect((await world.store.getDeployment(id))?.errorInformation?.code).toBe(code);
    },
  );
});

describe('CheckTargets', () => {
  it('throws DeploymentStoppedError once a stop is recorded and AlarmActiveError while an alarm is in ALARM, without polling the load balancer', async () => {
    const id = await seedDeployment('d-CHECKTGTS', { alarms: true, targetGroups: true });
    const { batchNumber, events } = await startBatch(id);
    expect(events[1]?.name).toBe('BlockTraffic');
    const input = { deploymentId: id, batchNumber, lifecycleEventName: 'BlockTraffic' };
    await expect(blockTraffic(world.deps)({ deploymentId: id, batchNumber })).resolves.toMatchObject({
      settled: false,
    });
    expect(world.loadBalancer.deregistered).toEqual([{ targetGroup: TARGET_GROUP, instanceIds: ['i-1'] }]);
    // Draining goes on: without a stop or an alarm, CheckTargets keeps polling.
    await expect(checkTargets(world.deps)(input)).resolves.toMatchObject({ settled: false });
    const polls = world.loadBalancer.describeCalls;

    world.alarms.states.set(ALARM, 'ALARM');
    await expect(checkTargets(world.deps)(input)).rejects.toThrow(AlarmActiveError);
    world.alarms.states.set(ALARM, 'OK');
    await expect(checkTargets(world.deps)(input)).resolves.toMatchObject({ settled: false });
    await stopDeployment(world.deps)(id, { autoRollbackEnabled: false });
    await expect(checkTargets(world.deps)(input)).rejects.toThrow(DeploymentStoppedError);

    expect(world.loadBalancer.describeCalls).toBe(polls + 1);
  });
});

describe('Finish', () => {
  it('after Prepare failed between taking the lock and writing the record, releases the lock it took', async () => {
    const id = 'd-LOCKEDONL';
    await world.store.acquireGroupLock(APPLICATION, GROUP, id, {
      untilMs: NOW.getTime() + 3_600_000,
      nowMs: NOW.getTime(),
    });
    expect(await world.store.getGroupLockHolder(APPLICATION, GROUP)).toBe(id);

    const output = await finish(world.deps)({
      executionName: id,
      state: {
        applicationName: APPLICATION,
        deploymentGroupName: GROUP,
        deploymentId: id,
        error: { Error: 'ThrottlingError', Cause: 'Rate exceeded' },
      },
    });

    expect(output).toMatchObject({ deploymentId: id, status: 'Failed', rollbackRequested: false });
    expect(await world.store.getGroupLockHolder(APPLICATION, GROUP)).toBeUndefined();
    expect(await world.store.getDeployment(id)).toBeUndefined();
  });

  it("after Prepare was refused by a busy group, leaves the other deployment's lock alone", async () => {
    await world.store.acquireGroupLock(APPLICATION, GROUP, 'd-HOLDER001', {
      untilMs: NOW.getTime() + 3_600_000,
      nowMs: NOW.getTime(),
    });

    await finish(world.deps)({
      executionName: 'd-REFUSED01',
      state: {
        applicationName: APPLICATION,
        deploymentGroupName: GROUP,
        deploymentId: 'd-REFUSED01',
        error: { Error: 'DeploymentLimitExceededException', Cause: 'busy' },
      },
    });

    expect(await world.store.getGroupLockHolder(APPLICATION, GROUP)).toBe('d-HOLDER001');
  });
});

describe('OnAlarmStateChange', () => {
  it('fails the pending instance-command wait of a Server deployment watching the alarm', async () => {
    const id = await seedDeployment('d-ALARMWAIT', { alarms: true });
    const { batchNumber } = await startBatch(id);
    await runLifecycleEvent(world.deps)(eventInput(id, batchNumber, 'token-1'));
    expect(await world.store.getPendingWait(id)).toMatchObject({
      taskToken: 'token-1',
      kind: 'InstanceCommand',
    });

    await expect(onAlarmStateChange(world.deps)(ALARM, 'OK')).resolves.toEqual({ failedWaits: [] });
    expect(world.callbacks.failures).toEqual([]);
    await expect(onAlarmStateChange(world.deps)(ALARM, 'ALARM')).resolves.toEqual({ failedWaits: [id] });

    expect(world.callbacks.failures).toEqual([
      { taskToken: 'token-1', error: 'AlarmActiveError', cause: expect.stringContaining(ALARM) as string },
    ]);
    expect(await world.store.getPendingWait(id)).toBeUndefined();
  });

  it("Prepare refuses a deployment whose child executions would not fit in its own execution's history, before any instance is touched", async () => {
    // OneAtATime behind a load balancer: at their longest (every event polled to its deadline), 7
    // batches fit in a child execution, and 20,000 batches need more children than the parent holds.
    const instanceIds = Array.from({ length: 20_000 }, (_, i) => `i-${i + 1}`);
    await world.store.putDeploymentGroup({
      applicationName: APPLICATION,
      deploymentGroupName: GROUP,
      deploymentGroupId: 'dg-web',
      computePlatform: 'Server',
      deploymentConfigName: ONE_AT_A_TIME,
      instanceIds,
      targetGroupNames: [TARGET_GROUP],
    });
    const deploymentId = 'd-TOOMANY01';
    await expect(
      prepare(world.deps)({
        executionName: deploymentId,
        request: {
          deploymentId,
          applicationName: APPLICATION,
          deploymentGroupName: GROUP,
          revision: REVISION,
        },
      }),
    ).rejects.toMatchObject({
      name: 'OverMaxInstancesError',
      message: expect.stringContaining(
        'Deploying 20000 instances with CodeDeployDefault.OneAtATime takes 20000 batches',
      ),
    });
    expect(await world.store.listDeploymentTargets(deploymentId)).toEqual([]);
    expect(await world.store.peekInstanceQueue(deploymentId, 0, false, 1)).toEqual([]);
    expect(world.transport.sent).toEqual([]);
  });

  it('Prepare pins an S3 revision to the object version and ETag it checked', async () => {
    const s3Revision: RevisionLocation = {
      revisionType: 'S3',
      s3Location: { bucket: 'releases', key: 'web/v1.zip', bundleType: 'zip' },
    };
    const checked: RevisionSourcePort = {
      ...revisions,
      async readRevision() {
        return { ...(await revisions.readRevision(s3Revision)), s3Object: { version: 'v9', eTag: 'abc123' } };
      },
    };
    await world.store.putDeploymentGroup({
      applicationName: APPLICATION,
      deploymentGroupName: GROUP,
      deploymentGroupId: 'dg-web',
      computePlatform: 'Server',
      deploymentConfigName: ONE_AT_A_TIME,
      instanceIds: INSTANCES,
    });
    const deploymentId = 'd-PINNED001';
    await prepare({ ...world.deps, revisions: checked })({
      executionName: deploymentId,
      request: {
        deploymentId,
        applicationName: APPLICATION,
        deploymentGroupName: GROUP,
        revision: s3Revision,
      },
    });
    expect((await world.store.getDeployment(deploymentId))?.revision.s3Location).toEqual({
      bucket: 'releases',
      key: 'web/v1.zip',
      bundleType: 'zip',
      version: 'v9',
      eTag: 'abc123',
    });
  });
});
