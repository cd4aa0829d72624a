import type { StateMachine } from 'aws-local-stepfunctions';

/** One event of the interpreter's `eventLogs` stream (the type is not exported by name). */
export type InterpreterEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/**
 * The interpreter's event types, plus `ExecutionTimeout` (the engine's own execution timeout).
 * Map iterations and Parallel branches add their own types; nested states carry the Map `index`.
 */
export type EngineEventType = InterpreterEvent['type'];

export interface EngineEvent {
  executionName: string;
  stateMachineName: string;
  type: EngineEventType;
  /** The state, or for Map iteration / Parallel branch events the Map or Parallel state. */
  stateName?: string;
  /** ASL type of that state (a Wait state is reported as Wait although the engine runs it as a Task). */
  stateType?: string;
  /** Engine clock time when the event was observed (virtual time with a VirtualClock). */
  atMs: number;
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  /** Map iteration index, for iteration events and states inside a Map iteration. */
  index?: number;
  /** StateRetried: how many retries of that retrier happened before this one. */
  retryAttempt?: number;
}

export type EngineEventListener = (event: EngineEvent) => void;

export interface EventContext {
  executionName: string;
  stateMachineName: string;
  atMs: number;
  waitStates: ReadonlySet<string>;
  timedOut: boolean;
}

function causeText(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause);
}

export function toEngineEvent(log: InterpreterEvent, context: EventContext): EngineEvent {
  const base = {
    executionName: context.executionName,
    stateMachineName: context.stateMachineName,
    atMs: context.atMs,
  };
  const stateType = (name: string, type: string): string => (context.waitStates.has(name) ? 'Wait' : type);
  switch (log.type) {
    case 'ExecutionStarted':
      return { ...base, type: log.type, input: log.input };
    case 'ExecutionSucceeded':
      return { ...base, type: log.type, output: log.output };
    case 'ExecutionFailed':
      return { ...base, type: log.type, error: log.Error, cause: causeText(log.Cause) };
    case 'ExecutionAborted':
      // The engine enforces the execution timeout by aborting the run.
      return { ...base, type: context.timedOut ? 'ExecutionTimeout' : log.type };
    case 'ExecutionTimeout':
      return { ...base, type: log.type };
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
      return { ...base, type: log.type, stateName: log.parentState.name, stateType: 'Map', index: log.index };
    case 'MapIterationFailed':
      return {
        ...base,
        type: log.type,
        stateName: log.parentState.name,
        stateType: 'Map',
        index: log.index,
        error: log.Error,
        cause: causeText(log.Cause),
      };
    case 'ParallelBranchStarted':
    case 'ParallelBranchSucceeded':
      return { ...base, type: log.type, stateName: log.parentState.name, stateType: 'Parallel' };
    case 'ParallelBranchFailed':
      return {
        ...base,
        type: log.type,
        stateName: log.parentState.name,
        stateType: 'Parallel',
        error: log.Error,
        cause: causeText(log.Cause),
      };
    default: {
      const event: EngineEvent = {
        ...base,
        type: log.type,
        stateName: log.state.name,
        stateType: stateType(log.state.name, log.state.type),
        input: log.state.input,
      };
      if (log.index !== undefined) event.index = log.index;
      if (log.type === 'StateExited') event.output = log.state.output;
      if (log.type === 'StateFailed') {
        event.error = log.Error;
        event.cause = causeText(log.Cause);
      }
      if (log.type === 'StateRetried') event.retryAttempt = log.retry.attempt;
      return event;
    }
  }
}
