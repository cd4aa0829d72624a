import type { ClockPort } from '../../functions/ports/clock.js';

/**
 * The engine's time source. Everything in the embedded runtime that waits (token timeouts, Wait
 * states, retry backoff, execution timeouts) waits on one of these, so a VirtualClock can compress it.
 */
export interface EngineClock extends ClockPort {
  readonly kind: 'real' | 'virtual';
  now(): Date;
  /** Milliseconds since the epoch on this clock. */
  nowMs(): number;
  /** Resolves after `ms` of this clock's time; never resolves once the clock is disposed. */
  sleep(ms: number): Promise<void>;
  /** Calls `fn` once after `ms` of this clock's time. Returns a function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
  /**
   * Declares `work` as running code (not waiting): a VirtualClock does not move while any tracked
   * work is pending. The engine tracks every step handler; the simulated Lambda tracks the hook
   * functions it runs in the background. Returns `work` itself.
   */
  track<T>(work: Promise<T>): Promise<T>;
  /** Cancels every timer; later timers never fire. */
  dispose(): void;
}

/** Node clamps a larger `setTimeout` delay to 1 ms; longer timers are re-armed in steps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** Wall-clock time: `Date.now()` and `setTimeout`. */
export class RealClock implements EngineClock {
  readonly kind = 'real';
  private readonly active = new Set<{ handle: NodeJS.Timeout | undefined }>();
  private disposed = false;

  now(): Date {
    return new Date();
  }

  nowMs(): number {
    return Date.now();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(ms, resolve));
  }

  setTimer(ms: number, fn: () => void): () => void {
    if (this.disposed) return () => {};
    const timer: { handle: NodeJS.Timeout | undefined } = { handle: undefined };
    const due = Date.now() + Math.max(0, ms);
    const arm = (): void => {
      const remaining = Math.max(0, due - Date.now());
      const capped = remaining > MAX_TIMEOUT_MS;
      timer.handle = setTimeout(
        () => {
          if (capped) return arm();
          this.active.delete(timer);
          fn();
        },
        capped ? MAX_TIMEOUT_MS : remaining,
      );
    };
    arm();
    this.active.add(timer);
    return () => {
      clearTimeout(timer.handle);
      this.active.delete(timer);
    };
  }

  track<T>(work: Promise<T>): Promise<T> {
    return work;
  }

  dispose(): void {
    this.disposed = true;
    for (const timer of this.active) clearTimeout(timer.handle);
    this.active.clear();
  }
}

export interface VirtualClockOptions {
  /** Initial time in ms since the epoch (default: the wall clock at construction). */
  startMs?: number;
  /**
   * How many consecutive `setImmediate` turns with nothing tracked running and no timer set or
   * cancelled count as idle. Promise chains settle within one turn; a few more absorb I/O callbacks.
   */
  idleTurns?: number;
}

interface VirtualTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * Compressed time. The clock stands still while anything tracked runs; when everything is waiting
 * (nothing tracked, nothing changed for a few event-loop turns) it jumps to the earliest timer and
 * fires it. A 30-minute bake then takes milliseconds and `now()` reads exactly start + 1800 s.
 *
 * It cannot spin: it only polls while timers are pending and nothing runs, and each idle poll ends
 * by firing a timer. With no timers it waits for new work; `dispose()` stops it for good.
 * Work that is not tracked (a raw `setTimeout` in a test, untracked I/O) does not hold the clock:
 * a pending timeout may fire before it.
 */
export class VirtualClock implements EngineClock {
  readonly kind = 'virtual';
  private current: number;
  private readonly idleTurns: number;
  private readonly timers = new Map<number, VirtualTimer>();
  private seq = 0;
  private busy = 0;
  /** Bumped on every change that could mean "not idle yet". */
  private activity = 0;
  private driving = false;
  private immediate: NodeJS.Immediate | undefined;
  private disposed = false;

  constructor(options: VirtualClockOptions = {}) {
    this.current = options.startMs ?? Date.now();
    this.idleTurns = Math.max(1, options.idleTurns ?? 3);
  }

  now(): Date {
    return new Date(this.current);
  }

  nowMs(): number {
    return this.current;
  }

  /** Number of tracked pieces of work still running (for diagnostics and tests). */
  get busyCount(): number {
    return this.busy;
  }

  /** Number of timers not yet fired (for diagnostics and tests). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Whether the idle detector is polling (only while timers are pending and nothing tracked runs). */
  get polling(): boolean {
    return this.driving;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(ms, resolve));
  }

  setTimer(ms: number, fn: () => void): () => void {
    if (this.disposed) return () => {};
    const seq = ++this.seq;
    this.timers.set(seq, { at: this.current + Math.max(0, ms), seq, fn });
    this.touch();
    return () => {
      if (this.timers.delete(seq)) this.touch();
    };
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.busy++;
    this.touch();
    const done = (): void => {
      this.busy--;
      this.touch();
    };
    // A separate branch so tracking adds no unhandled rejection of its own.
    work.then(done, done);
    return work;
  }

  dispose(): void {
    this.disposed = true;
    this.timers.clear();
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    this.driving = false;
  }

  private touch(): void {
    this.activity++;
    this.kick();
  }

  private kick(): void {
    if (this.driving || this.disposed || this.busy > 0 || this.timers.size === 0) return;
    this.driving = true;
    let seen = this.activity;
    let quietTurns = 0;
    const step = (): void => {
      this.immediate = undefined;
      if (this.disposed || this.busy > 0 || this.timers.size === 0) {
        // Stop polling; the next track() completion or setTimer() restarts it.
        this.driving = false;
        return;
      }
      if (this.activity !== seen) {
        seen = this.activity;
        quietTurns = 0;
      } else {
        quietTurns++;
      }
      if (quietTurns < this.idleTurns) {
        this.immediate = setImmediate(step);
        return;
      }
      const next = this.earliest();
      this.timers.delete(next.seq);
      this.current = Math.max(this.current, next.at);
      this.activity++;
      seen = this.activity;
      quietTurns = 0;
      // Schedule the next poll before firing, so a throwing callback cannot wedge the driver.
      this.immediate = setImmediate(step);
      next.fn();
    };
    this.immediate = setImmediate(step);
  }

  private earliest(): VirtualTimer {
    let best: VirtualTimer | undefined;
    for (const timer of this.timers.values()) {
      if (!best || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) best = timer;
    }
    // kick()/step() only get here with at least one timer.
    return best as VirtualTimer;
  }
}
