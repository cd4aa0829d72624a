/**
 * What a simulated hook function is and how it runs: the handler type, the context it gets, and the
 * busy accounting that lets a handler wait on simulation time without freezing a virtual clock.
 */
import type { HookInvocationPayload } from '../../functions/ports/hook-invoker.js';
import type { SimulationTimers } from './timers.js';

export interface HookContext {
  functionName: string;
  timers: SimulationTimers;
  /**
   * Waits `ms` of simulation time. Use this, not a promise around `timers.setTimer`: the handler
   * counts as busy while it runs, and a busy handler waiting on the clock would stop a virtual clock
   * from ever reaching that timer. Sleeps of one invocation must not overlap.
   */
  sleep(ms: number): Promise<void>;
}

/** The code of a simulated hook function; the context is optional to use, like Lambda's. */
export type HookHandler = (event: HookInvocationPayload, context: HookContext) => Promise<unknown>;

export type HookAnswer = 'Succeeded' | 'Failed';

/** PutLifecycleEventHookExecutionStatus as a hook function calls it. */
export type PutHookStatus = (
  deploymentId: string,
  hookExecutionId: string,
  status: HookAnswer,
) => Promise<unknown>;

/**
 * A hook handler that does what an existing CodeDeploy hook function does: after `delayMs` of
 * simulation time, report `answer` for the execution it was invoked for.
 */
export function answeringHook(answer: HookAnswer, putStatus: PutHookStatus, delayMs = 0): HookHandler {
  if (!Number.isFinite(delayMs) || delayMs < 0) {
    throw new RangeError(`delayMs must be a non-negative number, got ${String(delayMs)}`);
  }
  return async (event, context) => {
    if (delayMs > 0) await context.sleep(delayMs);
    await putStatus(event.DeploymentId, event.LifecycleEventHookExecutionId, answer);
  };
}

/** How Lambda reports a function error of an asynchronous invocation. */
export interface FunctionError {
  errorType: string;
  errorMessage: string;
}

export function functionError(error: unknown): FunctionError {
  return error instanceof Error
    ? { errorType: error.name, errorMessage: error.message }
    : { errorType: 'Error', errorMessage: String(error) };
}

/**
 * Busy accounting of one running invocation: tracked while the handler runs, released while it
 * sleeps, tracked again when the sleep's timer fires. One tracked promise per running stretch.
 */
export class BusyGate {
  private release: (() => void) | undefined;
  private sleeping = false;
  private finished = false;

  constructor(private readonly timers: SimulationTimers) {}

  open(): void {
    // After the handler settled, a sleep it forgot to await must not mark the clock busy again.
    if (this.release || this.finished) return;
    void this.timers.track(
      new Promise<void>((resolve) => {
        this.release = resolve;
      }),
    );
  }

  close(): void {
    const release = this.release;
    this.release = undefined;
    release?.();
  }

  /** The handler settled: release the clock for good. */
  finish(): void {
    this.finished = true;
    this.close();
  }

  sleep(ms: number): Promise<void> {
    if (this.sleeping) {
      // Overlapping sleeps would need per-branch busy accounting; refuse rather than freeze the clock.
      return Promise.reject(new Error('A hook handler may only sleep once at a time'));
    }
    if (!Number.isFinite(ms) || ms < 0) {
      return Promise.reject(new RangeError(`sleep needs a non-negative number of ms, got ${String(ms)}`));
    }
    this.sleeping = true;
    // Released one event-loop turn later, not now: the handler keeps running until its next `await`,
    // and whatever it does right after calling sleep (or a sibling branch failing) is still work.
    setImmediate(() => {
      if (this.sleeping) this.close();
    });
    return new Promise<void>((resolve) => {
      this.timers.setTimer(ms, () => {
        this.sleeping = false;
        this.open();
        resolve();
      });
    });
  }
}
