import type { AppSpec } from '../domain/appspec/model.js';
import type {
  AutoScalingGroup,
  BlueGreenDeploymentConfiguration,
  DeploymentStyle,
  EC2TagFilter,
  EC2TagSet,
  ECSService,
  LoadBalancerInfo,
  OnPremisesTagSet,
  OutdatedInstancesStrategy,
  RevisionLocation as ApiRevisionLocation,
  Tag,
  TagFilter,
  TriggerConfig,
} from '../domain/codedeploy-shapes.js';

/**
 * Stored shapes. Field names follow CodeDeploy's API (DeploymentInfo, DeploymentGroupInfo, ...) so the
 * CodeDeploy-compatible API can return them nearly as they are.
 */
export type ComputePlatform = 'Server' | 'Lambda' | 'ECS';

export interface RevisionLocation {
  revisionType: 'AppSpecContent' | 'String' | 'S3' | 'Local';
  appSpecContent?: { content: string; sha256?: string };
  string?: { content: string; sha256?: string };
  s3Location?: {
    bucket: string;
    key: string;
    bundleType: 'tar' | 'tgz' | 'zip' | 'YAML' | 'JSON';
    version?: string;
    eTag?: string;
  };
  /** A directory or an archive on the machine that runs stepdeploy (embedded runtime only). */
  localLocation?: { path: string; bundleType: 'directory' | 'tar' | 'tgz' | 'zip' };
}

export interface ErrorInformation {
  code: string;
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

export interface AutoRollbackConfiguration {
  enabled: boolean;
  events: Array<'DEPLOYMENT_FAILURE' | 'DEPLOYMENT_STOP_ON_ALARM' | 'DEPLOYMENT_STOP_ON_REQUEST'>;
}

export interface LambdaTargetInfo {
  functionName: string;
  functionAlias: string;
  currentVersion: string;
  targetVersion: string;
  /** 0..1, the share of the alias' traffic on the target version right now. */
  targetVersionWeight: number;
}

export interface LifecycleEventRecord {
  lifecycleEventName: string;
  status: string;
  startTime?: string;
  endTime?: string;
  diagnostics?: { errorCode: string; scriptName?: string; message: string; logTail?: string };
}

export interface DeploymentRecord {
  deploymentId: string;
  applicationName: string;
  deploymentGroupName: string;
  computePlatform: ComputePlatform;
  deploymentConfigName: string;
  status: string;
  creator: string;
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
  fileExistsBehavior?: string;
  ignoreApplicationStopFailures?: boolean;
  /** Set by StopDeployment; steps that are not parked on a token read it before acting. */
  stopRequest?: { autoRollbackEnabled: boolean; requestedAt: string };
  lambdaTarget?: LambdaTargetInfo;
  lifecycleEvents?: LifecycleEventRecord[];
  /** Server deployments: the minimum-healthy-hosts schedule (the domain's ServerSchedule, as JSON). */
  serverSchedule?: unknown;
  /** Server deployments: lifecycle events each instance goes through, in order. */
  serverLifecycleEvents?: string[];
  /** Server deployments: the batch being deployed now. */
  currentBatch?: { batchId: string; batchNumber: number; instanceIds: string[]; recorded: boolean };
  /** Server deployments: the lifecycle event in flight and its commands (retries, cancel, polling). */
  currentEvent?: { batchId: string; lifecycleEventName: string; commandIds: string[] };
  /** Step Functions execution that runs this deployment. */
  executionName?: string;
  description?: string;
}

export interface DeploymentGroupRecord {
  applicationName: string;
  deploymentGroupName: string;
  deploymentGroupId: string;
  computePlatform: ComputePlatform;
  deploymentConfigName?: string;
  alarmConfiguration?: AlarmConfiguration;
  autoRollbackConfiguration?: AutoRollbackConfiguration;
  /** Server groups: the instances and, optionally, the target groups they sit behind. */
  instanceIds?: string[];
  targetGroupNames?: string[];
  lastSuccessfulDeploymentId?: string;
  /** Server groups: each instance's health after the last deployment that reached it. */
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
  deploymentStyle?: DeploymentStyle;
  outdatedInstancesStrategy?: OutdatedInstancesStrategy;
  blueGreenDeploymentConfiguration?: BlueGreenDeploymentConfiguration;
  loadBalancerInfo?: LoadBalancerInfo;
  ecsServices?: ECSService[];
  terminationHookEnabled?: boolean;
  /** The revision of the group's last successful deployment (set by the engine when one succeeds). */
  targetRevision?: ApiRevisionLocation;
  /** Resource tags given at creation (CreateDeploymentGroup `tags`). */
  tags?: Tag[];
}

export interface HookExecutionRecord {
  /** Unguessable: whoever knows it may complete the hook, as with CodeDeploy. */
  lifecycleEventHookExecutionId: string;
  deploymentId: string;
  lifecycleEventName: string;
  functionName: string;
  taskToken: string;
  status: 'Pending' | 'Succeeded' | 'Failed';
  createTime: string;
}

export interface PendingWait {
  deploymentId: string;
  taskToken: string;
  kind: 'Hook' | 'Bake' | 'InstanceCommand';
  stateName: string;
  since: string;
}

/** What starts a deployment: the input of every state machine (CreateDeployment's fields). */
export interface DeploymentRequest {
  /** Set when stepdeploy starts the execution; absent when a foreign caller (CodePipeline) does. */
  deploymentId?: string;
  applicationName: string;
  deploymentGroupName: string;
  revision: RevisionLocation;
  deploymentConfigName?: string;
  description?: string;
  autoRollbackConfiguration?: AutoRollbackConfiguration;
  overrideAlarmConfiguration?: AlarmConfiguration;
  fileExistsBehavior?: string;
  ignoreApplicationStopFailures?: boolean;
  creator?: string;
  rollbackInfo?: RollbackInfo;
}

/** One instance of a Server deployment, with its lifecycle events (CodeDeploy's InstanceTarget). */
export interface InstanceTargetRecord {
  deploymentId: string;
  targetId: string;
  status: string;
  lastUpdatedAt: string;
  lifecycleEvents: LifecycleEventRecord[];
}

/** A lifecycle event command in flight: completion finds the token through the command id. */
export interface CommandWait {
  commandId: string;
  deploymentId: string;
  lifecycleEventName: string;
  instanceIds: string[];
  taskToken: string;
  sentAt: string;
}
