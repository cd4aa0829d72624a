/**
 * CodeDeploy's status enums, spelled exactly as the API spells them (reference §4.1, §4.2, App. B.1),
 * and the transitions stepdeploy allows between them.
 *
 * Each enum is a const object (for `DeploymentStatus.InProgress`) and a string-union type of the
 * same name; the `*_VALUES` lists keep the API's order.
 *
 * Transitions follow the [inferred] model of §4.1. Terminal statuses are final. Re-applying the
 * current status is allowed and returns it unchanged, because every step may be re-run by a Step
 * Functions retry or redrive.
 */
import { ErrorCodeValues } from './codedeploy-shapes.js';
import { IllegalStatusTransitionError } from './errors.js';

const enumOf = <const T extends readonly string[]>(values: T): { readonly [K in T[number]]: K } =>
  Object.freeze(Object.fromEntries(values.map((v) => [v, v]))) as { readonly [K in T[number]]: K };

export const DEPLOYMENT_STATUS_VALUES = [
  'Created',
  'Queued',
  'InProgress',
  'Baking',
  'Succeeded',
  'Failed',
  'Stopped',
  'Ready',
] as const;
export const DeploymentStatus = enumOf(DEPLOYMENT_STATUS_VALUES);
export type DeploymentStatus = (typeof DEPLOYMENT_STATUS_VALUES)[number];

export const TARGET_STATUS_VALUES = [
  'Pending',
  'InProgress',
  'Succeeded',
  'Failed',
  'Skipped',
  'Unknown',
  'Ready',
] as const;
export const TargetStatus = enumOf(TARGET_STATUS_VALUES);
export type TargetStatus = (typeof TARGET_STATUS_VALUES)[number];

/** The target statuses CodeDeploy's DeploymentOverview counts (`Unknown` is not one of its members). */
export const OVERVIEW_STATUS_VALUES = [
  'Pending',
  'InProgress',
  'Succeeded',
  'Failed',
  'Skipped',
  'Ready',
] as const;
export type OverviewStatus = (typeof OVERVIEW_STATUS_VALUES)[number];

export function isOverviewStatus(value: unknown): value is OverviewStatus {
  return (OVERVIEW_STATUS_VALUES as readonly unknown[]).includes(value);
}

/** Every DeploymentOverview counter at zero (a fresh object each time). */
export function emptyOverview(): Record<OverviewStatus, number> {
  return { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 };
}

export const LIFECYCLE_EVENT_STATUS_VALUES = [
  'Pending',
  'InProgress',
  'Succeeded',
  'Failed',
  'Skipped',
  'Unknown',
] as const;
export const LifecycleEventStatus = enumOf(LIFECYCLE_EVENT_STATUS_VALUES);
export type LifecycleEventStatus = (typeof LIFECYCLE_EVENT_STATUS_VALUES)[number];

/** `Diagnostics.errorCode` of a lifecycle event. */
export const LIFECYCLE_ERROR_CODE_VALUES = [
  'Success',
  'ScriptMissing',
  'ScriptNotExecutable',
  'ScriptTimedOut',
  'ScriptFailed',
  'UnknownError',
] as const;
export const LifecycleErrorCode = enumOf(LIFECYCLE_ERROR_CODE_VALUES);
export type LifecycleErrorCode = (typeof LIFECYCLE_ERROR_CODE_VALUES)[number];

export const DEPLOYMENT_CREATOR_VALUES = [
  'user',
  'autoscaling',
  'codeDeployRollback',
  'CodeDeploy',
  'CodeDeployAutoUpdate',
  'CloudFormation',
  'CloudFormationRollback',
  'autoscalingTermination',
] as const;
export const DeploymentCreator = enumOf(DEPLOYMENT_CREATOR_VALUES);
export type DeploymentCreator = (typeof DEPLOYMENT_CREATOR_VALUES)[number];

/** `ErrorInformation.code`: the API's enum (the UG-only `UNABLE_TO_SEND_ASG` is not part of it). */
export const ERROR_CODE_VALUES = ErrorCodeValues;
export const ErrorCode = enumOf(ERROR_CODE_VALUES);
export type ErrorCode = (typeof ERROR_CODE_VALUES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODE_VALUES as readonly string[]).includes(value);
}

type TransitionTable<S extends string> = { readonly [K in S]: readonly S[] };

/**
 * Deployments: Created -> (Queued ->) InProgress -> Succeeded | Failed | Stopped, with the B/G
 * `Ready` wait (back to InProgress on ContinueDeployment) and `Baking`, which stepdeploy uses only
 * for the wait after all traffic has moved (termination wait), so Baking never returns to
 * InProgress. A deployment can fail or be stopped before it starts.
 */
