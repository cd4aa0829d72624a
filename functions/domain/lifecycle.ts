/**
 * Lifecycle event sequences per platform and deployment type (reference §2.1), and which revision's
 * AppSpec a Server hook runs from (§2.2).
 */
import type { DeploymentCreator } from './status.js';

/**
 * Every Server lifecycle event, in the order an in-place deployment with a load balancer runs them
 * (the longest sequence, which contains every other Server sequence in order).
 */
export const SERVER_LIFECYCLE_EVENTS = [
  'Start',
  'BeforeBlockTraffic',
  'BlockTraffic',
  'AfterBlockTraffic',
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
  'End',
] as const;
export type ServerLifecycleEvent = (typeof SERVER_LIFECYCLE_EVENTS)[number];

/** The Server events an AppSpec `hooks` section can attach scripts to, in run order. */
export const SERVER_SCRIPTABLE_EVENTS = [
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
  'ApplicationStop',
  'BeforeInstall',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
] as const;
export type ServerScriptableEvent = (typeof SERVER_SCRIPTABLE_EVENTS)[number];

export const LAMBDA_LIFECYCLE_EVENTS = [
  'Start',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
  'End',
] as const;
export type LambdaLifecycleEvent = (typeof LAMBDA_LIFECYCLE_EVENTS)[number];
/** Events a Lambda AppSpec `Hooks` entry can name (a hook Lambda function each). */
export const LAMBDA_HOOKABLE_EVENTS = ['BeforeAllowTraffic', 'AfterAllowTraffic'] as const;
export type LambdaHookableEvent = (typeof LAMBDA_HOOKABLE_EVENTS)[number];

/** With a test listener; without one, `AllowTestTraffic` is left out. */
export const ECS_LIFECYCLE_EVENTS = [
  'Start',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
  'End',
] as const;
export type EcsLifecycleEvent = (typeof ECS_LIFECYCLE_EVENTS)[number];
export const ECS_HOOKABLE_EVENTS = [
  'BeforeInstall',
  'AfterInstall',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
] as const;
export type EcsHookableEvent = (typeof ECS_HOOKABLE_EVENTS)[number];

export type LifecycleEventName = ServerLifecycleEvent | LambdaLifecycleEvent | EcsLifecycleEvent;

export function isScriptableServerEvent(event: string): event is ServerScriptableEvent {
  return (SERVER_SCRIPTABLE_EVENTS as readonly string[]).includes(event);
}
export function isLambdaHookableEvent(event: string): event is LambdaHookableEvent {
  return (LAMBDA_HOOKABLE_EVENTS as readonly string[]).includes(event);
}
export function isEcsHookableEvent(event: string): event is EcsHookableEvent {
  return (ECS_HOOKABLE_EVENTS as readonly string[]).includes(event);
}

/**
 * Which sequence a target runs.
 * - `in-place`: also an in-place rollback (a new deployment of the old revision).
 * - `blue-green-original` / `blue-green-replacement`: the blue and green instances of a B/G deployment.
 * - `blue-green-rollback-original` / `-replacement`: the same instances when a B/G deployment rolls back.
 */
export type ServerTargetRole =
  | 'in-place'
  | 'blue-green-original'
  | 'blue-green-replacement'
  | 'blue-green-rollback-original'
  | 'blue-green-rollback-replacement';

export type LifecycleSequenceSpec =
  | { platform: 'Server'; role: ServerTargetRole; withLoadBalancer?: boolean }
  | { platform: 'Lambda' }
  | { platform: 'ECS'; testListener: boolean };

const pick = <E extends string>(all: readonly E[], wanted: readonly E[]): E[] =>
  all.filter((e) => wanted.includes(e));

const IN_PLACE_NO_LB: readonly ServerLifecycleEvent[] = pick(SERVER_LIFECYCLE_EVENTS, [
  'Start',
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'End',
]);
const BLOCK: readonly ServerLifecycleEvent[] = ['BeforeBlockTraffic', 'BlockTraffic', 'AfterBlockTraffic'];
const ALLOW: readonly ServerLifecycleEvent[] = ['BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'];
const REPLACEMENT: readonly ServerLifecycleEvent[] = pick(SERVER_LIFECYCLE_EVENTS, [
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  ...ALLOW,
]);

/** The Server events a target runs, in order. The load balancer matters only in place. */
export function serverLifecycleEvents(
  role: ServerTargetRole,
  withLoadBalancer = false,
): ServerLifecycleEvent[] {
  switch (role) {
    case 'in-place':
      return withLoadBalancer ? [...SERVER_LIFECYCLE_EVENTS] : [...IN_PLACE_NO_LB];
    case 'blue-green-replacement':
      return [...REPLACEMENT];
    case 'blue-green-original':
    case 'blue-green-rollback-replacement':
      return [...BLOCK];
    case 'blue-green-rollback-original':
      return [...ALLOW];
  }
}

export function lambdaLifecycleEvents(): LambdaLifecycleEvent[] {
  return [...LAMBDA_LIFECYCLE_EVENTS];
}

export function ecsLifecycleEvents(testListener: boolean): EcsLifecycleEvent[] {
  return ECS_LIFECYCLE_EVENTS.filter((e) => testListener || e !== 'AllowTestTraffic');
}

export function lifecycleEventSequence(spec: LifecycleSequenceSpec): LifecycleEventName[] {
  switch (spec.platform) {
    case 'Server':
      return serverLifecycleEvents(spec.role, spec.withLoadBalancer ?? false);
    case 'Lambda':
      return lambdaLifecycleEvents();
    case 'ECS':
      return ecsLifecycleEvents(spec.testListener);
  }
}

/**
 * The revision whose AppSpec and scripts a Server event runs from:
 * - CURRENT: this deployment's revision;
 * - LAST_SUCCESSFUL: the last revision whose Install event succeeded on the instance;
 * - MOST_RECENT: the last revision downloaded to the instance.
 * The runtime uses LAST_SUCCESSFUL / MOST_RECENT only while this deployment's bundle is not yet on
 * the instance, and the event is a no-op when there is no such earlier revision.
 */
export type HookRevision = 'CURRENT' | 'LAST_SUCCESSFUL' | 'MOST_RECENT';

export interface RevisionContext {
  deploymentType: 'IN_PLACE' | 'BLUE_GREEN';
  creator?: DeploymentCreator;
}

/** Per §2.2. Events that run no scripts act on this deployment's own revision (CURRENT). */
export function revisionForEvent(event: ServerLifecycleEvent, context: RevisionContext): HookRevision {
  const blueGreenRollback =
    context.deploymentType === 'BLUE_GREEN' && context.creator === 'codeDeployRollback';
  switch (event) {
    case 'BeforeBlockTraffic':
    case 'AfterBlockTraffic':
      return blueGreenRollback ? 'MOST_RECENT' : 'LAST_SUCCESSFUL';
    case 'ApplicationStop':
      return 'LAST_SUCCESSFUL';
    case 'BeforeAllowTraffic':
    case 'AfterAllowTraffic':
      return blueGreenRollback ? 'LAST_SUCCESSFUL' : 'CURRENT';
    default:
      return 'CURRENT';
  }
}
