/**
 * Simulated CloudWatch alarms and their EventBridge "CloudWatch Alarm State Change" events. As on
 * AWS, an event exists only for a real change of state: setting an alarm to the state it is already
 * in is silent, which is why the steps also read alarms at the start and end of each bake.
 */
import type { AlarmState, AlarmsPort } from '../../functions/ports/alarms.js';
import {
  conflictError,
  invalidParameter,
  notFoundError,
  throttlingError,
  type SimulatedCall,
} from './errors.js';
import { FaultCounter } from './faults.js';
import type { SimulationTimers } from './timers.js';

export type AlarmStateListener = (
  alarmName: string,
  newState: AlarmState,
  oldState: AlarmState,
) => void | Promise<unknown>;

/** One real change of an alarm's state. */
export interface AlarmStateChange {
  at: Date;
  alarmName: string;
  oldState: AlarmState;
  newState: AlarmState;
}

export interface SimulatedAlarmsOptions {
  /** Where a listener's error goes; like a failing EventBridge target it fails nothing else. Logged by default. */
  onListenerError?: (error: unknown) => void;
}

const STATES: readonly AlarmState[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

export class SimulatedAlarms implements AlarmsPort {
  private readonly states = new Map<string, AlarmState>();
  private readonly changes: AlarmStateChange[] = [];
  private readonly listeners = new Set<AlarmStateListener>();
  private readonly faults = new FaultCounter<'describeAlarms'>();
  private readonly onListenerError: (error: unknown) => void;

  constructor(
    private readonly timers: SimulationTimers,
    options: SimulatedAlarmsOptions = {},
  ) {
    this.onListenerError =
      options.onListenerError ??
      ((error) => console.error('simulated alarms: a state change listener failed:', error));
  }

  /** Creates an alarm. Creating it is not a state change, so nobody is notified. */
  define(name: string, state: AlarmState = 'OK'): void {
    const call: SimulatedCall = { service: 'cloudwatch', operation: 'PutMetricAlarm', resource: name };
    this.checkState(call, state);
    // PutMetricAlarm would overwrite; a test defining an alarm twice more likely has a bug.
    if (this.states.has(name)) throw conflictError(call, `Alarm ${name} is already defined`);
    this.states.set(name, state);
  }

  /** Sets the state; records and notifies only a real change. Returns whether the state changed. */
  setState(name: string, state: AlarmState): boolean {
    const call: SimulatedCall = { service: 'cloudwatch', operation: 'SetAlarmState', resource: name };
    const oldState = this.requireAlarm(call, name);
    this.checkState(call, state);
    if (oldState === state) return false;
    this.states.set(name, state);
    this.changes.push({ at: this.timers.now(), alarmName: name, oldState, newState: state });
    for (const listener of [...this.listeners]) this.deliver(listener, name, state, oldState);
    return true;
  }

  /** Schedules `setState` `atMs` milliseconds of simulation time from now; returns the cancel function. */
  setStateAt(name: string, state: AlarmState, atMs: number): () => void {
    const call: SimulatedCall = { service: 'cloudwatch', operation: 'SetAlarmState', resource: name };
    // Checked now, so that a typo fails the test where it is written, not inside a timer.
    this.requireAlarm(call, name);
    this.checkState(call, state);
    if (!Number.isFinite(atMs) || atMs < 0) {
      throw new RangeError(
        `atMs must be a non-negative number of milliseconds from now, got ${String(atMs)}`,
      );
    }
    return this.timers.setTimer(atMs, () => {
      this.setState(name, state);
    });
  }

  /** Listens to state changes (EventBridge delivery: after the change, in the background). */
  onStateChange(listener: AlarmStateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The next `times` DescribeAlarms calls fail with ThrottlingError. */
  failNextDescribe(times: number): void {
    this.faults.arm('describeAlarms', times);
  }

  stateChanges(): AlarmStateChange[] {
    return this.changes.map((change) => ({ ...change, at: new Date(change.at) }));
  }

  async describeAlarms(alarmNames: readonly string[]): Promise<Map<string, AlarmState>> {
    const call: SimulatedCall = { service: 'cloudwatch', operation: 'DescribeAlarms' };
    if (this.faults.take('describeAlarms')) throw throttlingError(call);
    const found = new Map<string, AlarmState>();
    for (const name of alarmNames) {
      const state = this.states.get(name);
      if (state !== undefined) found.set(name, state);
    }
    return found;
  }

  /**
   * Runs one listener after the current call returns (a rule target is never invoked inside
   * SetAlarmState), tracked so virtual time waits for it.
   */
  private deliver(
    listener: AlarmStateListener,
    name: string,
    newState: AlarmState,
    oldState: AlarmState,
  ): void {
    void this.timers.track(
      Promise.resolve()
        .then(() => listener(name, newState, oldState))
        .then(
          () => undefined,
          (error: unknown) => this.onListenerError(error),
        ),
    );
  }

  private requireAlarm(call: SimulatedCall, name: string): AlarmState {
    const state = this.states.get(name);
    if (state === undefined) throw notFoundError(call, `Alarm ${name} does not exist`);
    return state;
  }

  /** The type says AlarmState, but simulate scenarios come from user input. */
  private checkState(call: SimulatedCall, state: string): void {
    if (!(STATES as readonly string[]).includes(state)) {
      throw invalidParameter(
        call,
        'ValidationException',
        `1 validation error detected: Value '${state}' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]`,
      );
    }
  }
}
