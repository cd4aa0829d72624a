import {
  HISTORY_EVENTS_ON_ENTRY,
  HISTORY_EVENTS_PER_STATE,
  historyEventsPerRetry,
  type HistoryStateKind,
} from '../../functions/domain/history-events.js';
import type { InterpreterEvent } from './events.js';
import type { ExecutionScope } from './execution.js';

/**
 * Adds what one interpreter event means in Step Functions' history to the execution's count, with
 * the figures of functions/domain/history-events.ts. The interpreter reports a state as Entered, then
 * Failed for every failed attempt (Retried before the next one), then Exited when it succeeded or a
 * Catch took the failure; Step Functions writes the attempt's TaskFailed where the interpreter says
 * Failed, the next attempt's TaskScheduled/TaskStarted (/TaskSubmitted) where it says Retried, and
 * TaskSucceeded + TaskStateExited (TaskStateExited alone after a caught failure) where it says Exited.
 * ExecutionStarted and the execution's end are counted by the engine itself.
 */
export function countHistoryEvent(
  scope: ExecutionScope,
  log: InterpreterEvent,
  kinds: Readonly<Record<string, HistoryStateKind>>,
): void {
  switch (log.type) {
    case 'StateEntered': {
      const kind = kinds[log.state.name] ?? 'pass';
      scope.historyEvents += HISTORY_EVENTS_ON_ENTRY[kind];
      scope.failedState = undefined;
      return;
    }
    case 'StateFailed': {
      const kind = kinds[log.state.name] ?? 'pass';
      // TaskFailed / TaskTimedOut / MapStateFailed; a Pass, Choice or Fail state writes no event of its own.
      if (isTaskOrMap(kind)) scope.historyEvents += 1;
      scope.failedState = log.state.name;
      return;
    }
    case 'StateRetried': {
      const kind = kinds[log.state.name] ?? 'lambdaTask';
      scope.historyEvents += historyEventsPerRetry(kind) - 1;
      scope.failedState = undefined;
      return;
    }
    case 'StateExited': {
      const kind = kinds[log.state.name] ?? 'pass';
      const rest = HISTORY_EVENTS_PER_STATE[kind] - HISTORY_EVENTS_ON_ENTRY[kind];
      // After a caught failure the outcome event (TaskFailed) was counted already.
      const caught = scope.failedState === log.state.name && isTaskOrMap(kind);
      scope.historyEvents += caught ? rest - 1 : rest;
      scope.failedState = undefined;
      return;
    }
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      scope.historyEvents += 1;
      return;
    default:
      return;
  }
}

function isTaskOrMap(kind: HistoryStateKind): boolean {
  return (
    kind === 'lambdaTask' ||
    kind === 'tokenTask' ||
    kind === 'syncExecutionTask' ||
    kind === 'map' ||
    kind === 'distributedMap'
  );
}
