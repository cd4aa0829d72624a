/**
 * Retry backoff on the engine's clock.
 *
 * aws-local-stepfunctions sleeps between retries with a real `setTimeout`, and its override
 * (`retryIntervalOverrides`) is one fixed duration per retrier, not per attempt. So with a
 * VirtualClock the engine sets every override to 0 and replays the interpreter's own retry decision
 * for Task failures that pass through the engine's handlers, sleeping the computed backoff on the
 * virtual clock before the retried attempt. With a RealClock the interpreter's native backoff
 * (IntervalSeconds * BackoffRate^attempt, MaxDelaySeconds, JitterStrategy) runs as it is.
 */

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'NONE' | 'FULL';
}

// The interpreter's defaults (the ASL spec's).
const DEFAULT_INTERVAL_SECONDS = 1;
const DEFAULT_MAX_ATTEMPTS = 3;
const DEFAULT_BACKOFF_RATE = 2;

/** `retryIntervalOverrides` giving every state with a Retry field the same pause. */
export function uniformRetryOverrides(
  retriers: Record<string, Retrier[]>,
  intervalMs: number,
): Record<string, number> {
  return Object.fromEntries(Object.keys(retriers).map((stateName) => [stateName, intervalMs]));
}

/** The pause before retry number `attempt + 1` of `retrier`, in ms, as the interpreter computes it. */
export function retryDelayMs(retrier: Retrier, attempt: number, random: () => number = Math.random): number {
  const interval = retrier.IntervalSeconds ?? DEFAULT_INTERVAL_SECONDS;
  const backoff = retrier.BackoffRate ?? DEFAULT_BACKOFF_RATE;
  let seconds = interval * Math.pow(backoff, attempt);
  if (retrier.MaxDelaySeconds && seconds > retrier.MaxDelaySeconds) seconds = retrier.MaxDelaySeconds;
  const ms = seconds * 1000;
  return retrier.JitterStrategy === 'FULL' ? Math.floor(random() * (ms + 1)) : ms;
}

interface EntryState {
  attempts: number[];
  pendingDelayMs: number;
}

/**
 * Per-execution mirror of the interpreter's retry counters. The interpreter keeps them per state
 * entry and gives a handler only the effective input, so an entry is identified by state name and
 * input: two concurrent entries of one state with identical input (Map iterations over equal items)
 * share a counter, which can only misplace virtual time, never change whether a retry happens.
 */
export class RetryBackoff {
  private readonly entries = new Map<string, EntryState>();

  constructor(private readonly retriers: Record<string, Retrier[]>) {}

  /** The backoff owed before this attempt (0 for a first attempt); consumes it. */
  takeDelay(stateName: string, entryKey: string): number {
    const entry = this.entries.get(`${stateName}\u0000${entryKey}`);
    if (!entry) return 0;
    const delay = entry.pendingDelayMs;
    entry.pendingDelayMs = 0;
    return delay;
  }

  succeeded(stateName: string, entryKey: string): void {
    this.entries.delete(`${stateName}\u0000${entryKey}`);
  }

  /** Records a failed attempt and, if the interpreter will retry it, the backoff to sleep first. */
  failed(stateName: string, entryKey: string, error: Error): void {
    const key = `${stateName}\u0000${entryKey}`;
    const retriers = this.retriers[stateName] ?? [];
    const entry = this.entries.get(key) ?? { attempts: retriers.map(() => 0), pendingDelayMs: 0 };
    const retryable = (error as { isRetryable?: boolean }).isRetryable ?? true;
    for (const [index, retrier] of retriers.entries()) {
      // Same matching as the interpreter for Task states: exact name, States.ALL, States.TaskFailed.
      const matches = retrier.ErrorEquals.some(
        (name) => name === error.name || name === 'States.ALL' || name === 'States.TaskFailed',
      );
      if (!retryable || !matches) continue;
      const attempts = entry.attempts[index] ?? 0;
      if (attempts >= (retrier.MaxAttempts ?? DEFAULT_MAX_ATTEMPTS)) break;
      entry.pendingDelayMs = retryDelayMs(retrier, attempts);
      entry.attempts[index] = attempts + 1;
      this.entries.set(key, entry);
      return;
    }
    this.entries.delete(key);
  }
}
