import type {
  AppSpec,
  EcsAppSpec,
  EcsCapacityProvider,
  EcsNetworkConfiguration,
  FileExistsBehavior,
  LambdaAppSpec,
  ServerAppSpec,
} from '../domain/appspec/model.js';
import type { ComputePlatform } from '../domain/deployment-configs.js';
import type { DeploymentStyle } from '../domain/flows.js';
import type { ServerLifecycleEvent } from '../domain/lifecycle.js';
import type { BatchPolls } from '../domain/server-batch-history.js';
import type { BlueGreenOptions, BlueGreenPhase } from '../domain/server-blue-green.js';
import type { BatchSize, ServerProgress } from '../domain/server-progress.js';
import type {
  DeploymentCreator,
  DeploymentStatus,
  ErrorCode,
  LifecycleErrorCode,
  LifecycleEventStatus,
  TargetStatus,
} from '../domain/status.js';
import type {
  AutoScalingGroup,
  BlueGreenDeploymentConfiguration,
  DeploymentOverview,
  EC2TagFilter,
  EC2TagSet,
  ECSService,
  LoadBalancerInfo,
  OnPremisesTagSet,
  OutdatedInstancesStrategy,
  RevisionLocation as ApiRevisionLocation,
  Tag,
  TagFilter,
  TargetInstances,
  TriggerConfig,
} from '../domain/codedeploy-shapes.js';
import type { TargetGroupPairRoute } from './traffic-router.js';

/**
 * Stored shapes. Field names follow CodeDeploy's API (DeploymentInfo, DeploymentGroupInfo, ...) so the
 * CodeDeploy-compatible API can return them nearly as they are; statuses, codes and plans are the
 * domain's types, so what a step reads back is what it wrote.
 */
export type { ComputePlatform, DeploymentStyle };

/**
 * CodeDeploy's RevisionLocation, with the types stepdeploy deploys. On one machine revisions live in
 * the local S3 endpoint (`stepdeploy deploy DIR` packs and uploads the directory), so a record names
 * only locations a CodeDeploy client knows. GitHub is accepted in AWS only [unverified: stepdeploy
 * has no GitHub connection yet; its Prepare refuses it by name].
 */
export interface RevisionLocation {
  revisionType: 'AppSpecContent' | 'String' | 'S3' | 'GitHub';
  /**
   * Not CodeDeploy's, never in an API answer: the directory an ECS AppSpec given as content came from,
   * on this machine (simulate, the local ECS service), where its task-definition files and hook
   * programs are.
   */
  localDirectory?: string;
  appSpecContent?: { content: string; sha256?: string };
  string?: { content: string; sha256?: string };
  s3Location?: {
    bucket: string;
    key: string;
    bundleType: 'tar' | 'tgz' | 'zip' | 'YAML' | 'JSON';
    version?: string;
    eTag?: string;
  };
  gitHubLocation?: { repository: string; commitId: string };
}

export interface ErrorInformation {
  code: ErrorCode;
  message: string;
}

export interface RollbackInfo {
  rollbackDeploymentId?: string;
  rollbackTriggeringDeploymentId?: string;
  rollbackMessage?: string;
}

export interface AlarmConfiguration {
  enabled: boolean;
  ignorePollAlarmFailure: boolean;
  alarms: Array<{ name: string }>;
}

export type AutoRollbackEvent =
  'DEPLOYMENT_FAILURE' | 'DEPLOYMENT_STOP_ON_ALARM' | 'DEPLOYMENT_STOP_ON_REQUEST';

export interface AutoRollbackConfiguration {
  enabled: boolean;
  events: AutoRollbackEvent[];
}

/** CodeDeploy's LambdaFunctionInfo: the alias a Lambda deployment moves, and where it is now. */
export interface LambdaTargetInfo {
  functionName: string;
  functionAlias: string;
  currentVersion: string;
  targetVersion: string;
  /** 0..1, the share of the alias' traffic on the target version right now. */
  targetVersionWeight: number;
}

