import './polyfill.js';
import { createHash, randomUUID } from 'node:crypto';
import { ExecutionAbortedError, ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import type { RunOptions, StateMachineDefinition } from 'aws-local-stepfunctions';
import type { TaskCallbacksPort } from '../../functions/ports/task-callbacks.js';
import type { EngineClock } from './clock.js';
import { TIMEOUT_FIELD, compileDefinition } from './compile.js';
import type { CompiledDefinition, CompiledTask } from './compile.js';
import { definitionErrors } from './definition-validation.js';
import { FAKE_ACCOUNT_ID, FAKE_REGION, loadStateMachine } from './definition.js';
import type { LoadedStateMachine, TaskStateInfo } from './definition.js';
import { EngineError, ErrorNames, TerminalStateError, asError } from './errors.js';
import { toEngineEvent } from './events.js';
import type { EngineEventListener, InterpreterEvent } from './events.js';
import { ExecutionScope } from './execution.js';
import type { ExecutionHandle, ExecutionOutcome, ExecutionStatus, ExecutionSummary } from './execution.js';
import { countHistoryEvent } from './history.js';
import {
  MAX_PAYLOAD_BYTES,
  cloneJson,
  isJsonObject,
  jsonByteLength,
  setAtPath,
  stableStringify,
  toJsonValue,
} from './json.js';
import type { JsonObject, JsonValue } from './json.js';
import { RetryBackoff, uniformRetryOverrides } from './retry.js';
import { TaskTokenRegistry } from './tokens.js';

/** A step's code, as the Lambda handler would run it: JSON in, JSON out, errors by name. */
export type StepHandler = (input: unknown) => Promise<unknown>;

export interface EmbeddedEngineOptions {
  clock: EngineClock;
  /** By step name: `ShiftTraffic` serves every Task bound to `${ShiftTrafficFunctionArn}`. */
  handlers: Record<string, StepHandler>;
  /**
   * A fixed pause before every ASL retry, in ms, whatever the clock. Unset: RealClock honours the
   * Retry fields in real time; VirtualClock sleeps the same backoff in virtual time.
   */
  retryIntervalMs?: number;
}

export interface RegisteredStateMachine {
  name: string;
  arn: string;
  source: string;
  tasks: TaskStateInfo[];
}

type Overrides = NonNullable<RunOptions['overrides']>;
type LocalHandlers = NonNullable<Overrides['taskResourceLocalHandlers']>;
type InterpreterJson = Parameters<LocalHandlers[string]>[0];

interface Registration {
  info: RegisteredStateMachine;
  compiled: CompiledDefinition;
  machine: StateMachine;
  waitStates: ReadonlySet<string>;
  executions: Map<string, ExecutionScope>;
}

/**
 * Definitions already validated and built, by content: `new StateMachine()` validates (~90 ms) and
 * a StateMachine holds no per-run state, so engines share them.
 */
const builtDefinitions = new Map<string, { compiled: CompiledDefinition; machine: StateMachine }>();
/** Definitions, by content, that {@link validateDefinitionWith} validated elsewhere. */
const validatedElsewhere = new Set<string>();

/** asl-validator's verdict on each definition ('' when valid, else its errors), wherever it runs. */
export type DefinitionValidator = (definitions: JsonObject[]) => Promise<string[]>;

/**
 * Validates a definition, and the engine's rewriting of it, through `validate` (the server's
 * validation thread), so that registering it builds it without validating on this thread. Invalid:
 * the EngineError registering would throw.
 */
export async function validateDefinitionWith(
  loaded: LoadedStateMachine,
  validate: DefinitionValidator,
): Promise<void> {
  const key = definitionKey(loaded);
  if (builtDefinitions.has(key) || validatedElsewhere.has(key)) return;
  const [original = '', rewritten = ''] = await validate([
    loaded.definition,
    compileDefinition(loaded).definition as unknown as JsonObject,
  ]);
  if (original) throw invalidDefinition(loaded, original);
  if (rewritten) throw rewrittenRejected(loaded, rewritten);
  validatedElsewhere.add(key);
}

function definitionKey(loaded: LoadedStateMachine): string {
  return createHash('sha256').update(JSON.stringify(loaded.definition)).digest('hex');
}

function invalidDefinition(loaded: LoadedStateMachine, errors: string): EngineError {
  return new EngineError(
    ErrorNames.invalidDefinition,
    `${loaded.source}: invalid state machine definition:\n - ${errors}`,
  );
}

function rewrittenRejected(loaded: LoadedStateMachine, message: string): EngineError {
  return new EngineError(
    ErrorNames.invalidDefinition,
    `${loaded.source}: the rewritten definition was rejected (engine bug?): ${message}`,
  );
}

// Step Functions' name rules: 1-80 characters; no whitespace, brackets, wildcards, special or control characters.
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/]{1,80}$/;
function isValidExecutionName(name: string): boolean {
  return (
    EXECUTION_NAME.test(name) &&
    ![...name].some((ch) => {
      const code = ch.charCodeAt(0);
      return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
    })
  );
}

