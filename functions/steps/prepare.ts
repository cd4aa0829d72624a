import { effectiveDeploymentConfigName } from '../domain/deployment-configs.js';
import {
  DeploymentFlowMismatchError,
  DeploymentGroupDoesNotExistException,
} from '../domain/deployment-errors.js';
import { formatDeploymentId, isDeploymentId } from '../domain/deployment-id.js';
import { flowId, flowKeyOf, sameFlow, type FlowKey } from '../domain/flows.js';
import type { ComputePlatform } from '../domain/deployment-configs.js';
import type {
  DeploymentGroupRecord,
  DeploymentOf,
  DeploymentRecord,
  DeploymentRequest,
  RevisionLocation,
} from '../ports/records.js';
import type { StepDeps } from './deps.js';
import { isDeploymentOf } from './load-deployment.js';
import { UNRENEWED_LOCK_LEASE_SECONDS } from './group-lock-lease.js';
import { publishDeploymentEvent } from './publish-event.js';

/** The input of every flow's Prepare: the execution's name and its input, the request. */
export interface PrepareInput {
  executionName: string;
  request: DeploymentRequest;
}

const DEFAULT_CONFIG: Record<ComputePlatform, string> = {
  Lambda: 'CodeDeployDefault.LambdaAllAtOnce',
  ECS: 'CodeDeployDefault.ECSAllAtOnce',
  Server: 'CodeDeployDefault.OneAtATime',
};

/** What each flow's Prepare uses of the common start, and only that. */
export type BeginDeps = Pick<
  StepDeps,
  'deployments' | 'executionNames' | 'groups' | 'groupLocks' | 'events' | 'clock' | 'random'
>;

/**
 * The common start of every flow's Prepare, the first state of its state machine. Idempotent on the
 * execution name: a retry or redrive finds the record and the lock it already made. The group must
 * deploy with this flow: a state machine started for a group of another flow (an ECS group on the
 * Lambda machine) stops here, before it writes anything. The lock comes before the record, so a
 * second deployment to a busy group writes nothing at all.
 */
export async function beginDeployment<P extends ComputePlatform>(
  deps: BeginDeps,
  flow: FlowKey & { computePlatform: P },
  { executionName, request }: PrepareInput,
  /**
   * The group lock's first lease: a flow whose steps renew it (the Server in-place flow) takes a
   * short one; a flow that does not, one that outlasts any deployment.
   */
  options: { leaseSeconds?: number } = {},
): Promise<{ record: DeploymentOf<P>; group: DeploymentGroupRecord }> {
  const deploymentId = await deploymentIdFor(deps, executionName, request);
  const group = await deps.groups.getDeploymentGroup(request.applicationName, request.deploymentGroupName);
  if (!group) {
    throw new DeploymentGroupDoesNotExistException(
      `The deployment group ${request.deploymentGroupName} does not exist for application ${request.applicationName}.`,
    );
  }
  const groupFlow = flowKeyOf(group);
  if (!sameFlow(groupFlow, flow)) {
    throw new DeploymentFlowMismatchError(
      `The deployment group ${request.applicationName}/${request.deploymentGroupName} deploys ${flowId(groupFlow)}, and this state machine deploys ${flowId(flow)}: start the deployment on the ${flowId(groupFlow)} state machine.`,
    );
  }
  const leaseSeconds = options.leaseSeconds ?? UNRENEWED_LOCK_LEASE_SECONDS;
  const nowMs = deps.clock.now().getTime();
  await deps.groupLocks.acquireGroupLock(request.applicationName, request.deploymentGroupName, deploymentId, {
    untilMs: nowMs + leaseSeconds * 1000,
    nowMs,
  });
  const record = await createRecord(deps, deploymentId, executionName, request, group, flow);
  if (!isDeploymentOf(record, flow.computePlatform)) {
    // Only a record made for another group with this id could differ; the id is this execution's.
    throw new DeploymentFlowMismatchError(
      `The deployment ${deploymentId} exists already as a ${record.computePlatform} deployment.`,
    );
  }
  return { record, group };
}

/**
 * The record a deployment starts with: the request's fields, and what its group held when it was
 * created (config, alarms, rollback, load balancer, blue/green options, the previous revision).
 * CreateDeployment writes it with status Created before it starts the execution, so the deployment
 * can be read at once; Prepare writes it (InProgress) when something else started the execution.
 */
