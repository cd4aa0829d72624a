import { describe, expect, it } from 'vitest';
import {
  batchFits,
  batchHistoryEvents,
  CHILD_HISTORY,
  CHILD_HISTORY_BUDGET,
  checkParentHistory,
  PARENT_HISTORY,
  STEP_FUNCTIONS_HISTORY_LIMIT,
  worstBatchHistoryEvents,
  type BatchEventPlan,
} from '../../functions/domain/server-batch-history.js';
import {
  expectedTargetSeconds,
  nextTargetPollSeconds,
  trafficPollBound,
} from '../../functions/domain/target-polls.js';

const script: BatchEventPlan = { kind: 'script', timeoutSeconds: 3900, pollSeconds: 600 };
const block: BatchEventPlan = { kind: 'block', timeoutSeconds: 3600, pollSeconds: 15 };
const allow: BatchEventPlan = { kind: 'allow', timeoutSeconds: 3600, pollSeconds: 15 };
/** An in-place batch behind a load balancer: 11 script events and the two traffic events. */
const WITH_LB = [script, block, script, ...Array(7).fill(script), script, allow, script] as BatchEventPlan[];
const ELB = { deregistrationDelaySeconds: 300, healthCheckIntervalSeconds: 30, healthyThresholdCount: 5 };

describe('the history a Server batch writes', () => {
  it('counts each event loop and poll of the child machine with the per-state figures', () => {
    // 7 script events, no polls: NextBatch+Choice+Pass, 7 x (4 loop states + token Task), Choice+RecordBatch.
    expect(batchHistoryEvents(Array(7).fill('script'), { script: 0, traffic: 0 })).toBe(9 + 7 * (8 + 6) + 7);
    // A script poll: CollectEventResults (5), EventCollected (2), the token wait again (6).
    expect(CHILD_HISTORY.scriptPoll).toBe(13);
    // A look at the targets: WaitForTargets (2), CheckTargets (5), TrafficSettled (2).
    expect(CHILD_HISTORY.trafficPoll).toBe(9);
  });

  it('bounds a batch at its worst: every event polled to its deadline', () => {
    const polls = trafficPollBound(3600, 15);
    const worst = worstBatchHistoryEvents(WITH_LB, polls);
    expect(worst).toBe(
      batchHistoryEvents(
        WITH_LB.map((e) => e.kind),
        { script: 11 * Math.ceil(3900 / 600), traffic: 2 * polls },
      ),
    );
    expect(worst).toBeLessThan(CHILD_HISTORY_BUDGET / 5);
  });

  it('starts a batch only when its worst case still fits in the child budget', () => {
    expect(batchFits(0, 1000)).toBe(true);
    expect(batchFits(CHILD_HISTORY_BUDGET - 1000 - CHILD_HISTORY.run, 1000)).toBe(true);
    expect(batchFits(CHILD_HISTORY_BUDGET - 1000 - CHILD_HISTORY.run + 1, 1000)).toBe(false);
  });
});

describe('the parent pre-check (what a deployment still cannot do)', () => {
  it('accepts OneAtATime on 10,000 instances behind a load balancer, with every batch at its worst', () => {
    const check = checkParentHistory(10_000, 1, worstBatchHistoryEvents(WITH_LB, trafficPollBound(3600, 15)));
    expect(check.ok).toBe(true);
    expect(check.estimatedEvents).toBeLessThan(STEP_FUNCTIONS_HISTORY_LIMIT);
  });

  it('refuses 20,000 batches of that kind, saying how many would fit', () => {
    const worst = worstBatchHistoryEvents(WITH_LB, trafficPollBound(3600, 15));
    const check = checkParentHistory(20_000, 1, worst);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.maxBatches).toBeGreaterThan(10_000);
    expect(check.maxBatches).toBeLessThan(20_000);
    expect(PARENT_HISTORY.perRun).toBe(10);
  });
});

describe('when to look at targets again', () => {
  it('first when ELB says they should be ready: the deregistration delay, or interval x healthy threshold', () => {
    expect(expectedTargetSeconds('BlockTraffic', [ELB])).toBe(300);
    expect(expectedTargetSeconds('AllowTraffic', [ELB])).toBe(150);
    expect(nextTargetPollSeconds(300, 2, 15)).toBe(298);
  });

  it('then less and less often, at most every 5 minutes, so a target that never settles costs few looks', () => {
    expect([0, 10, 30, 90, 250, 1000].map((late) => nextTargetPollSeconds(0, late, 15))).toEqual([
      15, 15, 30, 90, 250, 300,
    ]);
    expect(trafficPollBound(3600, 15)).toBeLessThan(25);
  });
});
