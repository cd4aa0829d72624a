import { describe, expect, it } from 'vitest';
import { wallClockTimers } from '../../../local/simulated/timers.js';

describe('wallClockTimers', () => {
  it('tells the real time', () => {
    const before = Date.now();
    const now = wallClockTimers().now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('fires a timer after its delay and not once cancelled', async () => {
    const timers = wallClockTimers();
    const fired: string[] = [];
    timers.setTimer(5, () => fired.push('kept'));
    const cancel = timers.setTimer(5, () => fired.push('cancelled'));
    cancel();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fired).toEqual(['kept']);
  });

  it('returns tracked work unchanged', async () => {
    const work = Promise.resolve(42);
    expect(wallClockTimers().track(work)).toBe(work);
    await expect(work).resolves.toBe(42);
  });
});
