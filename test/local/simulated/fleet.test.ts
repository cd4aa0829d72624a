import { describe, expect, it } from 'vitest';
import { SimulatedInstanceTransport } from '../../../local/simulated/instances.js';
import { ELB_DEFAULT_TIMINGS, SimulatedLoadBalancer } from '../../../local/simulated/load-balancer.js';
import { VirtualClock } from '../../../local/engine/index.js';

describe('the simulated ELB target group keeps ELB’s default timings', () => {
  it('drains a deregistered target for 300 s, and turns a registered one healthy after 5 checks 30 s apart', async () => {
    let now = 0;
    const lb = new SimulatedLoadBalancer({ now: () => new Date(now) });
    lb.createTargetGroup('web', ['i-1']);
    expect(await lb.describeTargetGroupTimings('web')).toEqual(ELB_DEFAULT_TIMINGS);
    const state = async () => (await lb.describeTargetHealth('web', ['i-1'])).get('i-1');
    expect(await state()).toBe('healthy');
    await lb.deregisterTargets('web', ['i-1']);
    now += 299_000;
    expect(await state()).toBe('draining');
    now += 1_000;
    expect(await state()).toBe('unused');
    await lb.registerTargets('web', ['i-1']);
    now += 149_000;
    expect(await state()).toBe('initial');
    now += 1_000;
    expect(await state()).toBe('healthy');
  });

  it('refuses a stopped instance with InvalidTargetException, as ELBv2 does, registering nothing of the call', async () => {
    const lb = new SimulatedLoadBalancer({ now: () => new Date(0) });
    lb.createTargetGroup('web');
    lb.stopped.add('i-2');
    await expect(lb.registerTargets('web', ['i-1', 'i-2'])).rejects.toMatchObject({
      code: 'InvalidTargetException',
      message: expect.stringContaining("'i-2'"),
    });
    expect((await lb.describeTargetHealth('web', ['i-1'])).get('i-1')).toBe('unused');
  });
});

describe('the simulated fleet behind the SSM transport', () => {
  it('runs each event for its time on the clock, fails where asked, and reports a command once all its instances ended', async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const transport = new SimulatedInstanceTransport({
      timers: clock,
      eventSeconds: (_event, id) => (id === 'i-slow' ? 30 : 2),
      fails: (event, id) => event === 'Install' && id === 'i-bad',
    });
    const completed: Array<{ id: string; at: number }> = [];
    transport.onComplete((id) => void completed.push({ id, at: clock.nowMs() }));
    const { commandId } = await transport.sendCommand({
      instanceIds: ['i-ok', 'i-bad', 'i-slow'],
      script: '#!/bin/sh\n',
      executionTimeoutSeconds: 60,
      comment: 'd-SIMFLEET1 Install',
    });
    await clock.sleep(10_000);
    const midway = await transport.getCommandResults(commandId, ['i-ok', 'i-bad', 'i-slow']);
    expect(midway.map((r) => r.status)).toEqual(['Success', 'Failed', 'InProgress']);
    expect(midway[1]?.stdout).toContain('"error_code":4');
    expect(completed).toEqual([]);
    await clock.sleep(30_000);
    expect(completed).toEqual([{ id: commandId, at: 30_000 }]);
    clock.dispose();
  });
});
