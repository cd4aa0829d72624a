import type {
  CommandWait,
  DeploymentGroupRecord,
  DeploymentRecord,
  HookExecutionRecord,
  InstanceTargetRecord,
  PendingWait,
} from './records.js';

/**
 * Where deployments live (DynamoDB in AWS, dynalite locally). Every write is a single-item
 * conditional write: the store never needs transactions, so dynalite serves it as DynamoDB does.
 */
export interface DeploymentStore {
  getDeployment(deploymentId: string): Promise<DeploymentRecord | undefined>;
  /** Creates the record unless one with this id exists; returns the stored record either way. */
  createDeployment(record: DeploymentRecord): Promise<{ record: DeploymentRecord; created: boolean }>;
  /** Applies a partial update; `expectedStatuses` makes it conditional on the current status. */
  updateDeployment(
    deploymentId: string,
    changes: Partial<DeploymentRecord>,
    expectedStatuses?: readonly string[],
  ): Promise<DeploymentRecord>;
  listDeployments(filter?: {
    applicationName?: string;
    deploymentGroupName?: string;
  }): Promise<DeploymentRecord[]>;

  /** Maps a foreign execution name (a CodePipeline action id) to one deployment id, idempotently. */
  claimExecutionName(executionName: string, deploymentId: string): Promise<string>;
  /** The deployment id a foreign execution name was claimed for, or undefined if it never was. */
  claimedDeploymentId(executionName: string): Promise<string | undefined>;

  getDeploymentGroup(
    applicationName: string,
    deploymentGroupName: string,
  ): Promise<DeploymentGroupRecord | undefined>;
  putDeploymentGroup(group: DeploymentGroupRecord): Promise<void>;

  /**
   * Takes the group's lock for `deploymentId` (idempotent for the holder). Throws
   * DeploymentLimitExceededException naming the holder when another deployment has it.
   */
  acquireGroupLock(applicationName: string, deploymentGroupName: string, deploymentId: string): Promise<void>;
  /** Releases the lock only if `deploymentId` holds it; a no-op otherwise. */
  releaseGroupLock(applicationName: string, deploymentGroupName: string, deploymentId: string): Promise<void>;
  getGroupLockHolder(applicationName: string, deploymentGroupName: string): Promise<string | undefined>;

  putHookExecution(record: HookExecutionRecord): Promise<void>;
  getHookExecution(hookExecutionId: string): Promise<HookExecutionRecord | undefined>;
  /** Marks the hook execution completed; throws LifecycleEventAlreadyCompletedException if it was. */
  completeHookExecution(
    hookExecutionId: string,
    status: 'Succeeded' | 'Failed',
  ): Promise<HookExecutionRecord>;

  /** The token a deployment is parked on (hook or bake), so a stop or an alarm can fail it. */
  putPendingWait(wait: PendingWait): Promise<void>;
  getPendingWait(deploymentId: string): Promise<PendingWait | undefined>;
  /** Clears the wait only if it still holds `taskToken` (a later wait may have replaced it). */
  clearPendingWait(deploymentId: string, taskToken: string): Promise<void>;

  /** Alarm name -> deployments watching it, for the EventBridge alarm-state rule. */
  watchAlarms(deploymentId: string, alarmNames: readonly string[]): Promise<void>;
  unwatchAlarms(deploymentId: string, alarmNames: readonly string[]): Promise<void>;
  deploymentsWatchingAlarm(alarmName: string): Promise<string[]>;

  /** Server deployments: one record per instance with its lifecycle events. */
  putDeploymentTarget(target: InstanceTargetRecord): Promise<void>;
  listDeploymentTargets(deploymentId: string): Promise<InstanceTargetRecord[]>;

  /** A lifecycle event command in flight, found again by its command id when it completes. */
  putCommandWait(wait: CommandWait): Promise<void>;
  getCommandWait(commandId: string): Promise<CommandWait | undefined>;
  deleteCommandWait(commandId: string): Promise<void>;
  /**
   * Removes the wait and returns it, atomically: of two callers handling one command's completion
   * (the transport's event and the sender's own check), exactly one gets it and records the results.
   */
  takeCommandWait(commandId: string): Promise<CommandWait | undefined>;
  /** Gives a wait that still exists a new task token (a retried state); false when it is gone. */
  retokenCommandWait(commandId: string, taskToken: string): Promise<boolean>;
}
