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

async function createRecord(
  deps: Pick<StepDeps, 'deployments' | 'events' | 'clock'>,
  deploymentId: string,
  executionName: string,
  request: DeploymentRequest,
  group: DeploymentGroupRecord,
  flow: FlowKey,
): Promise<DeploymentRecord> {
  const now = deps.clock.now().toISOString();
  const configName =
    request.deploymentConfigName || group.deploymentConfigName || DEFAULT_CONFIG[flow.computePlatform];
  const { record, created } = await deps.deployments.createDeployment({
    deploymentId,
    applicationName: request.applicationName,
    deploymentGroupName: request.deploymentGroupName,
    computePlatform: flow.computePlatform,
    deploymentStyle: { ...group.deploymentStyle, deploymentType: flow.deploymentType },
    deploymentConfigName: effectiveDeploymentConfigName(configName),
    status: 'InProgress',
    creator: request.creator ?? 'user',
    revision: request.revision,
    createTime: now,
    startTime: now,
    executionName,
    alarmConfiguration: request.overrideAlarmConfiguration ?? group.alarmConfiguration,
    autoRollbackConfiguration: request.autoRollbackConfiguration ?? group.autoRollbackConfiguration,
    ...(request.fileExistsBehavior ? { fileExistsBehavior: request.fileExistsBehavior } : {}),
    ...(request.ignoreApplicationStopFailures ? { ignoreApplicationStopFailures: true } : {}),
    ...(request.description ? { description: request.description } : {}),
    ...(request.rollbackInfo ? { rollbackInfo: request.rollbackInfo } : {}),
  });
  if (created) await publishDeploymentEvent(deps, record, 'START');
  return record;
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
