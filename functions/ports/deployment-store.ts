import type {
  AutoScalingGroup,
  RevisionLocation as ApiRevisionLocation,
} from '../domain/codedeploy-shapes.js';
import type { DeploymentStatus, TargetStatus } from '../domain/status.js';
import type { Page, PageRequest } from './pages.js';
import type {
  BatchChunk,
  CommandWait,
  DeploymentChanges,
  DeploymentGroupRecord,
  DeploymentRecord,
  EventWait,
  HookExecutionRecord,
  InstanceHealthState,
  InstanceQueueEntry,
  InstanceTargetRecord,
  PendingWait,
} from './records.js';

/**
 * Where deployments live (DynamoDB in AWS, dynalite locally), as one interface per role: a step names
 * the roles it uses (`Pick<StepDeps, 'deployments' | 'pendingWaits'>`), and its function is granted
 * the actions of those roles only. Every write is a single-item (conditional) write or a batch of
 * unconditional ones: the store never needs transactions, so dynalite serves it as DynamoDB does.
 * Nothing a Server deployment writes per instance lives in one growing item: instances have items of
 * their own, and what is kept for the whole deployment are counters.
 */

/** The deployment records (CodeDeploy's DeploymentInfo). */
export interface DeploymentRecords {
  getDeployment(deploymentId: string): Promise<DeploymentRecord | undefined>;
  /** Creates the record unless one with this id exists; returns the stored record either way. */
  createDeployment(record: DeploymentRecord): Promise<{ record: DeploymentRecord; created: boolean }>;
  /**
   * Writes the given fields only; `expectedStatuses` makes it conditional on the current status
   * (DeploymentStatusConflictError otherwise).
   */
  updateDeployment(
    deploymentId: string,
    changes: DeploymentChanges,
    expectedStatuses?: readonly DeploymentStatus[],
  ): Promise<DeploymentRecord>;
  /** Every deployment (of a group, when given), newest first: recovery and the local CLI. */
  listDeployments(filter?: {
    applicationName?: string;
    deploymentGroupName?: string;
  }): Promise<DeploymentRecord[]>;
  /**
   * One page of deployment ids, as ListDeployments pages them: a group's newest first (its index);
   * without a group, every deployment in the table's order. Filters apply before the page is cut.
   */
  listDeploymentIds(query: DeploymentQuery, page: PageRequest): Promise<Page<string>>;
}

/** ListDeployments' filters. */
export interface DeploymentQuery {
  applicationName?: string;
  deploymentGroupName?: string;
  statuses?: readonly DeploymentStatus[];
  /** ISO times, inclusive. */
  createdFrom?: string;
  createdTo?: string;
  externalId?: string;
  deploymentConfigName?: string;
}

/** Foreign execution names (a CodePipeline action id) and the deployment id each one was given. */
export interface ExecutionNames {
  /** Maps the name to one deployment id, idempotently: the first claim wins and is returned. */
  claimExecutionName(executionName: string, deploymentId: string): Promise<string>;
  /** The deployment id a name was claimed for, or undefined if it never was. */
  claimedDeploymentId(executionName: string): Promise<string | undefined>;
}

/** What deployments record on their group: the engine's own fields, never the owner's. */
export interface GroupDeploymentState {
  lastSuccessfulDeploymentId?: string;
  lastAttemptedDeploymentId?: string;
  targetRevision?: ApiRevisionLocation;
  /** A blue/green deployment that copied the group's Auto Scaling group: the copy is the group's now. */
  autoScalingGroups?: AutoScalingGroup[];
}

/**
 * The deployment groups' configuration and what deployments record on them. Deployments write only
 * their own fields, each with a field-level conditional update: a group's configuration changed
 * meanwhile (a `cdk deploy`, UpdateDeploymentGroup) is never written back from an earlier read.
 */
export interface DeploymentGroups {
  getDeploymentGroup(
    applicationName: string,
    deploymentGroupName: string,
  ): Promise<DeploymentGroupRecord | undefined>;
  /**
   * Sets the given engine fields of an existing group, and nothing else: a concurrent
   * UpdateDeploymentGroup keeps its changes, and a deleted group is not re-created (false then).
   */
  recordGroupDeploymentState(
    applicationName: string,
    deploymentGroupName: string,
    state: GroupDeploymentState,
  ): Promise<boolean>;
  /** Each instance's health after this deployment reached it: one item per instance, written in batches. */
  recordInstanceHealth(
    applicationName: string,
    deploymentGroupName: string,
    health: ReadonlyArray<{ instanceId: string; health: InstanceHealthState }>,
  ): Promise<void>;
  /** Every instance's recorded health (the legacy map on the group item fills in what has no item). */
  listInstanceHealth(
    applicationName: string,
    deploymentGroupName: string,
  ): Promise<Map<string, InstanceHealthState>>;
}