/** CodeDeploy's Diagnostics of a lifecycle event that ran a script or a hook. */
export interface LifecycleEventDiagnostics {
  errorCode: LifecycleErrorCode;
  scriptName?: string;
  message: string;
  logTail?: string;
}

export interface LifecycleEventRecord {
  lifecycleEventName: string;
  status: LifecycleEventStatus;
  startTime?: string;
  endTime?: string;
  diagnostics?: LifecycleEventDiagnostics;
}

/** What every deployment records, whatever its platform (CodeDeploy's DeploymentInfo). */
interface DeploymentRecordBase {
  deploymentId: string;
  applicationName: string;
  deploymentGroupName: string;
  computePlatform: ComputePlatform;
  deploymentConfigName: string;
  /** IN_PLACE or BLUE_GREEN, from the group when Prepare made the record: with the platform, its flow. */
  deploymentStyle?: DeploymentStyle;
  status: DeploymentStatus;
  creator: DeploymentCreator;
  revision: RevisionLocation;
  /** The validated AppSpec, kept so later steps need not re-read the revision. */
  appSpec?: AppSpec;
  createTime: string;
  startTime?: string;
  completeTime?: string;
  errorInformation?: ErrorInformation;
  rollbackInfo?: RollbackInfo;
  autoRollbackConfiguration?: AutoRollbackConfiguration;
  alarmConfiguration?: AlarmConfiguration;
  fileExistsBehavior?: FileExistsBehavior;
  ignoreApplicationStopFailures?: boolean;
  /** Set by StopDeployment; steps that are not parked on a token read it before acting. */
  stopRequest?: { autoRollbackEnabled: boolean; requestedAt: string };
  /** Lambda and ECS: the deployment's own lifecycle events (Server keeps them per instance). */
  lifecycleEvents?: LifecycleEventRecord[];
  /** Step Functions execution that runs this deployment. */
  executionName?: string;
  description?: string;

  // CodeDeploy's DeploymentInfo members stepdeploy records besides the above (CreateDeployment's
  // fields, what the group held when the deployment was created, what the flow reports).
  /**
   * Targets by status, kept as counters by the store as targets change (never recounted on read:
   * a fleet may have 10,000 instances); Finish sets the exact counts from its last listing.
   */
  deploymentOverview?: DeploymentOverview;
  /** The revision the group's last successful deployment deployed, when this one was created. */
  previousRevision?: RevisionLocation;
  loadBalancerInfo?: LoadBalancerInfo;
  blueGreenDeploymentConfiguration?: BlueGreenDeploymentConfiguration;
  targetInstances?: TargetInstances;
  updateOutdatedInstancesOnly?: boolean;
  /** Set by a blue/green flow when the wait before the original fleet is terminated starts. */
  instanceTerminationWaitTimeStarted?: boolean;
  /** Messages about the deployment's progress (CodeDeploy's deploymentStatusMessages). */
  deploymentStatusMessages?: string[];
  /** CreateDeployment's overrideAlarmConfiguration, as given (alarmConfiguration is what applies). */
  overrideAlarmConfiguration?: AlarmConfiguration;
  /** An external resource this deployment belongs to (CloudFormation, CodePipeline): ListDeployments' externalId. */
  externalId?: string;
}

export interface LambdaDeploymentRecord extends DeploymentRecordBase {
  computePlatform: 'Lambda';
  appSpec?: LambdaAppSpec;
  lambdaTarget?: LambdaTargetInfo;
}

/**
 * The batch of a Server deployment being deployed now. Its instances are not listed here: they are
 * in the batch's chunk items (ServerBatches), 50 at most each, however large the batch.
 */
export interface ServerBatch {
  batchId: string;
  batchNumber: number;
  /** The wave (Availability Zone) its instances belong to, and how many of each queue it took. */
  wave: number;
  size: BatchSize;
  /** Chunk items, one SSM command each per event. */
  chunkCount: number;
  /** The child execution (run) that started it. */
  run: number;
  recorded: boolean;
  /** The polls its events took so far, for the run's history estimate. */
  polls: BatchPolls;
}

/** The child execution running batches now, and the history events it wrote so far (an estimate from above). */
export interface ServerRun {
  run: number;
  historyEvents: number;
}

