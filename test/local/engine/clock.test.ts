import { afterEach, describe, expect, it } from 'vitest';
import { RealClock, VirtualClock } from '../../../local/engine/index.js';
import { realDelay } from './support.js';

describe('VirtualClock', () => {
  let clock: VirtualClock | undefined;
  afterEach(() => clock?.dispose());

  it('jumps to each timer in time order when idle, so now() reads exactly the timer time', async () => {
    clock = new VirtualClock({ startMs: 1_000 });
    const c = clock;
    const seen: [string, number][] = [];
    c.setTimer(1_800_000, () => seen.push(['bake', c.nowMs()]));
    c.setTimer(60_000, () => seen.push(['poll', c.nowMs()]));
    await c.sleep(3_600_000);
    expect(seen).toEqual([
      ['poll', 61_000],
      ['bake', 1_801_000],
    ]);
    expect(c.nowMs()).toBe(3_601_000);
    expect(c.now()).toEqual(new Date(3_601_000));
  });

  it('stands still while tracked work runs and moves on once it finishes', async () => {
    clock = new VirtualClock({ startMs: 0 });
    const c = clock;
    const order: string[] = [];
    c.setTimer(5_000, () => order.push(`timer at ${c.nowMs()}`));
    await c.track(
      (async () => {
        await realDelay(30);
        order.push(`work done at ${c.nowMs()}`);
      })(),
    );
    await c.sleep(10_000);
    expect(order).toEqual(['work done at 0', 'timer at 5000']);
  });

  it('polls only while timers are pending and nothing tracked runs', async () => {
    clock = new VirtualClock({ startMs: 0 });
    expect(clock.polling).toBe(false);
    let release!: () => void;
    const work = clock.track(new Promise<void>((resolve) => (release = resolve)));
    clock.setTimer(1_000, () => {});
    // Busy: a timer is pending but the clock neither polls nor moves.
    expect(clock.polling).toBe(false);
    await realDelay(10);
    expect(clock.nowMs()).toBe(0);
    release();
    await work;
    expect(clock.polling).toBe(true);
    await realDelay(10);
    // The timer fired; with nothing pending the detector stopped instead of spinning.
    expect(clock.nowMs()).toBe(1_000);
    expect(clock.pendingTimers).toBe(0);
    expect(clock.polling).toBe(false);
  });

  it('never fires a cancelled timer', async () => {
    clock = new VirtualClock({ startMs: 0 });
    let fired = false;
    const cancel = clock.setTimer(100, () => {
      fired = true;
    });
    cancel();
    await clock.sleep(1_000);
    expect(fired).toBe(false);
    expect(clock.nowMs()).toBe(1_000);
  });

  it('does not count a tracked rejection as handled for the caller, but keeps its own count right', async () => {
    clock = new VirtualClock({ startMs: 0 });
    await expect(clock.track(Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(clock.busyCount).toBe(0);
  });

  it('stops for good when disposed: pending timers never fire, new ones are ignored', async () => {
    clock = new VirtualClock({ startMs: 0 });
    let fired = 0;
    clock.setTimer(10, () => fired++);
    clock.dispose();
    clock.setTimer(10, () => fired++);
    await realDelay(20);
    expect(fired).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    expect(clock.nowMs()).toBe(0);
  });
});

describe('RealClock', () => {
  it('fires timers and sleeps in wall-clock time, and cancels', async () => {
    const clock = new RealClock();
    let cancelledFired = false;
    clock.setTimer(5, () => {
      cancelledFired = true;
    })();
    const before = clock.nowMs();
    await clock.sleep(20);
    expect(clock.nowMs() - before).toBeGreaterThanOrEqual(15);
    expect(cancelledFired).toBe(false);
    clock.dispose();
  });
});