/**
 * Runs stepdeploy's state machines in-process on aws-local-stepfunctions, with the parts Step
 * Functions has and the interpreter lacks: task tokens, time on a chosen clock, idempotent
 * execution names, an event stream and a transition count.
 */
export class EmbeddedEngine {
  readonly clock: EngineClock;
  /** Completes `.waitForTaskToken` states: give it to the steps as their TaskCallbacksPort. */
  readonly taskCallbacks: TaskCallbacksPort;
  private readonly handlers: Record<string, StepHandler>;
  private readonly retryIntervalMs: number | undefined;
  private readonly registry: TaskTokenRegistry;
  private readonly machines = new Map<string, Registration>();
  private readonly listeners = new Set<EngineEventListener>();
  private readonly outcomes = new Set<Promise<ExecutionOutcome>>();
  private disposed = false;

  constructor(options: EmbeddedEngineOptions) {
    this.clock = options.clock;
    this.handlers = { ...options.handlers };
    this.retryIntervalMs = options.retryIntervalMs;
    this.registry = new TaskTokenRegistry(this.clock);
    this.taskCallbacks = this.registry;
  }

  /**
   * Loads, validates and builds a state machine once. Fails with `InvalidDefinition` listing
   * asl-validator's errors, or `MissingStepHandler` listing every Task without a handler.
   */
  register(
    name: string,
    definitionFile: string,
    substitutions: Record<string, string> = {},
  ): RegisteredStateMachine {
    return this.registerLoaded(name, loadStateMachine(definitionFile, substitutions));
  }

  /** As {@link register}, for a definition already loaded (or prepared in memory). */
  registerLoaded(name: string, loaded: LoadedStateMachine): RegisteredStateMachine {
    this.assertNotDisposed();
    if (this.machines.has(name)) {
      throw new EngineError(
        ErrorNames.stateMachineAlreadyExists,
        `State machine ${name} is already registered`,
      );
    }
    const { compiled, machine } = buildDefinition(loaded);
    const problems: string[] = [];
    for (const task of compiled.tasks) {
      if (task.integration === 'states:startExecution') continue; // runs a state machine, not a handler
      if (task.stepName === null) {
        problems.push(
          `Task state "${task.stateName}": FunctionName is dynamic (FunctionName.$), no handler can be bound`,
        );
      } else if (!Object.hasOwn(this.handlers, task.stepName)) {
        problems.push(`Task state "${task.stateName}" needs a handler for step "${task.stepName}"`);
      }
    }
    if (problems.length > 0) {
      const known = Object.keys(this.handlers).sort().join(', ') || '(none)';
      throw new EngineError(
        ErrorNames.missingStepHandler,
        `${loaded.source}: cannot bind every Task state:\n - ${problems.join('\n - ')}\nKnown handlers: ${known}`,
      );
    }
    const info: RegisteredStateMachine = {
      name,
      arn: stateMachineArn(name),
      source: loaded.source,
      tasks: loaded.tasks,
    };
    this.machines.set(name, {
      info,
      compiled,
      machine,
      waitStates: new Set(compiled.waitStates),
      executions: new Map(),
    });
    return info;
  }