/**
 * Where a Server blue/green deployment stands (domain/server-blue-green.ts): its options as Prepare
 * read them from the group, its phase, and its fleets. Counters and names only: the instances are
 * target items (Blue: original, Green: replacement) beside the record.
 */
export interface ServerBlueGreenState {
  options: BlueGreenOptions;
  phase: BlueGreenPhase;
  /** Set once a failure, a stop or an alarm started the rollback; stops and alarms then change nothing. */
  rollingBack?: boolean;
  /** A stop without rollback: the rollback moves no traffic and removes nothing. */
  keepFleets?: boolean;
  /** COPY_AUTO_SCALING_GROUP: the group's Auto Scaling group, and the copy made for this deployment. */
  sourceAutoScalingGroup?: string;
  replacementFleet?: string;
  /** When provisioning started: a fleet that is not in service within the traffic timeout fails it. */
  provisionStartedAt?: string;
  originalCount: number;
  replacementCount?: number;
}

export interface ServerDeploymentRecord extends DeploymentRecordBase {
  computePlatform: 'Server';
  /** Blue/green deployments only. */
  serverBlueGreen?: ServerBlueGreenState;
  appSpec?: ServerAppSpec;
  /**
   * The minimum-healthy-hosts schedule, as counters per zone: its size does not grow with the fleet.
   * The instances themselves are target items and queue items beside the record.
   */
  serverProgress?: ServerProgress;
  /** Lifecycle events each instance goes through, in order. */
  serverLifecycleEvents?: ServerLifecycleEvent[];
  currentBatch?: ServerBatch;
  currentRun?: ServerRun;
}

/** CodeDeploy's ECSTaskSet: one task set of the service, as the deployment sees it. */
export interface EcsTaskSetInfo {
  /** CodeDeploy's spelling of the task set id. */
  identifer: string;
  desiredCount: number;
  pendingCount: number;
  runningCount: number;
  /** ECS's status: PRIMARY, ACTIVE or DRAINING; DELETED once the deployment deleted it. */
  status: string;
  /** Percent of production traffic the task set serves. */
  trafficWeight: number;
  targetGroup: { name: string };
  /** Blue: the original task set; Green: the replacement this deployment creates. */
  taskSetLabel: 'Blue' | 'Green';
  /** Besides CodeDeploy's fields: what it runs, and its share of the test listener (percent). */
  taskDefinition: string;
  testTrafficWeight?: number;
}

/** CodeDeploy's ECSTarget: the service a deployment replaces the task set of. */
export interface EcsTargetInfo {
  /** `<cluster>:<service>`, as CodeDeploy names ECS targets. */
  targetId: string;
  targetArn: string;
  clusterName: string;
  serviceName: string;
  status: TargetStatus;
  lastUpdatedAt: string;
  /** The original (Blue) first, then the replacement (Green) once Install created it. */
  taskSetsInfo: EcsTaskSetInfo[];
}

/** What Prepare resolved once, so later steps (and their retries) act on exactly the same things. */
export interface EcsDeploymentPlan {
  /** The task definition the replacement runs (an ARN, resolved from the AppSpec's TaskDefinition). */
  taskDefinitionArn: string;
  /** The replacement target group's ARN, which CreateTaskSet needs. */
  replacementTargetGroupArn: string;
  /** How the original task set runs, which the replacement copies where the AppSpec says nothing. */
  launchType?: string;
  platformVersion?: string;
  networkConfiguration?: EcsNetworkConfiguration;
  capacityProviderStrategy?: EcsCapacityProvider[];
  /** The ready wait (STOP_DEPLOYMENT) and the termination wait, in minutes; 0: none. */
  readyWaitMinutes: number;
  terminationWaitMinutes: number;
}

export interface EcsDeploymentRecord extends DeploymentRecordBase {
  computePlatform: 'ECS';
  appSpec?: EcsAppSpec;
  ecsTarget?: EcsTargetInfo;
  /** The group's target-group pair, the original being the one production forwarded to at the start. */
  ecsRoute?: TargetGroupPairRoute;
  ecsPlan?: EcsDeploymentPlan;
  /** CodeDeploy's DeploymentInfo field: true once the termination wait started. */
  instanceTerminationWaitTimeStarted?: boolean;
}

