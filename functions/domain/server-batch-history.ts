/**
 * The history budget of a Server in-place deployment, which runs as one small parent execution
 * (statemachines/server-in-place.asl.yaml) and child executions of statemachines/server-batches.asl.yaml,
 * each running batches until the next one might not fit in its history. The figures below are the
 * states each path of those two machines visits, counted with history-events.ts; a test runs both
 * machines on the embedded engine and checks every child's estimate against the engine's own count.
 */
import {
  HISTORY_EVENTS_PER_EXECUTION,
  historyEventsOf,
  STEP_FUNCTIONS_HISTORY_LIMIT,
} from './history-events.js';

/** How a lifecycle event of a batch is carried out (its states in the child machine). */
export type BatchEventKind = 'script' | 'block' | 'allow';

/**
 * A child execution stops starting batches when the next one might take it past this many events.
 * Far below Step Functions' 25,000, so that retries the estimate cannot foresee still fit.
 */
export const CHILD_HISTORY_BUDGET = 12_000;
/** The parent's own history must stay below this for the whole deployment (the pre-check's limit). */
export const PARENT_HISTORY_BUDGET = 20_000;

export const CHILD_HISTORY = {
  /** ExecutionStarted; NextBatch, BatchAction, LifecycleEvents. */
  batchStart: historyEventsOf(['lambdaTask', 'choice', 'pass']),
  /** MoreLifecycleEvents, CurrentLifecycleEvent, EventKind, EventDone around every event. */
  eventLoop: historyEventsOf(['choice', 'pass', 'choice', 'pass']),
  /** RunLifecycleEvent (a token wait). */
  scriptEvent: historyEventsOf(['tokenTask']),
  /** One bounded poll: CollectEventResults, EventCollected, RunLifecycleEvent again. */
  scriptPoll: historyEventsOf(['lambdaTask', 'choice', 'tokenTask']),
  /** BlockTraffic or AllowTraffic, then TrafficSettled. */
  trafficEvent: historyEventsOf(['lambdaTask', 'choice']),
  /** One poll of the targets: WaitForTargets, CheckTargets, TrafficSettled. */
  trafficPoll: historyEventsOf(['wait', 'lambdaTask', 'choice']),
  /** The last MoreLifecycleEvents, then RecordBatch. */
  batchEnd: historyEventsOf(['choice', 'lambdaTask']),
  /**
   * The execution's start and end, and the NextBatch that ends it: NextBatch, BatchAction,
   * BatchesEnded; or a failing Task caught into BatchesFailed (fewer).
   */
  run: HISTORY_EVENTS_PER_EXECUTION + historyEventsOf(['lambdaTask', 'choice', 'pass']),
} as const;

/** The parent's states: per child execution, and once per deployment. */
export const PARENT_HISTORY = {
  /** RunBatches (`states:startExecution.sync:2`), RunOutcome, NextRun. */
  perRun: historyEventsOf(['syncExecutionTask', 'choice', 'pass']),
  /** ZoneMonitor between two zones (with its NextRun counted in perRun). */
  perZoneWait: historyEventsOf(['wait']),
  /** Execution, Prepare, StartRuns, RunFailed, Rollback, Finish, RollbackNeeded, StartRollbackDeployment, the end state. */
  fixed:
    HISTORY_EVENTS_PER_EXECUTION +
    historyEventsOf([
      'lambdaTask',
      'pass',
      'pass',
      'lambdaTask',
      'lambdaTask',
      'choice',
      'lambdaTask',
      'fail',
    ]),
} as const;

export interface BatchEventPlan {
  kind: BatchEventKind;
  /** Script events: how long the event may run; traffic events: how long the targets may take. */
  timeoutSeconds: number;
  /** Script events: the bounded poll's interval. */
  pollSeconds: number;
}

/** How many times a batch's events were polled (bounded polls of scripts, looks at targets). */
export interface BatchPolls {
  script: number;
  traffic: number;
}

/** The events a batch wrote, from what happened: its events and how many polls they took. */
export function batchHistoryEvents(events: readonly BatchEventKind[], polls: BatchPolls): number {
  const perEvent = events.reduce(
    (sum, kind) =>
      sum +
      CHILD_HISTORY.eventLoop +
      (kind === 'script' ? CHILD_HISTORY.scriptEvent : CHILD_HISTORY.trafficEvent),
    0,
  );
  return (
    CHILD_HISTORY.batchStart +
    perEvent +
    polls.script * CHILD_HISTORY.scriptPoll +
    polls.traffic * CHILD_HISTORY.trafficPoll +
    CHILD_HISTORY.batchEnd
  );
}

/**
 * The most events a batch can write: every script event polled until its deadline, every traffic
 * event looked at `trafficPolls` times (trafficPollBound) until the targets' time is up.
 */
export function worstBatchHistoryEvents(events: readonly BatchEventPlan[], trafficPolls: number): number {
  const polls: BatchPolls = { script: 0, traffic: 0 };
  for (const event of events) {
    if (event.kind === 'script') {
      // A poll at each interval, and one past the deadline that fails what is left.
      polls.script += Math.ceil(event.timeoutSeconds / Math.max(1, event.pollSeconds));
    } else {
      polls.traffic += trafficPolls;
    }
  }
  return batchHistoryEvents(
    events.map((e) => e.kind),
    polls,
  );
}

/** Whether a child that wrote `used` events may start a batch that writes at most `worstBatch`. */
export function batchFits(used: number, worstBatch: number, budget = CHILD_HISTORY_BUDGET): boolean {
  return used + worstBatch + CHILD_HISTORY.run <= budget;
}

export type ParentHistoryCheck =
  | { ok: true; estimatedEvents: number; batchesPerRun: number }
  | { ok: false; estimatedEvents: number; batchesPerRun: number; maxBatches: number };

/**
 * The pre-check of what one deployment cannot do: with every batch at its worst, the children fit
 * `batchesPerRun` batches each, and the parent needs a child per that many batches (and per zone).
 */
export function checkParentHistory(
  batches: number,
  zones: number,
  worstBatch: number,
  budget = CHILD_HISTORY_BUDGET,
): ParentHistoryCheck {
  const batchesPerRun = Math.max(1, Math.floor((budget - CHILD_HISTORY.run) / Math.max(1, worstBatch)));
  const runs = Math.ceil(batches / batchesPerRun) + zones;
  const estimatedEvents =
    PARENT_HISTORY.fixed + runs * PARENT_HISTORY.perRun + Math.max(0, zones - 1) * PARENT_HISTORY.perZoneWait;
  if (estimatedEvents <= PARENT_HISTORY_BUDGET) return { ok: true, estimatedEvents, batchesPerRun };
  const maxRuns = Math.floor((PARENT_HISTORY_BUDGET - PARENT_HISTORY.fixed) / PARENT_HISTORY.perRun) - zones;
  return { ok: false, estimatedEvents, batchesPerRun, maxBatches: Math.max(0, maxRuns * batchesPerRun) };
}

export { STEP_FUNCTIONS_HISTORY_LIMIT };