export function newDeploymentRecord(input: {
  deploymentId: string;
  executionName: string;
  request: DeploymentRequest;
  group: DeploymentGroupRecord;
  flow: FlowKey;
  status: 'Created' | 'InProgress';
  now: string;
}): DeploymentRecord {
  const { deploymentId, executionName, request, group, flow, status, now } = input;
  const configName =
    request.deploymentConfigName || group.deploymentConfigName || DEFAULT_CONFIG[flow.computePlatform];
  const loadBalancerInfo =
    group.loadBalancerInfo ??
    (group.targetGroupNames?.length
      ? { targetGroupInfoList: group.targetGroupNames.map((name) => ({ name })) }
      : undefined);
  return {
    deploymentId,
    applicationName: request.applicationName,
    deploymentGroupName: request.deploymentGroupName,
    computePlatform: flow.computePlatform,
    deploymentStyle: {
      ...group.deploymentStyle,
      deploymentType: flow.deploymentType,
      deploymentOption:
        group.deploymentStyle?.deploymentOption ??
        (flow.computePlatform !== 'Server' || loadBalancerInfo
          ? 'WITH_TRAFFIC_CONTROL'
          : 'WITHOUT_TRAFFIC_CONTROL'),
    },
    deploymentConfigName: effectiveDeploymentConfigName(configName),
    status,
    creator: request.creator ?? 'user',
    revision: request.revision,
    createTime: now,
    ...(status === 'InProgress' ? { startTime: now } : {}),
    executionName,
    alarmConfiguration: request.overrideAlarmConfiguration ?? group.alarmConfiguration,
    autoRollbackConfiguration: request.autoRollbackConfiguration ?? group.autoRollbackConfiguration,
    ...(request.overrideAlarmConfiguration
      ? { overrideAlarmConfiguration: request.overrideAlarmConfiguration }
      : {}),
    ...(request.fileExistsBehavior ? { fileExistsBehavior: request.fileExistsBehavior } : {}),
    ...(request.ignoreApplicationStopFailures ? { ignoreApplicationStopFailures: true } : {}),
    ...(request.updateOutdatedInstancesOnly ? { updateOutdatedInstancesOnly: true } : {}),
    ...(request.targetInstances ? { targetInstances: request.targetInstances } : {}),
    ...(request.description ? { description: request.description } : {}),
    ...(request.rollbackInfo ? { rollbackInfo: request.rollbackInfo } : {}),
    ...(group.targetRevision ? { previousRevision: group.targetRevision as RevisionLocation } : {}),
    ...(loadBalancerInfo ? { loadBalancerInfo } : {}),
    ...(group.blueGreenDeploymentConfiguration
      ? { blueGreenDeploymentConfiguration: group.blueGreenDeploymentConfiguration }
      : {}),
  } as DeploymentRecord;
}

async function createRecord(
  deps: Pick<StepDeps, 'deployments' | 'events' | 'clock'>,
  deploymentId: string,
  executionName: string,
  request: DeploymentRequest,
  group: DeploymentGroupRecord,
  flow: FlowKey,
): Promise<DeploymentRecord> {
  const now = deps.clock.now().toISOString();
  const { record, created } = await deps.deployments.createDeployment(
    newDeploymentRecord({ deploymentId, executionName, request, group, flow, status: 'InProgress', now }),
  );
  if (created) {
    await publishDeploymentEvent(deps, record, 'START');
    return record;
  }
  if (record.status !== 'Created') return record;
  // CreateDeployment recorded it before starting this execution: it starts now. Conditional, so a
  // retry of this step after the change finds it InProgress and changes nothing.
  try {
    const started = await deps.deployments.updateDeployment(
      deploymentId,
      { status: 'InProgress', startTime: now, executionName },
      ['Created'],
    );
    await publishDeploymentEvent(deps, started, 'START');
    return started;
  } catch (error) {
    if (error instanceof Error && error.name === 'DeploymentStatusConflictError') {
      return (await deps.deployments.getDeployment(deploymentId)) ?? record;
    }
    throw error;
  }
}

async function deploymentIdFor(
  deps: Pick<StepDeps, 'executionNames' | 'random'>,
  executionName: string,
  request: DeploymentRequest,
) {
  if (request.deploymentId) return request.deploymentId;
  if (isDeploymentId(executionName)) return executionName;
  // A foreign execution name (CodePipeline's action execution id) maps to one new deployment id.
  return deps.executionNames.claimExecutionName(executionName, formatDeploymentId(deps.random.bytes(9)));
}
