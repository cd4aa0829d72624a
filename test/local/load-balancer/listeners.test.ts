/**
 * Named listeners of the local load balancer (the production and test listeners of local ECS
 * services), served on its own thread: each on its own 127.0.0.1 port with its own weighted forward
 * action, changed by modifyListener with no request failing, and ELBv2's errors for what does not
 * exist. The random draw of a forward action follows the weights.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ForwardAction } from '../../../local/load-balancer/forward-action.js';
import { LoadBalancerThread } from '../../../local/load-balancer/thread.js';
import { startBackend, type Backend } from './backends.js';

const open: Array<{ close(): Promise<void> } | LoadBalancerThread> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) {
    if (item instanceof LoadBalancerThread) await item.stop();
    else await item.close();
  }
});

async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

async function setUp(): Promise<{ lb: LoadBalancerThread; blue: Backend; green: Backend }> {
  const blue = await startBackend('blue');
  const green = await startBackend('green');
  open.push(blue, green);
  const lb = await LoadBalancerThread.start({ targetPorts: { 'task-1': blue.port, 'task-2': green.port } });
  open.push(lb);
  await lb.createTargetGroup('web-blue', { healthCheckIntervalMs: 50 });
  await lb.createTargetGroup('web-green', { healthCheckIntervalMs: 50 });
  await lb.registerTargets('web-blue', ['task-1']);
  await lb.registerTargets('web-green', ['task-2']);
  await lb.waitForHealthy('web-blue', ['task-1'], 5000);
  await lb.waitForHealthy('web-green', ['task-2'], 5000);
  return { lb, blue, green };
}

describe('named listeners', () => {
  it('forward by their own weights on their own port, and follow modifyListener at once', async () => {
    const { lb } = await setUp();
    const production = await lb.call('createListener', 'prod', {
      forward: { 'web-blue': 1, 'web-green': 0 },
    });
    const test = await lb.call('createListener', 'test', { forward: { 'web-blue': 0, 'web-green': 1 } });
    expect(production.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(production.port).not.toBe(test.port);
    for (let i = 0; i < 5; i++) {
      expect((await get(production.url)).body).toBe('blue');
      expect((await get(test.url)).body).toBe('green');
    }
    await lb.call('modifyListener', 'prod', { 'web-blue': 0, 'web-green': 100 });
    expect(await lb.call('describeListener', 'prod')).toEqual({
      name: 'prod',
      url: production.url,
      port: production.port,
      forward: { 'web-blue': 0, 'web-green': 100 },
    });
    for (let i = 0; i < 5; i++) expect((await get(production.url)).body).toBe('green');
    expect((await lb.call('describeListeners')).map((l) => l.name)).toEqual(['prod', 'test']);
    await lb.call('deleteListener', 'test');
    await expect(fetch(test.url)).rejects.toThrow();
  });

  it("answers ELBv2's errors: an unknown listener or target group, weights out of range", async () => {
    const { lb } = await setUp();
    await expect(lb.call('describeListener', 'nope')).rejects.toMatchObject({
      name: 'AwsServiceError',
      code: 'ListenerNotFoundException',
    });
    await expect(lb.call('createListener', 'x', { forward: { missing: 1 } })).rejects.toMatchObject({
      code: 'TargetGroupNotFoundException',
    });
    await lb.call('createListener', 'prod', { forward: { 'web-blue': 1 } });
    await expect(lb.call('modifyListener', 'prod', { 'web-blue': 1000 })).rejects.toMatchObject({
      code: 'ValidationError',
    });
    await expect(lb.call('createListener', 'prod', { forward: { 'web-blue': 1 } })).rejects.toMatchObject({
      code: 'ValidationError',
    });
  });
});

describe("an alarm on one named listener's 5xx rate", () => {
  it("counts that listener's requests only: 5xx on the test listener leave the production alarm OK", async () => {
    const { lb, green } = await setUp();
    green.appStatus = 500;
    const production = await lb.call('createListener', 'prod', {
      forward: { 'web-blue': 1, 'web-green': 0 },
    });
    const test = await lb.call('createListener', 'test', { forward: { 'web-blue': 0, 'web-green': 1 } });
    const alarm = await lb.createAlarm({
      name: 'prod-5xx',
      listener: 'prod',
      periodMs: 100,
      evaluationPeriods: 2,
      thresholdPercent: 50,
      minRequests: 3,
    });
    await alarm.start();
    // Half a second of failures on the test listener and successes on production: five periods.
    const until = Date.now() + 500;
    while (Date.now() < until) {
      expect((await get(test.url)).status).toBe(500);
      expect((await get(production.url)).status).toBe(200);
    }
    expect(await alarm.state()).toBe('OK');
    // Production now forwards to the failing group: two breaching periods later it is in ALARM.
    await lb.call('modifyListener', 'prod', { 'web-blue': 0, 'web-green': 1 });
    const deadline = Date.now() + 3000;
    while ((await alarm.state()) !== 'ALARM' && Date.now() < deadline) await get(production.url);
    expect(await alarm.state()).toBe('ALARM');
    await alarm.stop();
  });

  it('refuses a listener that does not exist, as DescribeListeners does', async () => {
    const { lb } = await setUp();
    await expect(
      lb.createAlarm({
        name: 'x',
        listener: 'nope',
        periodMs: 100,
        evaluationPeriods: 1,
        thresholdPercent: 50,
      }),
    ).rejects.toMatchObject({ code: 'ListenerNotFoundException' });
  });
});

describe('a forward action drawn at random', () => {
  it('sends each group the share of its weight (a fixed sequence of draws, so exact)', () => {
    const draws = Array.from({ length: 1000 }, (_, i) => (i + 0.5) / 1000);
    let next = 0;
    const action = new ForwardAction({ random: () => draws[next++ % draws.length]! });
    action.set(
      new Map([
        ['blue', 90],
        ['green', 10],
        ['idle', 0],
      ]),
    );
    const counts = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const group = action.next()!;
      counts.set(group, (counts.get(group) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ blue: 900, green: 100 });
    action.set(new Map([['blue', 0]]));
    expect(action.next()).toBeUndefined();
  });
});
