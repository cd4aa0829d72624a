import type { EngineClock } from './clock.js';
import { ErrorNames, TerminalStateError } from './errors.js';
import type { JsonValue } from './json.js';
import type { RetryBackoff } from './retry.js';
import type { TaskTokenRegistry } from './tokens.js';

export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

export interface ExecutionOutcome {
  status: ExecutionStatus;
  output?: unknown;
  /** FAILED: the error name; ABORTED: the StopExecution error; TIMED_OUT: States.Timeout. */
  error?: string;
  cause?: string;
  /** StateEntered events plus retries: an approximation of the transitions Step Functions bills. */
  stateTransitions: number;
  /** The events its history holds, counted as Step Functions counts them (domain/history-events.ts). */
  historyEvents: number;
  /** Engine clock times. */
  startedAtMs: number;
  stoppedAtMs: number;
}

export interface ExecutionHandle {
  executionName: string;
  result: Promise<ExecutionOutcome>;
}

/** One execution as DescribeExecution and the history would show it (running or ended). */
export interface ExecutionSummary {
  stateMachineName: string;
  executionName: string;
  /** The execution whose `states:startExecution.sync` Task started it, if one did. */
  parent?: { stateMachineName: string; executionName: string };
  status: ExecutionStatus | 'RUNNING';
  historyEvents: number;
  stateTransitions: number;
  startedAtMs: number;
  stoppedAtMs?: number;
}

/**
 * What the engine keeps per execution: its identity, the waits it has pending (so stopping it
 * releases them and the interpreter's pending real-time races end), its tokens and counters.
 */
export class ExecutionScope {
  readonly startedAtMs: number;
  stateTransitions = 0;
  /** ExecutionStarted counted at once; the state machine's events as they come; the end at the end. */
  historyEvents = 1;
  /** The state whose last event was a failure (its exit, if caught, then writes one event less). */
  failedState: string | undefined;
  stoppedAtMs: number | undefined;
  status: ExecutionStatus | 'RUNNING' = 'RUNNING';
  parent: { stateMachineName: string; executionName: string } | undefined;
  running = true;
  timedOut = false;
  stopError: string | undefined;
  stopCause: string | undefined;
  handle!: ExecutionHandle;
  abortRun: () => void = () => {};
  private readonly pending = new Set<(reason: Error) => void>();
  private readonly tokens = new Set<string>();
  /** Called once when the execution closes (its running child executions are stopped). */
  private readonly closers = new Set<() => void>();

  constructor(
    readonly stateMachineName: string,
    readonly executionName: string,
    /** Canonical JSON of the input, for idempotent StartExecution. */
    readonly inputKey: string,
    readonly input: JsonValue,
    private readonly clock: EngineClock,
    private readonly registry: TaskTokenRegistry,
    /** Undefined when the interpreter does the retry backoff itself. */
    readonly retryBackoff: RetryBackoff | undefined,
  ) {
    this.startedAtMs = clock.nowMs();
  }

  /** Throws the error that ends a task started after the execution stopped. */
  assertRunning(): void {
    if (!this.running) throw closedError(this.executionName);
  }

  /** Sleeps on the engine clock; rejects (terminally) if the execution stops first. */
  sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.reject(closedError(this.executionName));
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const cancel = (reason: Error): void => {
        cancelTimer();
        this.pending.delete(cancel);
        reject(reason);
      };
      const cancelTimer = this.clock.setTimer(ms, () => {
        this.pending.delete(cancel);
        resolve();
      });
      this.pending.add(cancel);
    });
  }

  /** Runs `fn` when the execution closes, unless the returned function is called first. */
  onClose(fn: () => void): () => void {
    this.closers.add(fn);
    return () => this.closers.delete(fn);
  }

  /** Parks a token owned by this execution (see TaskTokenRegistry.park). */
  park(token: string, timeoutSeconds: number | undefined): Promise<JsonValue> {
    if (!this.running) return Promise.reject(closedError(this.executionName));
    this.tokens.add(token);
    return this.registry.park(token, timeoutSeconds);
  }

  /**
   * Ends the execution's waits: pending sleeps and parked tokens reject with a terminal error, so the
   * interpreter's Task (and its real-time timeout race) finishes instead of lingering; a callback for
   * one of the tokens afterwards gets TaskTimedOut.
   */
  close(): void {
    this.running = false;
    for (const closer of [...this.closers]) closer();
    this.closers.clear();
    const reason = closedError(this.executionName);
    for (const cancel of [...this.pending]) cancel(reason);
    for (const token of this.tokens) this.registry.close(token, reason);
    this.tokens.clear();
  }
}

function closedError(executionName: string): TerminalStateError {
  return new TerminalStateError(
    ErrorNames.executionClosed,
    `Execution ${executionName} is no longer running`,
  );
}
