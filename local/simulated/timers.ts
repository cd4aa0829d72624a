/**
 * Time as the simulated AWS services see it. The embedded runtime may compress time (a virtual clock
 * that jumps to the next timer whenever nothing is running), so the simulators never call
 * `Date.now()` or `setTimeout` themselves: they ask this interface, which both the wall clock and the
 * virtual clock implement. Keeping it this small lets the simulators not depend on the engine.
 */
export interface SimulationTimers {
  now(): Date;
  /** Runs `fn` after `ms` milliseconds of simulation time; the returned function cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
  /**
   * Marks background work as busy until it settles, so that virtual time does not jump while it runs.
   * Returns `work` itself. Only work that is actually running should be tracked: a tracked promise
   * that waits on a timer of this same clock would never let virtual time reach that timer.
   */
  track<T>(work: Promise<T>): Promise<T>;
}

/** Real time: for `stepdeploy simulate` without compression. Nothing to track, time flows anyway. */
export function wallClockTimers(): SimulationTimers {
  return {
    now: () => new Date(),
    setTimer(ms, fn) {
      const handle = setTimeout(fn, ms);
      return () => clearTimeout(handle);
    },
    track: (work) => work,
  };
}
