// The polyfill must run before aws-local-stepfunctions executes its first Task.
import './polyfill.js';

export { installPromiseWithResolvers } from './polyfill.js';
export { RealClock, VirtualClock } from './clock.js';
export { ScaledClock } from './scaled-clock.js';
export type { EngineClock, VirtualClockOptions } from './clock.js';
export {
  FAKE_ACCOUNT_ID,
  FAKE_REGION,
  fakeFunctionArn,
  loadStateMachine,
  prepareDefinition,
  stepNameOfFunction,
  walkStates,
} from './definition.js';
export type { LoadedStateMachine, TaskIntegration, TaskStateInfo } from './definition.js';
export { compileDefinition } from './compile.js';
export type { CompiledDefinition, CompiledTask } from './compile.js';
export { EmbeddedEngine, stateMachineArn, validateDefinitionWith } from './engine.js';
export type {
  DefinitionValidator,
  EmbeddedEngineOptions,
  RegisteredStateMachine,
  StepHandler,
} from './engine.js';
export type { ExecutionHandle, ExecutionOutcome, ExecutionStatus, ExecutionSummary } from './execution.js';
export type { EngineEvent, EngineEventListener, EngineEventType } from './events.js';
export { EngineError, ErrorNames, TerminalStateError } from './errors.js';
export { retryDelayMs } from './retry.js';
export type { Retrier } from './retry.js';
export { TaskTokenRegistry } from './tokens.js';