  /** Receives every event of every execution. Returns the unsubscribe function. */
  subscribe(listener: EngineEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Step Functions' StartExecution. Names are unique per state machine: the same name with the same
   * input while it runs returns that execution (idempotent); a different input, or a name whose
   * execution has closed, throws `ExecutionAlreadyExists` as Step Functions does.
   */
  startExecution(stateMachineName: string, executionName: string, input: unknown = {}): ExecutionHandle {
    return this.start(stateMachineName, executionName, input, undefined);
  }

  /**
   * Every execution this engine ran or runs, with its history size as Step Functions counts it
   * (functions/domain/history-events.ts) and the execution that started it, if any.
   */
  executions(): ExecutionSummary[] {
    const summaries: ExecutionSummary[] = [];
    for (const registration of this.machines.values()) {
      for (const scope of registration.executions.values()) {
        summaries.push({
          stateMachineName: scope.stateMachineName,
          executionName: scope.executionName,
          ...(scope.parent ? { parent: scope.parent } : {}),
          status: scope.status,
          historyEvents: scope.historyEvents,
          stateTransitions: scope.stateTransitions,
          startedAtMs: scope.startedAtMs,
          ...(scope.stoppedAtMs !== undefined ? { stoppedAtMs: scope.stoppedAtMs } : {}),
        });
      }
    }
    return summaries;
  }

  private start(
    stateMachineName: string,
    executionName: string,
    input: unknown,
    parent: ExecutionScope | undefined,
  ): ExecutionHandle {
    this.assertNotDisposed();
    const registration = this.machines.get(stateMachineName);
    if (!registration) {
      throw new EngineError(
        ErrorNames.stateMachineDoesNotExist,
        `State machine ${stateMachineName} is not registered`,
      );
    }
    if (!isValidExecutionName(executionName)) {
      throw new EngineError(
        ErrorNames.invalidName,
        `Invalid execution name ${JSON.stringify(executionName)}: 1-80 characters, no whitespace, brackets, wildcards or special characters`,
      );
    }
    const json = toJsonValue(input);
    const inputKey = stableStringify(json);
    const existing = registration.executions.get(executionName);
    if (existing) {
      if (existing.running && existing.inputKey === inputKey) return existing.handle;
      throw new EngineError(
        ErrorNames.executionAlreadyExists,
        existing.running
          ? `Execution ${executionName} is already running with a different input`
          : `Execution ${executionName} already exists (closed)`,
      );
    }
    const { compiled, machine } = registration;
    const virtualBackoff = this.retryIntervalMs === undefined && this.clock.kind === 'virtual';
    const scope = new ExecutionScope(
      stateMachineName,
      executionName,
      inputKey,
      json,
      this.clock,
      this.registry,
      virtualBackoff ? new RetryBackoff(compiled.retriers) : undefined,
    );
    if (parent)
      scope.parent = { stateMachineName: parent.stateMachineName, executionName: parent.executionName };
    registration.executions.set(executionName, scope);

    const overrides: Overrides = { taskResourceLocalHandlers: this.localHandlers(scope, compiled) };
    if (this.retryIntervalMs !== undefined || virtualBackoff) {
      overrides.retryIntervalOverrides = uniformRetryOverrides(compiled.retriers, this.retryIntervalMs ?? 0);
    }
    const executionArn = `arn:aws:states:${FAKE_REGION}:${FAKE_ACCOUNT_ID}:execution:${stateMachineName}:${executionName}`;
    const run = machine.run(json as InterpreterJson, {
      overrides,
      context: {
        // The interpreter fills Execution.Input and Execution.StartTime (wall clock) itself.
        Execution: { Id: executionArn, Name: executionName },
        StateMachine: { Id: registration.info.arn, Name: stateMachineName },
      },
    });
    scope.abortRun = run.abort;
    const cancelTimeout =
      compiled.executionTimeoutSeconds === undefined
        ? () => {}
        : this.clock.setTimer(compiled.executionTimeoutSeconds * 1000, () => {
            if (!scope.running) return;
            scope.timedOut = true;
            run.abort();
            scope.close();
          });
    const eventsDone = this.pumpEvents(scope, registration, run.eventLogs);
    const result = this.outcomeOf(scope, run.result, eventsDone, cancelTimeout);
    this.outcomes.add(result);
    void result.finally(() => this.outcomes.delete(result));
    scope.handle = { executionName, result };
    return scope.handle;
  }

  /**
   * Step Functions' StopExecution: the execution ends ABORTED with the given error and cause. A
   * handler already running is not interrupted (the interpreter cannot), but its result is dropped.
   */
  stopExecution(
    stateMachineName: string,
    executionName: string,
    reason: { error?: string; cause?: string } = {},
  ): Promise<ExecutionOutcome> {
    const scope = this.machines.get(stateMachineName)?.executions.get(executionName);
    if (!scope) {
      throw new EngineError(ErrorNames.executionDoesNotExist, `Execution ${executionName} does not exist`);
    }
    if (scope.running) {
      scope.stopError = reason.error;
      scope.stopCause = reason.cause;
      // Abort first: the interpreter then ignores the failures that closing the waits causes.
      scope.abortRun();
      scope.close();
    }
    return scope.handle.result;
  }

  /**
   * Stops every running execution (ABORTED), fails every parked token and stops the clock, so tests
   * and the CLI exit cleanly. Resolves when the stopped executions have reported their outcome.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const registration of this.machines.values()) {
      for (const scope of registration.executions.values()) {
        if (!scope.running) continue;
        scope.stopError = ErrorNames.engineDisposed;
        scope.stopCause = 'The embedded engine was disposed';
        scope.abortRun();
        scope.close();
      }
    }
    this.registry.closeAll(
      new TerminalStateError(ErrorNames.engineDisposed, 'The embedded engine was disposed'),
    );
    this.clock.dispose();
    await Promise.allSettled([...this.outcomes]);
  }

  private assertNotDisposed(): void {
    if (this.disposed) throw new EngineError(ErrorNames.engineDisposed, 'The embedded engine was disposed');
  }

  /** The interpreter's Task overrides, keyed by state name, closed over this execution. */
  private localHandlers(scope: ExecutionScope, compiled: CompiledDefinition): LocalHandlers {
    const overrides: LocalHandlers = {};
    for (const task of compiled.tasks) {
      overrides[task.stateName] = async (input) =>
        (await this.runTask(scope, task, input as JsonValue)) as InterpreterJson;
    }
    for (const stateName of compiled.waitStates) {
      overrides[stateName] = async (input) =>
        (await this.runWait(scope, input as JsonValue)) as InterpreterJson;
    }
    return overrides;
  }

  private async runTask(scope: ExecutionScope, task: CompiledTask, input: JsonValue): Promise<JsonValue> {
    scope.assertRunning();
    const entryKey = JSON.stringify(input);
    const backoff = scope.retryBackoff?.takeDelay(task.stateName, entryKey) ?? 0;
    if (backoff > 0) await scope.sleep(backoff);
    try {
      scope.assertRunning();
      const result =
        task.integration === 'states:startExecution'
          ? await this.runChildExecution(scope, task, input)
          : task.tokenWait
            ? await this.runTokenWait(scope, task, input)
            : await this.invoke(task, input);
      scope.retryBackoff?.succeeded(task.stateName, entryKey);
      return result;
    } catch (thrown) {
      const error = asError(thrown);
      scope.retryBackoff?.failed(task.stateName, entryKey, error);
      throw error;
    }
  }

  /**
   * A plain Task. `lambda:invoke` hands the function `Parameters.Payload` ({} when absent) and wraps
   * its result as `{ Payload: result }`, as the AWS integration does (AWS also adds StatusCode,
   * ExecutedVersion and SdkHttpMetadata; select `$.Payload`). A Lambda ARN resource passes the
   * effective input and returns the result unwrapped.
   */
  private async invoke(task: CompiledTask, input: JsonValue): Promise<JsonValue> {
    const payload = task.integration === 'lambda:invoke' ? payloadOf(input) : cloneJson(input);
    const result = taskResult(await this.clock.track(this.callHandler(task, payload)));
    return task.integration === 'lambda:invoke' ? { Payload: result } : result;
  }

  /**
   * `.waitForTaskToken`: issue a token, put it where the ASL put `$$.Task.Token`, run the step with
   * the payload, then wait for a callback, the timeout on the engine's clock (`States.Timeout`) or
   * the step's own failure (the state fails with that error). The step's return value is ignored,
   * as Step Functions ignores the Lambda's response.
   */
  private async runTokenWait(
    scope: ExecutionScope,
    task: CompiledTask,
    input: JsonValue,
  ): Promise<JsonValue> {
    const parameters: JsonObject = isJsonObject(input) ? cloneJson(input) : {};
    const timeoutSeconds = takeTimeoutSeconds(parameters, task.stateName);
    const token = this.registry.issue(scope.executionName, task.stateName);
    for (const path of task.tokenPaths) setAtPath(parameters, path, token);
    const parked = scope.park(token, timeoutSeconds);
    const payload = task.integration === 'lambda:invoke' ? payloadOf(parameters) : parameters;
    const stepFailed = this.clock.track(this.callHandler(task, payload)).then(
      () => new Promise<never>(() => {}),
      (thrown: unknown) => {
        const error = asError(thrown);
        // A callback arriving after the Lambda failed is late, as on AWS.
        this.registry.close(token, error);
        throw error;
      },
    );
    return Promise.race([parked, stepFailed]);
  }

  /**
   * `states:startExecution.sync[:2]`: starts the child on this engine and waits for its end, as Step
   * Functions' integration does. Success returns the child's description (`.sync:2`: Input and Output
   * as JSON; `.sync`: as strings); a child that fails, times out or is aborted fails the state with
   * `States.TaskFailed`, its Cause the description with the child's Error and Cause. The state's own
   * timeout (States.Timeout) and the parent's end stop the child. Waiting is not tracked work: the
   * child's handlers are, so compressed time still moves.
   */
  private async runChildExecution(
    scope: ExecutionScope,
    task: CompiledTask,
    input: JsonValue,
  ): Promise<JsonValue> {
    const parameters: JsonObject = isJsonObject(input) ? cloneJson(input) : {};
    const timeoutSeconds = takeTimeoutSeconds(parameters, task.stateName);
    const arn = parameters['StateMachineArn'];
    const registration = [...this.machines.values()].find((r) => r.info.arn === arn);
    if (typeof arn !== 'string' || !registration) {
      throw namedError(
        'StepFunctions.StateMachineDoesNotExistException',
        `State machine does not exist: ${String(arn)} (state ${task.stateName})`,
      );
    }
    const name = typeof parameters['Name'] === 'string' ? parameters['Name'] : randomName();
    const childInput = parameters['Input'] ?? {};
    const parsedInput = typeof childInput === 'string' ? (JSON.parse(childInput) as JsonValue) : childInput;
    let handle: ExecutionHandle;
    try {
      handle = this.start(registration.info.name, name, parsedInput, scope);
    } catch (thrown) {
      const error = asError(thrown);
      if (error.name === ErrorNames.executionAlreadyExists)
        throw namedError('StepFunctions.ExecutionAlreadyExistsException', error.message);
      if (error.name === ErrorNames.invalidName)
        throw namedError('StepFunctions.InvalidNameException', error.message);
      throw error;
    }
    const stopChild = (error: string, cause: string): void => {
      const child = registration.executions.get(name);
      if (child?.running) void this.stopExecution(registration.info.name, name, { error, cause });
    };
    const detach = scope.onClose(() =>
      stopChild('States.Aborted', `The parent execution ${scope.executionName} ended`),
    );
    let cancelTimeout = (): void => {};
    const timedOut =
      timeoutSeconds === undefined
        ? new Promise<never>(() => {})
        : new Promise<never>((_resolve, reject) => {
            cancelTimeout = this.clock.setTimer(timeoutSeconds * 1000, () => {
              stopChild(ErrorNames.statesTimeout, `The state ${task.stateName} timed out`);
              reject(
                new EngineError(
                  ErrorNames.statesTimeout,
                  `State ${task.stateName} timed out after ${timeoutSeconds} s`,
                ),
              );
            });
          });
    try {
      const outcome = await Promise.race([handle.result, timedOut]);
      scope.assertRunning();
      const description = describeChild(
        registration.info.arn,
        name,
        parsedInput,
        outcome,
        task.syncVersion ?? 2,
      );
      if (outcome.status === 'SUCCEEDED') return description;
      throw namedError('States.TaskFailed', JSON.stringify(description));
    } finally {
      cancelTimeout();
      detach();
    }
  }

  /** A Wait state rewritten into an internal Task: sleep on the engine clock, pass the input on. */
  private async runWait(scope: ExecutionScope, input: JsonValue): Promise<JsonValue> {
    scope.assertRunning();
    const spec = isJsonObject(input) ? input : {};
    let ms = 0;
    if ('Seconds' in spec) {
      const seconds = spec['Seconds'];
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
        throw new TerminalStateError(
          ErrorNames.statesRuntime,
          `Wait Seconds must be a non-negative integer, got ${JSON.stringify(seconds)}`,
        );
      }
      ms = seconds * 1000;
    } else if ('Timestamp' in spec) {
      const at = typeof spec['Timestamp'] === 'string' ? Date.parse(spec['Timestamp']) : Number.NaN;
      if (Number.isNaN(at)) {
        throw new TerminalStateError(
          ErrorNames.statesRuntime,
          `Wait Timestamp is not a timestamp: ${JSON.stringify(spec['Timestamp'])}`,
        );
      }
      ms = at - this.clock.nowMs();
    }
    await scope.sleep(ms);
    return spec['Input'] ?? null;
  }

