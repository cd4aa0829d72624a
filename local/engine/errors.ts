/**
 * Errors are matched by `name` everywhere: ASL Retry/Catch compare `error.name` with ErrorEquals, and
 * callers of the engine check the Step Functions error code the same way.
 */
export class EngineError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * An error the interpreter must neither retry nor catch (States.Runtime, States.DataLimitExceeded,
 * and the engine closing an execution). aws-local-stepfunctions reads `isRetryable`/`isCatchable`
 * on the thrown error and treats a missing flag as `true`.
 */
export class TerminalStateError extends EngineError {
  get isRetryable(): boolean {
    return false;
  }
  get isCatchable(): boolean {
    return false;
  }
}

/** Step Functions' and the ASL's error names used by the engine, spelled exactly. */
export const ErrorNames = {
  statesTimeout: 'States.Timeout',
  statesRuntime: 'States.Runtime',
  dataLimitExceeded: 'States.DataLimitExceeded',
  taskTimedOut: 'TaskTimedOut',
  taskDoesNotExist: 'TaskDoesNotExist',
  executionAlreadyExists: 'ExecutionAlreadyExists',
  executionDoesNotExist: 'ExecutionDoesNotExist',
  stateMachineDoesNotExist: 'StateMachineDoesNotExist',
  stateMachineAlreadyExists: 'StateMachineAlreadyExists',
  invalidName: 'InvalidName',
  invalidDefinition: 'InvalidDefinition',
  invalidOutput: 'InvalidOutput',
  missingStepHandler: 'MissingStepHandler',
  engineDisposed: 'EngineDisposed',
  executionClosed: 'ExecutionClosed',
} as const;

/** Normalizes anything thrown by a handler into an Error whose name ASL can match. */
export function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const error = new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
  error.name = 'Error';
  return error;
}