/** A deployment, by its compute platform: each platform's own state is typed with its variant. */
export type DeploymentRecord = LambdaDeploymentRecord | ServerDeploymentRecord | EcsDeploymentRecord;

/** The deployment of one platform: `DeploymentOf<'Server'>`. */
export type DeploymentOf<P extends ComputePlatform> = Extract<DeploymentRecord, { computePlatform: P }>;

/** A partial update of a deployment: any variant's fields (the store writes only the ones given). */
export type DeploymentChanges = Partial<DeploymentRecord>;

/** Fields that name the deployment: an update may repeat them (it becomes a condition) but not change them. */
export const DEPLOYMENT_IDENTITY_FIELDS: ReadonlySet<string> = new Set([
  'deploymentId',
  'applicationName',
  'deploymentGroupName',
]);
/** Required fields: `undefined` for them in a partial update means "unchanged", never "remove". */
export const DEPLOYMENT_REQUIRED_FIELDS: ReadonlySet<string> = new Set([
  'computePlatform',
  'deploymentConfigName',
  'status',
  'creator',
  'revision',
  'createTime',
]);

/**
 * A deployment group (CodeDeploy's DeploymentGroupInfo). Meant to grow field by field with the API's
 * names (tag filters, loadBalancerInfo, blueGreenDeploymentConfiguration, ecsServices, ...).
 */
export interface DeploymentGroupRecord {
  applicationName: string;
  deploymentGroupName: string;
  deploymentGroupId: string;
  computePlatform: ComputePlatform;
  /** IN_PLACE (Server's default) or BLUE_GREEN (Lambda and ECS always): with the platform, the flow. */
  deploymentStyle?: DeploymentStyle;
  deploymentConfigName?: string;
  alarmConfiguration?: AlarmConfiguration;
  autoRollbackConfiguration?: AutoRollbackConfiguration;
  /** Server groups: the instances and, optionally, the target groups they sit behind. */
  instanceIds?: string[];
  targetGroupNames?: string[];
  lastSuccessfulDeploymentId?: string;
  /**
   * Server groups: each instance's health after the last deployment that reached it, as written
   * before the health moved to one item per instance (DeploymentGroups.listInstanceHealth); read as
   * a fallback only, never written.
   */
  instanceHealth?: Record<string, 'Healthy' | 'Unhealthy'>;

  // CodeDeploy's DeploymentGroupInfo fields, with its names, as CreateDeploymentGroup and
  // UpdateDeploymentGroup set them (functions/api/deployment-groups.ts). The API keeps
  // `targetGroupNames` equal to loadBalancerInfo.targetGroupInfoList's names when the group routes
  // traffic (deploymentStyle WITH_TRAFFIC_CONTROL), so the engine reads one field either way.
  serviceRoleArn?: string;
  ec2TagFilters?: EC2TagFilter[];
  ec2TagSet?: EC2TagSet;
  onPremisesInstanceTagFilters?: TagFilter[];
  onPremisesTagSet?: OnPremisesTagSet;
  /** Auto Scaling group names, as DeploymentGroupInfo lists them ({name, hook}). */
  autoScalingGroups?: AutoScalingGroup[];
  triggerConfigurations?: TriggerConfig[];
  outdatedInstancesStrategy?: OutdatedInstancesStrategy;
  blueGreenDeploymentConfiguration?: BlueGreenDeploymentConfiguration;
  loadBalancerInfo?: LoadBalancerInfo;
  ecsServices?: ECSService[];
  terminationHookEnabled?: boolean;
  /** The revision of the group's last successful deployment (set by the engine when one succeeds). */
  targetRevision?: ApiRevisionLocation;
  /** The last deployment created for the group (set when it is created), for lastAttemptedDeployment. */
  lastAttemptedDeploymentId?: string;
  /** Resource tags given at creation (CreateDeploymentGroup `tags`). */
  tags?: Tag[];
}