  private callHandler(task: CompiledTask, payload: JsonValue): Promise<unknown> {
    // Checked at registration; looked up per call so a handler cannot throw synchronously past us.
    const handler = this.handlers[task.stepName ?? ''] as StepHandler;
    return Promise.resolve().then(() => handler(payload));
  }

  private async pumpEvents(
    scope: ExecutionScope,
    registration: Registration,
    logs: AsyncGenerator<InterpreterEvent>,
  ): Promise<void> {
    const { waitStates } = registration;
    try {
      for await (const log of logs) {
        if (log.type === 'StateEntered' || log.type === 'StateRetried') scope.stateTransitions++;
        countHistoryEvent(scope, log, registration.compiled.historyKinds);
        if (this.listeners.size === 0) continue;
        const event = toEngineEvent(log, {
          executionName: scope.executionName,
          stateMachineName: scope.stateMachineName,
          atMs: this.clock.nowMs(),
          waitStates,
          timedOut: scope.timedOut,
        });
        for (const listener of this.listeners) {
          try {
            listener(event);
          } catch (error) {
            // A faulty listener must not break the execution it observes.
            process.emitWarning(`stepdeploy engine event listener threw: ${asError(error).message}`);
          }
        }
      }
    } catch (error) {
      process.emitWarning(`stepdeploy engine event stream failed: ${asError(error).message}`);
    }
  }

