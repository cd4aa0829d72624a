/**
 * The messages between the load balancer's own thread (thread-worker.ts) and the deployment's thread
 * (thread.ts). Calls name a method of the `LocalLoadBalancer` or of one of its alarms; only the
 * methods listed here cross, so adding one to the load balancer is one line in a list.
 */
import { AwsServiceError, type AwsCallContext } from '../../functions/adapters/aws/errors.js';
import type { AlarmState } from '../../functions/ports/alarms.js';
import type { TargetHealthState } from '../../functions/ports/load-balancer.js';
import { LoadBalancerStoppedError, TargetHealthWaitTimeoutError } from './errors.js';
import type { LocalAlarmOptions } from './five-xx-alarm.js';
import type { TrafficMetricsOptions } from './metrics.js';

/** The `LocalLoadBalancer` methods the other thread may call. */
export const LOAD_BALANCER_METHODS = [
  'createTargetGroup',
  'setForwardWeights',
  'createListener',
  'describeListener',
  'describeListeners',
  'modifyListener',
  'deleteListener',
  'setTargetPort',
  'registerTargets',
  'deregisterTargets',
  'describeTargetHealth',
  'describeTargets',
  'waitForHealthy',
  'waitForDrained',
  'metrics',
  'fiveXxRate',
  'requestCount',
] as const;
export type LoadBalancerMethod = (typeof LOAD_BALANCER_METHODS)[number];

/** The `LocalAlarm` methods the other thread may call. */
export const ALARM_METHODS = ['start', 'stop', 'state', 'describeAlarms', 'evaluate'] as const;
export type AlarmMethod = (typeof ALARM_METHODS)[number];

/** The thread's start-up data (structured-cloned: no functions, so ports are a table). */
export interface LoadBalancerThreadData {
  port: number;
  /** Where each instance listens, as `setTargetPort` would set it. */
  targetPorts: Record<string, number>;
  waitPollMs?: number;
  metrics?: Omit<TrafficMetricsOptions, 'now'>;
}

/** An alarm on the load balancer's 5xx rate, evaluated in its thread against its live counters. */
export type ThreadAlarmOptions = Omit<LocalAlarmOptions, 'timers' | 'onListenerError'> & {
  /** Watch this named listener's traffic only (an ECS service's production listener); else all of it. */
  listener?: string;
};

export type ThreadRequest =
  | { id: number; kind: 'call'; method: LoadBalancerMethod; args: unknown[] }
  | { id: number; kind: 'alarm'; name: string; method: AlarmMethod; args: unknown[] }
  | { id: number; kind: 'createAlarm'; options: ThreadAlarmOptions }
  | { id: number; kind: 'stop' };

export type ThreadMessage =
  | { kind: 'ready'; url: string; address: { address: string; family: string; port: number } }
  | { kind: 'startFailed'; error: SerializedError }
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'failure'; id: number; error: SerializedError }
  | { kind: 'alarmChange'; name: string; newState: AlarmState; oldState: AlarmState };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  context?: AwsCallContext;
  httpStatusCode?: number;
  targetGroup?: string;
  awaited?: TargetHealthState;
  states?: Array<[string, TargetHealthState]>;
  timeoutMs?: number;
}

/**
 * Errors keep their class across the threads: a step's Catch and the API see exactly the error the
 * load balancer raised (ELBv2's codes on an `AwsServiceError`, the waiters' timeout error).
 */
export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const base: SerializedError = {
    name: error.name,
    message: error.message,
    ...(error.stack ? { stack: error.stack } : {}),
  };
  if (error instanceof AwsServiceError) {
    return {
      ...base,
      code: error.code,
      context: error.context,
      ...(error.httpStatusCode !== undefined ? { httpStatusCode: error.httpStatusCode } : {}),
    };
  }
  if (error instanceof TargetHealthWaitTimeoutError) {
    return {
      ...base,
      targetGroup: error.targetGroup,
      awaited: error.awaited,
      states: [...error.states],
      timeoutMs: error.timeoutMs,
    };
  }
  // A system error keeps its code (EADDRINUSE: the listener's port is taken).
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? { ...base, code } : base;
}

export function deserializeError(data: SerializedError): Error {
  let error: Error;
  if (data.name === 'AwsServiceError' && data.code !== undefined && data.context !== undefined) {
    error = new AwsServiceError(data.message, data.code, data.context, data.httpStatusCode);
  } else if (data.name === 'TargetHealthWaitTimeoutError' && data.targetGroup && data.awaited) {
    error = new TargetHealthWaitTimeoutError(
      data.targetGroup,
      data.awaited,
      new Map(data.states ?? []),
      data.timeoutMs ?? 0,
    );
  } else if (data.name === 'LoadBalancerStoppedError') {
    error = new LoadBalancerStoppedError(data.message);
  } else if (data.name === 'RangeError') {
    error = new RangeError(data.message);
  } else {
    error = new Error(data.message);
    error.name = data.name;
    if (data.code !== undefined) (error as NodeJS.ErrnoException).code = data.code;
  }
  if (data.stack) error.stack = data.stack;
  return error;
}