/**
 * Writes a whole group item: for runtimes without a control plane (simulate, tests) to declare a
 * group. Not a role: no step may overwrite a group (the API and the CDK constructs own it).
 */
export interface GroupDeclarations {
  putDeploymentGroup(group: DeploymentGroupRecord): Promise<void>;
}

/**
 * One active deployment per group, as CodeDeploy allows. The lock is a lease: its holder renews it
 * while the deployment runs, and a lock whose lease ran out (its deployment's end was never recorded:
 * a lost event, a deleted execution) may be taken by the next deployment.
 */
export interface GroupLocks {
  /**
   * Takes the group's lock for `deploymentId` until `leaseUntilMs` (idempotent for the holder). Throws
   * DeploymentLimitExceededException naming the holder when another deployment holds a lease that
   * has not run out at `nowMs`, and GroupLockContendedError when it changed hands on every attempt.
   */
  acquireGroupLock(
    applicationName: string,
    deploymentGroupName: string,
    deploymentId: string,
    lease: { untilMs: number; nowMs: number },
  ): Promise<void>;
  /** Extends the holder's lease to `leaseUntilMs` (never shortens it); false when `deploymentId` does not hold the lock. */
  renewGroupLock(
    applicationName: string,
    deploymentGroupName: string,
    deploymentId: string,
    leaseUntilMs: number,
  ): Promise<boolean>;
  /** Releases the lock only if `deploymentId` holds it; a no-op otherwise. */
  releaseGroupLock(applicationName: string, deploymentGroupName: string, deploymentId: string): Promise<void>;
  getGroupLockHolder(applicationName: string, deploymentGroupName: string): Promise<string | undefined>;
}

/** Lambda and ECS hook invocations, found again by the hook execution id their answer carries. */
export interface HookExecutions {
  putHookExecution(record: HookExecutionRecord): Promise<void>;
  getHookExecution(hookExecutionId: string): Promise<HookExecutionRecord | undefined>;
  /** Marks the hook execution completed; throws LifecycleEventAlreadyCompletedException if it was. */
  completeHookExecution(
    hookExecutionId: string,
    status: 'Succeeded' | 'Failed',
  ): Promise<HookExecutionRecord>;
}

/** The token a deployment is parked on (hook, bake, instance command), so a stop or an alarm can fail it. */
export interface PendingWaits {
  putPendingWait(wait: PendingWait): Promise<void>;
  getPendingWait(deploymentId: string): Promise<PendingWait | undefined>;
  /** Clears the wait only if it still holds `taskToken` (a later wait may have replaced it). */
  clearPendingWait(deploymentId: string, taskToken: string): Promise<void>;
}

/** Alarm name -> deployments watching it, for the EventBridge alarm-state rule. */
export interface AlarmWatches {
  watchAlarms(deploymentId: string, alarmNames: readonly string[]): Promise<void>;
  unwatchAlarms(deploymentId: string, alarmNames: readonly string[]): Promise<void>;
  deploymentsWatchingAlarm(alarmName: string): Promise<string[]>;
}

/** Server deployments: one record per instance with its lifecycle events. */
export interface DeploymentTargets {
  /**
   * Writes the target; when its status changes (or it is new), the deployment's `deploymentOverview`
   * counters move with it, so reading a deployment never recounts its targets.
   */
  putDeploymentTarget(target: InstanceTargetRecord): Promise<void>;
  getDeploymentTarget(deploymentId: string, targetId: string): Promise<InstanceTargetRecord | undefined>;
  /** Writes many targets in batches (one call per 25 items), moving the overview counters likewise. */
  putDeploymentTargets(targets: readonly InstanceTargetRecord[]): Promise<void>;
  /** The targets with these ids (in no particular order; ids without a target are left out). */
  getDeploymentTargets(deploymentId: string, targetIds: readonly string[]): Promise<InstanceTargetRecord[]>;
  /** Every target of the deployment: for its end and for readers, never on a batch's hot path. */
  listDeploymentTargets(deploymentId: string): Promise<InstanceTargetRecord[]>;
  /** One page of target ids in id order, of the given statuses and labels when given. */
  listDeploymentTargetIds(
    deploymentId: string,
    filter: { statuses?: readonly TargetStatus[]; labels?: readonly ('Blue' | 'Green')[] },
    page: PageRequest,
  ): Promise<Page<string>>;
}

