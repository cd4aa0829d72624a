/**
 * One Server deployment is one Step Functions execution, whose history holds at most 25,000 events.
 * A batch costs a roughly fixed number of events (measured with `npm run bench:server`: about 40
 * state transitions per batch without a load balancer and 75 with one; a Lambda Task writes about 5
 * history events, a Pass or Choice 2). A deployment that would run out of history part-way is refused
 * before any instance is touched, rather than failing in the middle.
 */
export const STEP_FUNCTIONS_HISTORY_LIMIT = 25_000;

/** Conservative history events per batch, from the measured transitions. */
export const HISTORY_EVENTS_PER_BATCH = { withoutLoadBalancer: 150, withLoadBalancer: 300 } as const;

/** Room kept for the Prepare, Finish and rollback states and for retries. */
const RESERVED_EVENTS = 1_000;

export type HistoryBudget =
  { ok: true; estimatedEvents: number } | { ok: false; estimatedEvents: number; maxBatches: number };

export function checkHistoryBudget(batches: number, withLoadBalancer: boolean): HistoryBudget {
  const perBatch = withLoadBalancer
    ? HISTORY_EVENTS_PER_BATCH.withLoadBalancer
    : HISTORY_EVENTS_PER_BATCH.withoutLoadBalancer;
  const estimatedEvents = RESERVED_EVENTS + batches * perBatch;
  if (estimatedEvents <= STEP_FUNCTIONS_HISTORY_LIMIT) return { ok: true, estimatedEvents };
  return {
    ok: false,
    estimatedEvents,
    maxBatches: Math.floor((STEP_FUNCTIONS_HISTORY_LIMIT - RESERVED_EVENTS) / perBatch),
  };
}
