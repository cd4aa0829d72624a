/**
 * How Step Functions counts an execution's history events, which it caps at 25,000 (the execution
 * fails with States.Runtime when it reaches them). The event types are the HistoryEvent types of the
 * Step Functions API reference (API_HistoryEvent: TaskStateEntered, TaskScheduled, TaskStarted,
 * TaskSubmitted, TaskSucceeded, TaskFailed, TaskTimedOut, TaskStateExited, ChoiceStateEntered, ...,
 * MapRunStarted, MapRunSucceeded); the sequence each state writes is the one the console's event view
 * and GetExecutionHistory show:
 *
 * | state                                         | events                                                         | n |
 * |-----------------------------------------------|----------------------------------------------------------------|---|
 * | execution                                     | ExecutionStarted ... ExecutionSucceeded/Failed/TimedOut/Aborted | 2 |
 * | Lambda Task (`lambda:invoke`, a function ARN)  | TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded, TaskStateExited (Lambda ARN: LambdaFunction* instead of Task*) | 5 |
 * | `.waitForTaskToken` Task                      | as a Lambda Task, plus TaskSubmitted once the request went out   | 6 |
 * | `states:startExecution.sync:2` Task           | as a token wait: TaskSubmitted when the child started, TaskSucceeded when it ended | 6 |
 * | a retry of a Task                             | TaskFailed (or TaskTimedOut) of the attempt, TaskScheduled and TaskStarted of the next (+ TaskSubmitted for token waits and .sync) | 3 (4) |
 * | a Task that fails (caught or not)             | TaskFailed/TaskTimedOut in place of TaskSucceeded; counted with its TaskStateExited, which errs on the high side | 5 (6) |
 * | Pass, Choice, Wait, Succeed                   | <Type>StateEntered, <Type>StateExited                             | 2 |
 * | Fail                                          | FailStateEntered (ExecutionFailed follows)                        | 1 |
 * | inline Map                                    | MapStateEntered, MapStateStarted, MapStateSucceeded, MapStateExited, and per item MapIterationStarted + MapIterationSucceeded besides the item's own states | 4 + 2/item |
 * | Distributed Map                               | the Map's four, plus MapRunStarted and MapRunSucceeded; the items' events are in the child executions' histories | 6 |
 *
 * The figures err on the high side where the documentation leaves room (a caught failure's exit), so
 * an estimate made with them is an upper bound of the real history. The embedded engine counts every
 * execution's history with this table, and the Server flow budgets its child executions with it.
 */

/** Step Functions' hard limit of events in one execution's history. */
export const STEP_FUNCTIONS_HISTORY_LIMIT = 25_000;

export type HistoryStateKind =
  | 'lambdaTask'
  | 'tokenTask'
  | 'syncExecutionTask'
  | 'pass'
  | 'choice'
  | 'wait'
  | 'succeed'
  | 'fail'
  | 'map'
  | 'distributedMap';

/** Events a state writes when entered and left once, without retries. */
export const HISTORY_EVENTS_PER_STATE: Readonly<Record<HistoryStateKind, number>> = {
  lambdaTask: 5,
  tokenTask: 6,
  syncExecutionTask: 6,
  pass: 2,
  choice: 2,
  wait: 2,
  succeed: 2,
  fail: 1,
  map: 4,
  distributedMap: 6,
};

/** What entering a state writes; leaving it writes the rest of HISTORY_EVENTS_PER_STATE. */
export const HISTORY_EVENTS_ON_ENTRY: Readonly<Record<HistoryStateKind, number>> = {
  lambdaTask: 3, // TaskStateEntered, TaskScheduled, TaskStarted
  tokenTask: 4, // ... TaskSubmitted
  syncExecutionTask: 4,
  pass: 1,
  choice: 1,
  wait: 1,
  succeed: 1,
  fail: 1,
  map: 2, // MapStateEntered, MapStateStarted
  distributedMap: 3, // ... MapRunStarted
};

/** Events one retry of a Task writes (the failed attempt's end, the next attempt's start). */
export function historyEventsPerRetry(kind: HistoryStateKind): number {
  return kind === 'tokenTask' || kind === 'syncExecutionTask' ? 4 : 3;
}

/** An inline Map writes these per item, besides the states each item runs. */
export const HISTORY_EVENTS_PER_MAP_ITEM = 2;

/** ExecutionStarted and the execution's end. */
export const HISTORY_EVENTS_PER_EXECUTION = 2;

/** The events of a sequence of states, each visited once without retries. */
export function historyEventsOf(states: readonly HistoryStateKind[]): number {
  return states.reduce((sum, kind) => sum + HISTORY_EVENTS_PER_STATE[kind], 0);
}
