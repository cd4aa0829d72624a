import type { SimulationTimers } from '../../../local/simulated/timers.js';

interface PendingTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A virtual clock for the simulator tests: time moves only through `advance`, which (like compressed
 * time) lets tracked work settle before firing each due timer.
 */
export class ManualTimers implements SimulationTimers {
  private nowMs: number;
  private seq = 0;
  private readonly timers: PendingTimer[] = [];
  private readonly busy = new Set<Promise<unknown>>();

  constructor(start = Date.UTC(2025, 0, 1, 12, 0, 0)) {
    this.nowMs = start;
  }

  now(): Date {
    return new Date(this.nowMs);
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer: PendingTimer = { at: this.nowMs + ms, seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      const index = this.timers.indexOf(timer);
      if (index >= 0) this.timers.splice(index, 1);
    };
  }

  track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.busy.add(settled);
    void settled.then(() => this.busy.delete(settled));
    return work;
  }

  /** How many tracked pieces of work are still running. */
  get busyCount(): number {
    return this.busy.size;
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Waits until no tracked work is left (work may start more work). */
  async idle(): Promise<void> {
    while (this.busy.size > 0) await Promise.all([...this.busy]);
  }

  async advance(ms: number): Promise<void> {
    const target = this.nowMs + ms;
    await this.idle();
    for (;;) {
      const due = this.timers
        .filter((timer) => timer.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers.splice(this.timers.indexOf(due), 1);
      this.nowMs = due.at;
      due.fn();
      await this.idle();
    }
    this.nowMs = target;
  }
}

/** A promise with its resolve, to hold background work open from the test. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
