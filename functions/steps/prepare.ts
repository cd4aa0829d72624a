import { effectiveDeploymentConfigName } from '../domain/deployment-configs.js';
import { DeploymentGroupDoesNotExistException } from '../domain/deployment-errors.js';
import { formatDeploymentId, isDeploymentId } from '../domain/deployment-id.js';
import type { DeploymentGroupRecord, DeploymentRecord, DeploymentRequest } from '../ports/records.js';
import type { StepDeps } from './deps.js';
import { prepareLambda, type PrepareLambdaOutput } from './prepare-lambda.js';
import { prepareServer, type PrepareServerOutput } from './prepare-server.js';
import { publishDeploymentEvent } from './publish-event.js';

export interface PrepareInput {
  executionName: string;
  request: DeploymentRequest;
}

export type PrepareOutput = PrepareLambdaOutput | PrepareServerOutput;

const DEFAULT_CONFIG: Record<string, string> = {
  Lambda: 'CodeDeployDefault.LambdaAllAtOnce',
  ECS: 'CodeDeployDefault.ECSAllAtOnce',
  Server: 'CodeDeployDefault.OneAtATime',
};

/**
 * The first state of every deployment. Idempotent on the execution name: a retry or redrive finds the
 * record and the lock it already made. Nothing on a target changes here; every check that can fail
 * runs before the first target is touched. Its deps are what prepareLambda, prepareServer and its own
 * helpers use, so its handler builds (and the stack grants) only those ports.
 */
export function prepare(
  deps: Pick<
    StepDeps,
    'store' | 'lambda' | 'alarms' | 'revisions' | 'events' | 'clock' | 'random' | 'settings'
  >,
) {
  return async ({ executionName, request }: PrepareInput): Promise<PrepareOutput> => {
    const { store } = deps;
    const deploymentId = await deploymentIdFor(deps, executionName, request);
    const group = await store.getDeploymentGroup(request.applicationName, request.deploymentGroupName);
    if (!group) {
      throw new DeploymentGroupDoesNotExistException(
        `The deployment group ${request.deploymentGroupName} does not exist for application ${request.applicationName}.`,
      );
    }
    // The lock comes first: a second deployment to a busy group must write nothing at all.
    await store.acquireGroupLock(request.applicationName, request.deploymentGroupName, deploymentId);
    const record = await createRecord(deps, deploymentId, executionName, request, group);
    if (group.computePlatform !== 'Server') return prepareLambda(deps)(record);
    return prepareServer(deps)(record, group);
  };
}

async function createRecord(
  deps: Pick<StepDeps, 'store' | 'events' | 'clock'>,
  deploymentId: string,
  executionName: string,
  request: DeploymentRequest,
  group: DeploymentGroupRecord,
): Promise<DeploymentRecord> {
  const now = deps.clock.now().toISOString();
  const configName =
    request.deploymentConfigName || group.deploymentConfigName || DEFAULT_CONFIG[group.computePlatform];
  const { record, created } = await deps.store.createDeployment({
    deploymentId,
    applicationName: request.applicationName,
    deploymentGroupName: request.deploymentGroupName,
    computePlatform: group.computePlatform,
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
  deps: Pick<StepDeps, 'store' | 'random'>,
  executionName: string,
  request: DeploymentRequest,
) {
  if (request.deploymentId) return request.deploymentId;
  if (isDeploymentId(executionName)) return executionName;
  // A foreign execution name (CodePipeline's action execution id) maps to one new deployment id.
  return deps.store.claimExecutionName(executionName, formatDeploymentId(deps.random.bytes(9)));
}