/** Lifecycle event commands in flight, found again by their command id when they complete. */
export interface CommandWaits {
  putCommandWait(wait: CommandWait): Promise<void>;
  getCommandWait(commandId: string): Promise<CommandWait | undefined>;
  deleteCommandWait(commandId: string): Promise<void>;
  /**
   * Removes the wait and returns it, atomically: of two callers handling one command's completion
   * (the transport's event and the sender's own check), exactly one gets it and records the results.
   */
  takeCommandWait(commandId: string): Promise<CommandWait | undefined>;
}

/**
 * A Server deployment's instances on their way through batches: the queues they wait in (CodeDeploy's
 * order, per zone), the chunks of the batch being deployed (50 instances, one SSM command per event)
 * and, per lifecycle event of a batch, the wait its state is parked on with a counter of the commands
 * that have not reported. Every item is small; none lists the fleet.
 */
export interface ServerBatches {
  putInstanceQueue(deploymentId: string, entries: readonly InstanceQueueEntry[]): Promise<void>;
  /** The first `limit` entries of one queue of one wave, in order. */
  peekInstanceQueue(
    deploymentId: string,
    wave: number,
    healthy: boolean,
    limit: number,
  ): Promise<InstanceQueueEntry[]>;
  removeFromInstanceQueue(deploymentId: string, entries: readonly InstanceQueueEntry[]): Promise<void>;
  putBatchChunks(chunks: readonly BatchChunk[]): Promise<void>;
  listBatchChunks(deploymentId: string, batchNumber: number): Promise<BatchChunk[]>;
  /** Records the command an event sent to a chunk (so a retry does not send it again). */
  recordChunkCommand(
    deploymentId: string,
    batchNumber: number,
    chunk: number,
    lifecycleEventName: string,
    commandId: string,
  ): Promise<void>;
  /** Creates the event's wait, or gives the existing one this token (a retry or a poll); returns it. */
  openEventWait(
    deploymentId: string,
    batchNumber: number,
    lifecycleEventName: string,
    taskToken: string,
    startedAt: string,
  ): Promise<EventWait>;
  getEventWait(
    deploymentId: string,
    batchNumber: number,
    lifecycleEventName: string,
  ): Promise<EventWait | undefined>;
  /** One more command sent (atomic). */
  addEventCommand(deploymentId: string, batchNumber: number, lifecycleEventName: string): Promise<void>;
  /** One command reported (atomic); returns the wait as it is after the change. */
  eventCommandDone(deploymentId: string, batchNumber: number, lifecycleEventName: string): Promise<EventWait>;
  /** Every command was sent (atomic); returns the wait as it is after the change. */
  markEventSent(deploymentId: string, batchNumber: number, lifecycleEventName: string): Promise<EventWait>;
}

/** The store's roles, by the name steps use for each (a key of StepDeps). */
export interface StoreRoles {
  deployments: DeploymentRecords;
  executionNames: ExecutionNames;
  groups: DeploymentGroups;
  groupLocks: GroupLocks;
  hookExecutions: HookExecutions;
  pendingWaits: PendingWaits;
  alarmWatches: AlarmWatches;
  deploymentTargets: DeploymentTargets;
  commandWaits: CommandWaits;
  serverBatches: ServerBatches;
}

export type StoreRole = keyof StoreRoles;

/** Every role at once: what one table serves, and what the API and the CLI read across roles. */
export type DeploymentStore = DeploymentRecords &
  ExecutionNames &
  DeploymentGroups &
  GroupDeclarations &
  GroupLocks &
  HookExecutions &
  PendingWaits &
  AlarmWatches &
  DeploymentTargets &
  CommandWaits &
  ServerBatches;

export const STORE_ROLES = [
  'deployments',
  'executionNames',
  'groups',
  'groupLocks',
  'hookExecutions',
  'pendingWaits',
  'alarmWatches',
  'deploymentTargets',
  'commandWaits',
  'serverBatches',
] as const satisfies readonly StoreRole[];

/** One store serving every role (the embedded runtime, tests): each role is the store itself. */
export function storeRoles(store: DeploymentStore): StoreRoles {
  return {
    deployments: store,
    executionNames: store,
    groups: store,
    groupLocks: store,
    hookExecutions: store,
    pendingWaits: store,
    alarmWatches: store,
    deploymentTargets: store,
    commandWaits: store,
    serverBatches: store,
  };
}
