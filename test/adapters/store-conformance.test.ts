/**
 * The store's roles that do not grow with a fleet (queues, chunks, event waits, instance health,
 * batched targets) and the lock lease, against both stores: DynamoDB's API on dynalite, and the
 * in-memory store the scale benchmark uses. Both must answer alike, or the benchmark would measure
 * something else than what runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryDeploymentStore } from '../../functions/adapters/local/memory-store.js';
import type { DeploymentStore } from '../../functions/ports/deployment-store.js';
import type { InstanceTargetRecord } from '../../functions/ports/records.js';
import { startLocalDatabase, type LocalDatabase } from '../../local/runtime/dynalite.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let database: LocalDatabase;
beforeAll(async () => {
  database = await startLocalDatabase();
});
afterAll(async () => {
  await database.close();
});

const STORES: Array<[string, () => DeploymentStore]> = [
  ['dynalite', () => database.store],
  ['memory', () => memoryDeploymentStore()],
];

const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-05T09:00:00Z');

describe.each(STORES)('the %s store', (name, make) => {
  const id = (suffix: string) => `d-${name.slice(0, 3).toUpperCase()}${suffix}`;

  it('hands a group whose lease ran out to the next deployment, and never shortens a lease', async () => {
    const store = make();
    const group = `lease-${name}`;
    await store.acquireGroupLock('app', group, id('LEASE1'), { untilMs: T0 + HOUR, nowMs: T0 });
    await expect(
      store.acquireGroupLock('app', group, id('LEASE2'), { untilMs: T0 + 2 * HOUR, nowMs: T0 + HOUR - 1 }),
    ).rejects.toMatchObject({ name: 'DeploymentLimitExceededException' });
    // The holder renews: a renewal to an earlier time leaves the longer lease.
    expect(await store.renewGroupLock('app', group, id('LEASE1'), T0 + 3 * HOUR)).toBe(true);
    expect(await store.renewGroupLock('app', group, id('LEASE1'), T0 + 2 * HOUR)).toBe(true);
    await expect(
      store.acquireGroupLock('app', group, id('LEASE2'), {
        untilMs: T0 + 4 * HOUR,
        nowMs: T0 + 3 * HOUR - 1,
      }),
    ).rejects.toMatchObject({ name: 'DeploymentLimitExceededException' });
    // Nobody renewed past the lease: the next deployment takes the group; the old holder has lost it.
    await store.acquireGroupLock('app', group, id('LEASE2'), {
      untilMs: T0 + 5 * HOUR,
      nowMs: T0 + 3 * HOUR + 1,
    });
    expect(await store.getGroupLockHolder('app', group)).toBe(id('LEASE2'));
    expect(await store.renewGroupLock('app', group, id('LEASE1'), T0 + 9 * HOUR)).toBe(false);
    await store.releaseGroupLock('app', group, id('LEASE1'));
    expect(await store.getGroupLockHolder('app', group)).toBe(id('LEASE2'));
  });

  it('gives the fronts of a queue in order, and forgets what was taken', async () => {
    const store = make();
    const deploymentId = id('QUEUE1');
    await store.putInstanceQueue(
      deploymentId,
      [7, 2, 11, 0, 5].map((position) => ({ instanceId: `i-${position}`, wave: 1, healthy: true, position })),
    );
    await store.putInstanceQueue(deploymentId, [{ instanceId: 'i-u', wave: 1, healthy: false, position: 0 }]);
    const front = await store.peekInstanceQueue(deploymentId, 1, true, 3);
    expect(front.map((e) => e.instanceId)).toEqual(['i-0', 'i-2', 'i-5']);
    await store.removeFromInstanceQueue(deploymentId, front);
    expect((await store.peekInstanceQueue(deploymentId, 1, true, 10)).map((e) => e.instanceId)).toEqual([
      'i-7',
      'i-11',
    ]);
    expect((await store.peekInstanceQueue(deploymentId, 1, false, 10)).map((e) => e.instanceId)).toEqual([
      'i-u',
    ]);
    expect(await store.peekInstanceQueue(deploymentId, 0, true, 10)).toEqual([]);
  });

  it('counts the commands of an event: exactly one of the completions that arrive together sees the last one', async () => {
    const store = make();
    const deploymentId = id('EVENT1');
    await store.openEventWait(deploymentId, 3, 'Install', 'token-1', '2026-01-05T09:00:00.000Z');
    for (let k = 0; k < 20; k++) await store.addEventCommand(deploymentId, 3, 'Install');
    // A retry hands over its token and keeps the counters and the start.
    const reopened = await store.openEventWait(
      deploymentId,
      3,
      'Install',
      'token-2',
      '2026-01-05T10:00:00.000Z',
    );
    expect(reopened).toMatchObject({
      taskToken: 'token-2',
      pending: 20,
      allSent: false,
      startedAt: '2026-01-05T09:00:00.000Z',
    });
    expect((await store.markEventSent(deploymentId, 3, 'Install')).allSent).toBe(true);
    const after = await Promise.all(
      Array.from({ length: 20 }, () => store.eventCommandDone(deploymentId, 3, 'Install')),
    );
    expect(after.filter((wait) => wait.pending === 0 && wait.allSent)).toHaveLength(1);
    expect(await store.getEventWait(deploymentId, 3, 'Install')).toMatchObject({
      pending: 0,
      taskToken: 'token-2',
    });
  });

  it("keeps a batch's chunks and the command each event sent to each", async () => {
    const store = make();
    const deploymentId = id('CHUNK1');
    await store.putBatchChunks(
      [1, 0].map((chunk) => ({
        deploymentId,
        batchNumber: 4,
        chunk,
        instanceIds: [`i-${chunk}`],
        queued: [],
        commands: {},
      })),
    );
    await store.recordChunkCommand(deploymentId, 4, 1, 'Install', 'cmd-9');
    const chunks = await store.listBatchChunks(deploymentId, 4);
    expect(chunks.map((c) => [c.chunk, c.instanceIds, c.commands])).toEqual([
      [0, ['i-0'], {}],
      [1, ['i-1'], { Install: 'cmd-9' }],
    ]);
    expect(await store.listBatchChunks(deploymentId, 5)).toEqual([]);
  });

  it('writes and reads targets in batches, and instance health one item per instance', async () => {
    const store = make();
    const deploymentId = id('TARGET1');
    const targets: InstanceTargetRecord[] = Array.from({ length: 260 }, (_, k) => ({
      deploymentId,
      targetId: `i-${String(k).padStart(4, '0')}`,
      status: 'Pending',
      lastUpdatedAt: 't0',
      lifecycleEvents: [{ lifecycleEventName: 'Install', status: 'Pending' }],
    }));
    await store.putDeploymentTargets(targets);
    const some = await store.getDeploymentTargets(deploymentId, ['i-0007', 'i-0259', 'i-9999', 'i-0007']);
    expect(some.map((t) => t.targetId).sort()).toEqual(['i-0007', 'i-0259']);
    expect(await store.listDeploymentTargets(deploymentId)).toHaveLength(260);

    const group = `health-${name}`;
    await store.recordInstanceHealth(
      'app',
      group,
      targets.slice(0, 130).map((t) => ({ instanceId: t.targetId, health: 'Healthy' as const })),
    );
    await store.recordInstanceHealth('app', group, [{ instanceId: 'i-0001', health: 'Unhealthy' }]);
    const health = await store.listInstanceHealth('app', group);
    expect(health.size).toBe(130);
    expect(health.get('i-0001')).toBe('Unhealthy');
    expect(health.get('i-0002')).toBe('Healthy');
  });

  it("records a group's last success without touching its configuration, and never recreates a deleted group", async () => {
    const store = make();
    const group = `config-${name}`;
    await store.putDeploymentGroup({
      applicationName: 'app',
      deploymentGroupName: group,
      deploymentGroupId: 'dg',
      computePlatform: 'Server',
      deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
      instanceHealth: { 'i-legacy': 'Healthy' },
    });
    expect(
      await store.recordGroupDeploymentState('app', group, { lastSuccessfulDeploymentId: id('GOOD01') }),
    ).toBe(true);
    expect(await store.getDeploymentGroup('app', group)).toMatchObject({
      deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
      lastSuccessfulDeploymentId: id('GOOD01'),
    });
    // Health recorded on the group item by earlier versions is still read.
    expect((await store.listInstanceHealth('app', group)).get('i-legacy')).toBe('Healthy');
    expect(
      await store.recordGroupDeploymentState('app', `${group}-gone`, {
        lastSuccessfulDeploymentId: id('GOOD02'),
      }),
    ).toBe(false);
    expect(await store.getDeploymentGroup('app', `${group}-gone`)).toBeUndefined();
  });
});
