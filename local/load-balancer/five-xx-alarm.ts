/**
 * A local CloudWatch metric alarm on the load balancer's 5xx rate, with EventBridge-style change
 * notifications. Every `periodMs` it evaluates the period that just ended: the period breaches when
 * it saw at least `minRequests` requests and a 5xx rate >= `thresholdPercent`. The alarm is ALARM
 * after `evaluationPeriods` consecutive breaching periods and OK otherwise (CloudWatch's "N out of N";
 * a quiet period counts as not breaching, like TreatMissingData=notBreaching). It starts OK rather
 * than INSUFFICIENT_DATA so that its first evaluation on a quiet system is not a change.
 *
 * Listeners hear only real changes, as an EventBridge rule on "CloudWatch Alarm State Change" does,
 * which is why the steps also read the state (`describeAlarms` / `state()`) at the start and end of
 * each bake.
 */
import type { AlarmState, AlarmsPort } from '../../functions/ports/alarms.js';
import { wallClockTimers, type SimulationTimers } from '../simulated/timers.js';

/** What the alarm watches; the LocalLoadBalancer is one. */
export interface FiveXxSource {
  /** 5xx share of the requests that ended in the last `windowMs`, in percent (0 when none). */
  fiveXxRate(windowMs: number): number;
  requestCount(windowMs: number): number;
}

export type LocalAlarmListener = (
  alarmName: string,
  newState: AlarmState,
  oldState: AlarmState,
) => void | Promise<unknown>;

export interface LocalAlarmOptions {
  name: string;
  periodMs: number;
  evaluationPeriods: number;
  thresholdPercent: number;
  /** Fewer requests than this in a period make it not breaching, so two errors out of two requests do not page. */
  minRequests?: number;
  /** Real time by default: the demo runs real processes. */
  timers?: SimulationTimers;
  /** Where a listener's error goes; like a failing EventBridge target it fails nothing else. */
  onListenerError?: (error: unknown) => void;
}

export class LocalAlarm implements AlarmsPort {
  readonly name: string;
  private current: AlarmState = 'OK';
  private breachingPeriods = 0;
  private cancelTimer?: () => void;
  private readonly listeners = new Set<LocalAlarmListener>();
  private readonly timers: SimulationTimers;
  private readonly onListenerError: (error: unknown) => void;

  constructor(
    private readonly source: FiveXxSource,
    private readonly options: LocalAlarmOptions,
  ) {
    const { periodMs, evaluationPeriods, thresholdPercent, minRequests = 1 } = options;
    if (!(periodMs > 0)) throw new RangeError('periodMs must be positive');
    if (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1) {
      throw new RangeError('evaluationPeriods must be a positive integer');
    }
    if (!(thresholdPercent >= 0 && thresholdPercent <= 100))
      throw new RangeError('thresholdPercent must be 0-100');
    if (!(minRequests >= 0)) throw new RangeError('minRequests must not be negative');
    this.name = options.name;
    this.timers = options.timers ?? wallClockTimers();
    this.onListenerError =
      options.onListenerError ??
      ((error) => console.error(`alarm ${this.name}: a state change listener failed:`, error));
  }

  /** Starts evaluating every period; idempotent. */
  start(): void {
    if (this.cancelTimer) return;
    const tick = (): void => {
      this.evaluate();
      this.cancelTimer = this.timers.setTimer(this.options.periodMs, tick);
    };
    this.cancelTimer = this.timers.setTimer(this.options.periodMs, tick);
  }

  /** Stops evaluating, leaving no timer behind; the state stays as it was. */
  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  state(): AlarmState {
    return this.current;
  }

  /** Listens to changes of state; returns the function that stops listening. */
  onStateChange(listener: LocalAlarmListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async describeAlarms(alarmNames: readonly string[]): Promise<Map<string, AlarmState>> {
    return new Map(alarmNames.includes(this.name) ? [[this.name, this.current]] : []);
  }

  /** One evaluation of the period that just ended; `start` calls it every period. */
  evaluate(): AlarmState {
    const { periodMs, evaluationPeriods, thresholdPercent, minRequests = 1 } = this.options;
    const breaching =
      this.source.requestCount(periodMs) >= minRequests &&
      this.source.fiveXxRate(periodMs) >= thresholdPercent;
    this.breachingPeriods = breaching ? this.breachingPeriods + 1 : 0;
    this.change(this.breachingPeriods >= evaluationPeriods ? 'ALARM' : 'OK');
    return this.current;
  }

  private change(next: AlarmState): void {
    const previous = this.current;
    if (next === previous) return;
    this.current = next;
    for (const listener of [...this.listeners]) {
      // Delivered after the evaluation, never inside it, and tracked so virtual time waits for it.
      void this.timers.track(
        Promise.resolve()
          .then(() => listener(this.name, next, previous))
          .then(
            () => undefined,
            (error: unknown) => this.onListenerError(error),
          ),
      );
    }
  }
}
