import { randomBytes } from 'node:crypto';
import type { TaskCallbacksPort } from '../../functions/ports/task-callbacks.js';
import type { EngineClock } from './clock.js';
import { EngineError, ErrorNames } from './errors.js';
import { MAX_PAYLOAD_BYTES, jsonByteLength, toJsonValue } from './json.js';
import type { JsonValue } from './json.js';

interface ParkedTask {
  resolve: (output: JsonValue) => void;
  reject: (error: Error) => void;
  cancelTimer: () => void;
}

/**
 * Task tokens of `.waitForTaskToken` states, emulated: the interpreter has none. A token is parked
 * until SendTaskSuccess/SendTaskFailure, its timeout on the engine's clock (-> `States.Timeout`), or
 * the end of its execution. Once closed, a token answers like Step Functions answers a late callback.
 */
export class TaskTokenRegistry implements TaskCallbacksPort {
  private readonly parked = new Map<string, ParkedTask>();
  /** Tokens issued and closed since: a callback for them is late, not unknown. */
  private readonly closed = new Set<string>();
  private counter = 0;

  constructor(private readonly clock: EngineClock) {}

  /** A token unique per state entry: `<execution>:<state>:<counter>:<random>`. */
  issue(executionName: string, stateName: string): string {
    return `${executionName}:${stateName}:${++this.counter}:${randomBytes(8).toString('hex')}`;
  }

  /**
   * Parks `token` and returns the promise the Task state awaits. Call it BEFORE running the code that
   * receives the token: that code may complete the token before it returns.
   */
  park(token: string, timeoutSeconds: number | undefined): Promise<JsonValue> {
    const promise = new Promise<JsonValue>((resolve, reject) => {
      const cancelTimer =
        timeoutSeconds === undefined
          ? () => {}
          : this.clock.setTimer(timeoutSeconds * 1000, () =>
              this.settle(token, (task) =>
                task.reject(
                  new EngineError(
                    ErrorNames.statesTimeout,
                    `No SendTaskSuccess/SendTaskFailure within TimeoutSeconds (${timeoutSeconds} s)`,
                  ),
                ),
              ),
            );
      this.parked.set(token, { resolve, reject, cancelTimer });
    });
    // Closing a token whose Task was abandoned (execution stopped) must not surface as an unhandled
    // rejection; the Task itself still sees the rejection through the returned promise.
    promise.catch(() => {});
    return promise;
  }

  isParked(token: string): boolean {
    return this.parked.has(token);
  }

  /** Closes a token without a callback (its execution ended, its Lambda failed): fails its wait. */
  close(token: string, reason: Error): void {
    this.settle(token, (task) => task.reject(reason));
  }

  /** Closes every parked token (engine disposal). */
  closeAll(reason: Error): void {
    for (const token of [...this.parked.keys()]) this.close(token, reason);
  }

  async sendTaskSuccess(taskToken: string, output: unknown): Promise<void> {
    const json = toJsonValue(output);
    if (jsonByteLength(json) > MAX_PAYLOAD_BYTES) {
      throw new EngineError(ErrorNames.invalidOutput, `Task output exceeds ${MAX_PAYLOAD_BYTES} bytes`);
    }
    this.settleOrThrow(taskToken, (task) => task.resolve(json));
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    // Retry/Catch match the error's name; Catch's Cause is its message, as for any failed Task.
    this.settleOrThrow(taskToken, (task) => task.reject(new EngineError(error, cause)));
  }

  private settleOrThrow(token: string, action: (task: ParkedTask) => void): void {
    if (this.settle(token, action)) return;
    if (this.closed.has(token)) {
      throw new EngineError(
        ErrorNames.taskTimedOut,
        'Task Timed Out: the task token has expired or was already used',
      );
    }
    throw new EngineError(ErrorNames.taskDoesNotExist, 'Task does not exist: unknown task token');
  }

  private settle(token: string, action: (task: ParkedTask) => void): boolean {
    const task = this.parked.get(token);
    if (!task) return false;
    this.parked.delete(token);
    this.closed.add(token);
    task.cancelTimer();
    action(task);
    return true;
  }
}