  private async outcomeOf(
    scope: ExecutionScope,
    result: Promise<unknown>,
    eventsDone: Promise<void>,
    cancelTimeout: () => void,
  ): Promise<ExecutionOutcome> {
    let status: ExecutionStatus;
    let output: unknown;
    let error: string | undefined;
    let cause: string | undefined;
    try {
      output = await result;
      status = 'SUCCEEDED';
    } catch (thrown) {
      if (scope.timedOut) {
        status = 'TIMED_OUT';
        error = ErrorNames.statesTimeout;
        cause = 'The execution exceeded the state machine TimeoutSeconds';
      } else if (thrown instanceof ExecutionAbortedError) {
        status = 'ABORTED';
        error = scope.stopError;
        cause = scope.stopCause;
      } else {
        status = 'FAILED';
        const failure =
          thrown instanceof ExecutionError && thrown.cause instanceof Error ? thrown.cause : asError(thrown);
        error = failure.name;
        cause = failure.message;
      }
    }
    cancelTimeout();
    scope.close();
    await eventsDone;
    scope.historyEvents += 1; // ExecutionSucceeded, Failed, TimedOut or Aborted
    scope.status = status;
    scope.stoppedAtMs = this.clock.nowMs();
    const outcome: ExecutionOutcome = {
      status,
      stateTransitions: scope.stateTransitions,
      historyEvents: scope.historyEvents,
      startedAtMs: scope.startedAtMs,
      stoppedAtMs: this.clock.nowMs(),
    };
    if (status === 'SUCCEEDED') outcome.output = output;
    if (error !== undefined) outcome.error = error;
    if (cause !== undefined) outcome.cause = cause;
    return outcome;
  }
}