const DEPLOYMENT_TRANSITIONS: TransitionTable<DeploymentStatus> = {
  Created: ['Queued', 'InProgress', 'Failed', 'Stopped'],
  Queued: ['InProgress', 'Failed', 'Stopped'],
  InProgress: ['Ready', 'Baking', 'Succeeded', 'Failed', 'Stopped'],
  Ready: ['InProgress', 'Succeeded', 'Failed', 'Stopped'],
  Baking: ['Succeeded', 'Failed', 'Stopped'],
  Succeeded: [],
  Failed: [],
  Stopped: [],
};

/**
 * Targets: Pending -> InProgress -> Succeeded | Failed; Pending -> Skipped when never attempted;
 * a B/G replacement goes InProgress -> Ready -> InProgress (reroute). `Unknown` records a target a
 * stop left in an indeterminate state. Succeeded, Failed, Skipped and Unknown are final.
 */
const TARGET_TRANSITIONS: TransitionTable<TargetStatus> = {
  Pending: ['InProgress', 'Skipped'],
  InProgress: ['Ready', 'Succeeded', 'Failed', 'Unknown'],
  Ready: ['InProgress', 'Succeeded', 'Failed', 'Unknown'],
  Succeeded: [],
  Failed: [],
  Skipped: [],
  Unknown: [],
};

/** Lifecycle events: Pending -> InProgress -> Succeeded | Failed (| Unknown); Pending -> Skipped. */
const LIFECYCLE_EVENT_TRANSITIONS: TransitionTable<LifecycleEventStatus> = {
  Pending: ['InProgress', 'Skipped'],
  InProgress: ['Succeeded', 'Failed', 'Unknown'],
  Succeeded: [],
  Failed: [],
  Skipped: [],
  Unknown: [],
};

function transition<S extends string>(kind: string, table: TransitionTable<S>, from: S, to: S): S {
  if (!Object.hasOwn(table, from) || !Object.hasOwn(table, to)) {
    throw new IllegalStatusTransitionError(kind, String(from), String(to));
  }
  if (from === to || (table[from] as readonly string[]).includes(to)) return to;
  throw new IllegalStatusTransitionError(kind, from, to);
}

const isTerminalIn = <S extends string>(table: TransitionTable<S>, status: S): boolean =>
  Object.hasOwn(table, status) && table[status].length === 0;

export function transitionDeployment(from: DeploymentStatus, to: DeploymentStatus): DeploymentStatus {
  return transition('deployment', DEPLOYMENT_TRANSITIONS, from, to);
}
export function transitionTarget(from: TargetStatus, to: TargetStatus): TargetStatus {
  return transition('target', TARGET_TRANSITIONS, from, to);
}
export function transitionLifecycleEvent(
  from: LifecycleEventStatus,
  to: LifecycleEventStatus,
): LifecycleEventStatus {
  return transition('lifecycle event', LIFECYCLE_EVENT_TRANSITIONS, from, to);
}

export const isTerminalDeploymentStatus = (s: DeploymentStatus): boolean =>
  isTerminalIn(DEPLOYMENT_TRANSITIONS, s);
export const isTerminalTargetStatus = (s: TargetStatus): boolean => isTerminalIn(TARGET_TRANSITIONS, s);
export const isTerminalLifecycleEventStatus = (s: LifecycleEventStatus): boolean =>
  isTerminalIn(LIFECYCLE_EVENT_TRANSITIONS, s);

/** `detail.state` of the EventBridge state-change events (§4.8). */
export type DeploymentEventState = 'START' | 'SUCCESS' | 'FAILURE' | 'STOP' | 'READY';
export type InstanceEventState = 'START' | 'SUCCESS' | 'FAILURE' | 'READY';

/**
 * The EventBridge deployment state for a status, or undefined for statuses that publish no event
 * (Created, Queued, Baking).
 */
export function deploymentEventState(status: DeploymentStatus): DeploymentEventState | undefined {
  switch (status) {
    case 'InProgress':
      return 'START';
    case 'Succeeded':
      return 'SUCCESS';
    case 'Failed':
      return 'FAILURE';
    case 'Stopped':
      return 'STOP';
    case 'Ready':
      return 'READY';
    default:
      return undefined;
  }
}

/** The EventBridge instance state for a target status [instance set unverified], or undefined. */
export function instanceEventState(status: TargetStatus): InstanceEventState | undefined {
  switch (status) {
    case 'InProgress':
      return 'START';
    case 'Succeeded':
      return 'SUCCESS';
    case 'Failed':
      return 'FAILURE';
    case 'Ready':
      return 'READY';
    default:
      return undefined;
  }
}
