import type { EngineClock } from './clock.js';

/**
 * Real time, sped up: `speed` simulated seconds pass for every real second, and timers fire after
 * their delay divided by `speed`. Unlike the VirtualClock it never jumps: work outside the engine
 * (processes starting, health checks, traffic) runs in real time beside it. The local ECS demo and
 * tests use it to show a five-minute canary bake in a few seconds on real processes.
 */
export class ScaledClock implements EngineClock {
  readonly kind = 'real';
  private readonly startReal = Date.now();
  private readonly active = new Set<NodeJS.Timeout>();
  private disposed = false;

  constructor(
    readonly speed: number,
    private readonly startMs = Date.now(),
  ) {
    if (!(speed > 0) || !Number.isFinite(speed))
      throw new RangeError(`speed must be a positive number, not ${speed}`);
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  nowMs(): number {
    return this.startMs + Math.round((Date.now() - this.startReal) * this.speed);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(ms, resolve));
  }

  setTimer(ms: number, fn: () => void): () => void {
    if (this.disposed) return () => {};
    // Timers of more than ~24.8 days of real time are not needed at any useful speed.
    const handle = setTimeout(
      () => {
        this.active.delete(handle);
        fn();
      },
      Math.min(2_147_483_647, Math.max(0, ms) / this.speed),
    );
    this.active.add(handle);
    return () => {
      clearTimeout(handle);
      this.active.delete(handle);
    };
  }

  track<T>(work: Promise<T>): Promise<T> {
    return work;
  }

  dispose(): void {
    this.disposed = true;
    for (const handle of this.active) clearTimeout(handle);
    this.active.clear();
  }
}