/** The ARN the engine gives a registered state machine (what `StateMachineArn` must name). */
export function stateMachineArn(name: string): string {
  return `arn:aws:states:${FAKE_REGION}:${FAKE_ACCOUNT_ID}:stateMachine:${name}`;
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

function randomName(): string {
  return randomUUID();
}

/** DescribeExecution's answer for a child, as the `.sync` integrations return it. */
function describeChild(
  stateMachine: string,
  name: string,
  input: JsonValue,
  outcome: ExecutionOutcome,
  syncVersion: 1 | 2,
): JsonObject {
  const executionArn = stateMachine.replace(':stateMachine:', ':execution:') + `:${name}`;
  const output = outcome.output === undefined ? undefined : toJsonValue(outcome.output);
  const asData = (value: JsonValue): JsonValue => (syncVersion === 2 ? value : JSON.stringify(value));
  return {
    ExecutionArn: executionArn,
    StateMachineArn: stateMachine,
    Name: name,
    Status: outcome.status,
    StartDate: outcome.startedAtMs,
    StopDate: outcome.stoppedAtMs,
    Input: asData(input),
    InputDetails: { Included: true },
    ...(output !== undefined ? { Output: asData(output), OutputDetails: { Included: true } } : {}),
    ...(outcome.error !== undefined ? { Error: outcome.error } : {}),
    ...(outcome.cause !== undefined ? { Cause: outcome.cause } : {}),
  };
}

function payloadOf(parameters: JsonValue): JsonValue {
  return isJsonObject(parameters) && parameters['Payload'] !== undefined
    ? cloneJson(parameters['Payload'])
    : {};
}

/** A handler's result as the state sees it: JSON, within Step Functions' payload quota. */
function taskResult(value: unknown): JsonValue {
  const json = toJsonValue(value);
  if (jsonByteLength(json) > MAX_PAYLOAD_BYTES) {
    throw new TerminalStateError(
      ErrorNames.dataLimitExceeded,
      `The task result exceeds the ${MAX_PAYLOAD_BYTES}-byte payload quota`,
    );
  }
  return json;
}

/** Reads and strips the internal timeout field the compiler added (absent: no timeout, as on AWS). */
function takeTimeoutSeconds(parameters: JsonObject, stateName: string): number | undefined {
  const value = parameters[TIMEOUT_FIELD];
  delete parameters[TIMEOUT_FIELD];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TerminalStateError(
      ErrorNames.statesRuntime,
      `State ${stateName}: TimeoutSeconds must be a positive integer, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * Validates (asl-validator, then the interpreter's own checks) and builds, once per content; a
 * definition {@link validateDefinitionWith} validated is built without validating again.
 */
function buildDefinition(loaded: LoadedStateMachine): {
  compiled: CompiledDefinition;
  machine: StateMachine;
} {
  const key = definitionKey(loaded);
  const cached = builtDefinitions.get(key);
  if (cached) return cached;
  const validated = validatedElsewhere.has(key);
  const errors = validated ? '' : definitionErrors(loaded.definition);
  if (errors) throw invalidDefinition(loaded, errors);
  const compiled = compileDefinition(loaded);
  let machine: StateMachine;
  try {
    // The interpreter validates again, now the rewritten definition; it also mutates it (its copy).
    machine = new StateMachine(cloneJson(compiled.definition) as unknown as StateMachineDefinition, {
      validationOptions: validated ? { noValidate: true } : { checkPaths: true, checkArn: true },
    });
  } catch (error) {
    throw rewrittenRejected(loaded, asError(error).message);
  }
  const built = { compiled, machine };
  builtDefinitions.set(key, built);
  return built;
}