export type HookExecutionStatus = 'Pending' | 'Succeeded' | 'Failed';

export interface HookExecutionRecord {
  /** Unguessable: whoever knows it may complete the hook, as with CodeDeploy. */
  lifecycleEventHookExecutionId: string;
  deploymentId: string;
  lifecycleEventName: string;
  functionName: string;
  taskToken: string;
  status: HookExecutionStatus;
  createTime: string;
}

/**
 * What a deployment is parked on. `ReadyWait` and `TerminationWait` are the blue/green waits that
 * ContinueDeployment (READY_WAIT, TERMINATION_WAIT) ends early; the others only a stop or an alarm ends
 * (`TaskSetWait`: one poll of an ECS replacement task set that is not stable yet).
 */
export type PendingWaitKind =
  'Hook' | 'Bake' | 'InstanceCommand' | 'ReadyWait' | 'TerminationWait' | 'TaskSetWait';

export interface PendingWait {
  deploymentId: string;
  taskToken: string;
  kind: PendingWaitKind;
  stateName: string;
  since: string;
}

/** What starts a deployment: the input of every state machine (CreateDeployment's fields). */
export interface DeploymentRequest {
  /** Set when stepdeploy starts the execution; absent when a foreign caller (CodePipeline) does. */
  deploymentId?: string;
  /** CreateDeployment's own fields, kept on the record. */
  targetInstances?: TargetInstances;
  updateOutdatedInstancesOnly?: boolean;
  applicationName: string;
  deploymentGroupName: string;
  revision: RevisionLocation;
  deploymentConfigName?: string;
  description?: string;
  autoRollbackConfiguration?: AutoRollbackConfiguration;
  overrideAlarmConfiguration?: AlarmConfiguration;
  fileExistsBehavior?: FileExistsBehavior;
  ignoreApplicationStopFailures?: boolean;
  creator?: DeploymentCreator;
  rollbackInfo?: RollbackInfo;
}

/** One instance of a Server deployment, with its lifecycle events (CodeDeploy's InstanceTarget). */
export interface InstanceTargetRecord {
  deploymentId: string;
  targetId: string;
  status: TargetStatus;
  /** Blue/green: an original instance (Blue) or a replacement (Green); in-place targets have none. */
  instanceLabel?: 'Blue' | 'Green';
  /** The instance's ARN (EC2 instance or on-premises instance), when the directory knew it. */
  targetArn?: string;
  lastUpdatedAt: string;
  lifecycleEvents: LifecycleEventRecord[];
}

/**
 * A lifecycle event command in flight (one chunk of a batch, 50 instances at most): its completion
 * finds the event it belongs to through the command id, and the event's wait holds the task token.
 */
export interface CommandWait {
  commandId: string;
  deploymentId: string;
  batchNumber: number;
  chunk: number;
  lifecycleEventName: string;
  instanceIds: string[];
  sentAt: string;
}

/** One instance waiting in a Server deployment's queues, in CodeDeploy's order. */
export interface InstanceQueueEntry {
  instanceId: string;
  wave: number;
  healthy: boolean;
  position: number;
}

/** Up to 50 instances of a batch: one SSM command per lifecycle event. */
export interface BatchChunk {
  deploymentId: string;
  batchNumber: number;
  chunk: number;
  instanceIds: string[];
  /** Where its instances waited in the queues (taken out once the batch is recorded as started). */
  queued: InstanceQueueEntry[];
  /** The command each lifecycle event sent to this chunk, by event name. */
  commands: Record<string, string>;
}

/**
 * A lifecycle event of a batch in flight: the token its state waits on, and how many of its commands
 * have not reported. The last command to report (once every command was sent) completes the token.
 */
export interface EventWait {
  deploymentId: string;
  batchNumber: number;
  lifecycleEventName: string;
  taskToken: string;
  /** Commands sent and not yet reported. */
  pending: number;
  /** Every chunk's command has been sent (until then, no completion may end the wait). */
  allSent: boolean;
  startedAt: string;
}

export type InstanceHealthState = 'Healthy' | 'Unhealthy';
