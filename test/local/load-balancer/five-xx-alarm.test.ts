import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmState } from '../../../functions/ports/alarms.js';
import { LocalAlarm, type FiveXxSource } from '../../../local/load-balancer/five-xx-alarm.js';
import { LocalLoadBalancer } from '../../../local/load-balancer/load-balancer.js';
import { ManualTimers } from '../simulated/manual-timers.js';
import { send, startBackend, until } from './backends.js';

/** A source whose next period reads as set by the test. */
class ScriptedSource implements FiveXxSource {
  requests = 0;
  rate = 0;
  fiveXxRate(): number {
    return this.rate;
  }
  requestCount(): number {
    return this.requests;
  }
  period(requests: number, rate: number): void {
    this.requests = requests;
    this.rate = rate;
  }
}

type Change = [string, AlarmState, AlarmState];

describe('LocalAlarm', () => {
  it('goes ALARM after evaluationPeriods breaching periods and back to OK, notifying only changes', async () => {
    const timers = new ManualTimers();
    const source = new ScriptedSource();
    const alarm = new LocalAlarm(source, {
      name: 'web-5xx',
      periodMs: 100,
      evaluationPeriods: 3,
      thresholdPercent: 10,
      minRequests: 5,
      timers,
    });
    const changes: Change[] = [];
    alarm.onStateChange((...change) => void changes.push(change));
    alarm.start();

    const periods: Array<[requests: number, rate: number, expected: AlarmState]> = [
      [20, 50, 'OK'], // 1 breaching
      [20, 50, 'OK'], // 2
      [20, 5, 'OK'], // below threshold: the count starts over
      [20, 10, 'OK'], // 1 (>= threshold breaches)
      [20, 60, 'OK'], // 2
      [20, 60, 'ALARM'], // 3: ALARM
      [20, 100, 'ALARM'], // still ALARM, no new event
      [4, 100, 'OK'], // too few requests: not breaching, OK
      [0, 0, 'OK'],
    ];
    for (const [requests, rate, expected] of periods) {
      source.period(requests, rate);
      await timers.advance(100);
      expect(alarm.state()).toBe(expected);
    }
    expect(changes).toEqual([
      ['web-5xx', 'ALARM', 'OK'],
      ['web-5xx', 'OK', 'ALARM'],
    ]);
    expect(await alarm.describeAlarms(['web-5xx', 'other'])).toEqual(new Map([['web-5xx', 'OK']]));

    alarm.stop();
    expect(timers.pendingTimers).toBe(0);
  });

  it('keeps a failing listener from affecting the others or the alarm', async () => {
    const timers = new ManualTimers();
    const source = new ScriptedSource();
    const errors: unknown[] = [];
    const alarm = new LocalAlarm(source, {
      name: 'a',
      periodMs: 10,
      evaluationPeriods: 1,
      thresholdPercent: 1,
      timers,
      onListenerError: (error) => errors.push(error),
    });
    const heard: AlarmState[] = [];
    alarm.onStateChange(() => {
      throw new Error('listener broke');
    });
    const unsubscribe = alarm.onStateChange((_name, state) => void heard.push(state));
    alarm.start();
    source.period(10, 100);
    await timers.advance(10);
    unsubscribe();
    source.period(10, 0);
    await timers.advance(10);
    expect(alarm.state()).toBe('OK');
    expect(heard).toEqual(['ALARM']);
    expect(errors).toHaveLength(2);
    alarm.stop();
  });

  it('rejects settings CloudWatch would reject', () => {
    const source = new ScriptedSource();
    const base = { name: 'a', periodMs: 100, evaluationPeriods: 1, thresholdPercent: 5 };
    expect(() => new LocalAlarm(source, { ...base, evaluationPeriods: 0 })).toThrow(RangeError);
    expect(() => new LocalAlarm(source, { ...base, periodMs: 0 })).toThrow(RangeError);
    expect(() => new LocalAlarm(source, { ...base, thresholdPercent: 101 })).toThrow(RangeError);
  });
});

describe('LocalAlarm on a real LocalLoadBalancer (real time)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('goes ALARM while the target answers 500 and OK once it recovers', async () => {
    const a = await startBackend('a');
    cleanups.push(() => a.close());
    const lb = new LocalLoadBalancer({ metrics: { resolutionMs: 10 } });
    cleanups.push(() => lb.stop());
    const url = await lb.start();
    lb.createTargetGroup('web', { healthCheckIntervalMs: 50 });
    lb.setTargetPort('a', a.port);
    await lb.registerTargets('web', ['a']);
    await lb.waitForHealthy('web', ['a'], 2000);

    const alarm = new LocalAlarm(lb, {
      name: 'web-5xx',
      periodMs: 100,
      evaluationPeriods: 2,
      thresholdPercent: 50,
      minRequests: 3,
    });
    cleanups.push(() => alarm.stop());
    const changes: Change[] = [];
    alarm.onStateChange((...change) => void changes.push(change));
    alarm.start();

    // Steady traffic for the whole test, as a canary client would send.
    let sending = true;
    const traffic = (async () => {
      while (sending) {
        await send(url);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    cleanups.push(async () => {
      sending = false;
      await traffic;
    });

    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(alarm.state()).toBe('OK');
    a.appStatus = 500;
    await until('ALARM', () => alarm.state() === 'ALARM', 3000);
    a.appStatus = 200;
    await until('OK', () => alarm.state() === 'OK', 3000);
    await until('both notifications', () => changes.length >= 2);
    expect(changes).toEqual([
      ['web-5xx', 'ALARM', 'OK'],
      ['web-5xx', 'OK', 'ALARM'],
    ]);
  });
});
