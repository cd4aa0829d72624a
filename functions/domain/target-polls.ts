/**
 * When to look at a batch's targets again while they drain (BlockTraffic) or pass their health
 * checks (AllowTraffic). ELB's defaults make both take minutes (a 300 s deregistration delay; health
 * checks every 30 s, healthy after 5), so polling every few seconds would spend the execution's
 * history on nothing. The first look comes when the target group's own timings say the targets
 * should be there; after that, the wait grows with how late they are (as long as the lateness, at
 * least the base interval, at most MAX_TARGET_POLL_SECONDS), so a target that never settles costs a
 * bounded number of looks before the event's time is up.
 */

export interface TargetGroupTimings {
  deregistrationDelaySeconds: number;
  healthCheckIntervalSeconds: number;
  healthyThresholdCount: number;
}

/** The longest wait between two looks. */
export const MAX_TARGET_POLL_SECONDS = 300;

export type TrafficEventName = 'BlockTraffic' | 'AllowTraffic';

/** How long the targets should take, by the target groups' timings (the slowest group's). */
export function expectedTargetSeconds(
  event: TrafficEventName,
  timings: readonly TargetGroupTimings[],
): number {
  return timings.reduce(
    (most, t) =>
      Math.max(
        most,
        event === 'BlockTraffic'
          ? t.deregistrationDelaySeconds
          : t.healthCheckIntervalSeconds * t.healthyThresholdCount,
      ),
    0,
  );
}

/** Seconds until the next look, `elapsedSeconds` after the event started. */
export function nextTargetPollSeconds(
  expectedSeconds: number,
  elapsedSeconds: number,
  basePollSeconds: number,
): number {
  const base = Math.max(1, Math.round(basePollSeconds));
  if (elapsedSeconds < expectedSeconds) return Math.max(1, Math.ceil(expectedSeconds - elapsedSeconds));
  const late = elapsedSeconds - expectedSeconds;
  return Math.min(MAX_TARGET_POLL_SECONDS, Math.max(base, Math.ceil(late)));
}

/**
 * The most looks an event can take before `timeoutSeconds`, whatever the target groups' timings,
 * counting the last look that fails it. With an expected time E, the looks are one at E and then the
 * no-expectation schedule shifted by E, which fits no more looks into less time: one more than the
 * schedule without an expected time is a bound.
 */
export function trafficPollBound(timeoutSeconds: number, basePollSeconds: number): number {
  let elapsed = 0;
  let polls = 0;
  while (elapsed < timeoutSeconds) {
    elapsed += nextTargetPollSeconds(0, elapsed, basePollSeconds);
    polls++;
  }
  return polls + 1;
}
