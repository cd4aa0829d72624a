import { validateAppSpec } from '../domain/appspec/index.js';
import type { LambdaAppSpec } from '../domain/appspec/model.js';
import { effectiveDeploymentConfigName, resolveDeploymentConfig } from '../domain/deployment-configs.js';
import {
  DeploymentGroupDoesNotExistException,
  InvalidLambdaConfigurationError,
  InvalidLambdaFunctionError,
  InvalidRevisionError,
} from '../domain/deployment-errors.js';
import { formatDeploymentId, isDeploymentId } from '../domain/deployment-id.js';
import { lambdaLifecycleEvents } from '../domain/lifecycle.js';
import { trafficPlan, type TrafficStep } from '../domain/traffic-plan.js';
import type { DeploymentRequest, RevisionLocation } from '../ports/records.js';
import { assertAlarmsQuiet } from './alarm-check.js';
import type { StepDeps } from './deps.js';
import { publishDeploymentEvent } from './publish-event.js';

export interface PrepareInput {
  executionName: string;
  request: DeploymentRequest;
}

export interface PrepareOutput {
  deploymentId: string;
  computePlatform: 'Lambda';
  trafficSteps: TrafficStep[];
}

const LAMBDA_DEFAULT_CONFIG = 'CodeDeployDefault.LambdaAllAtOnce';

/**
 * The first state of a deployment. Idempotent on the execution name: a retry or redrive finds the
 * record and the lock it already made. Nothing on a target changes here; every check that can fail
 * runs before the first shift.
 */
export function prepare(deps: Pick<StepDeps, 'store' | 'lambda' | 'alarms' | 'events' | 'clock' | 'random'>) {
  return async ({ executionName, request }: PrepareInput): Promise<PrepareOutput> => {
    const { store, clock } = deps;
    const deploymentId = await deploymentIdFor(deps, executionName, request);
    const group = await store.getDeploymentGroup(request.applicationName, request.deploymentGroupName);
    if (!group) {
      throw new DeploymentGroupDoesNotExistException(
        `The deployment group ${request.deploymentGroupName} does not exist for application ${request.applicationName}.`,
      );
    }
    // The lock comes first: a second deployment to a busy group must write nothing at all.
    await store.acquireGroupLock(request.applicationName, request.deploymentGroupName, deploymentId);

    const now = clock.now().toISOString();
    const configName = request.deploymentConfigName || group.deploymentConfigName || LAMBDA_DEFAULT_CONFIG;
    const { record, created } = await store.createDeployment({
      deploymentId,
      applicationName: request.applicationName,
      deploymentGroupName: request.deploymentGroupName,
      computePlatform: 'Lambda',
      deploymentConfigName: effectiveDeploymentConfigName(configName),
      status: 'InProgress',
      creator: request.creator ?? 'user',
      revision: request.revision,
      createTime: now,
      startTime: now,
      executionName,
      alarmConfiguration: request.overrideAlarmConfiguration ?? group.alarmConfiguration,
      autoRollbackConfiguration: request.autoRollbackConfiguration ?? group.autoRollbackConfiguration,
      lifecycleEvents: lambdaLifecycleEvents().map((name) => ({
        lifecycleEventName: name,
        status: 'Pending',
      })),
      ...(request.description ? { description: request.description } : {}),
      ...(request.rollbackInfo ? { rollbackInfo: request.rollbackInfo } : {}),
    });
    if (created) await publishDeploymentEvent(deps, record, 'START');

    const appSpec = lambdaAppSpecOf(record.revision);
    const config = resolveDeploymentConfig(record.deploymentConfigName);
    if (config.computePlatform !== 'Lambda') {
      throw new InvalidRevisionError(
        `The deployment configuration ${config.deploymentConfigName} is for the ${config.computePlatform} compute platform, not Lambda.`,
      );
    }
    await checkAlias(deps, appSpec);
    await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
    const alarmNames = record.alarmConfiguration?.enabled
      ? record.alarmConfiguration.alarms.map((a) => a.name)
      : [];
    await store.watchAlarms(deploymentId, alarmNames);
    await store.updateDeployment(deploymentId, {
      appSpec,
      lambdaTarget: {
        functionName: appSpec.functionName,
        functionAlias: appSpec.alias,
        currentVersion: appSpec.currentVersion,
        targetVersion: appSpec.targetVersion,
        targetVersionWeight: 0,
      },
    });
    return { deploymentId, computePlatform: 'Lambda', trafficSteps: trafficPlan(config) };
  };
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

export function appSpecContentOf(revision: RevisionLocation): string {
  const content = revision.appSpecContent?.content ?? revision.string?.content;
  if (content === undefined) {
    throw new InvalidRevisionError(
      `A Lambda deployment needs its AppSpec as content (revisionType AppSpecContent or String), not ${revision.revisionType}.`,
    );
  }
  return content;
}

function lambdaAppSpecOf(revision: RevisionLocation): LambdaAppSpec {
  const verdict = validateAppSpec(appSpecContentOf(revision), { platform: 'lambda' });
  if (!verdict.valid || verdict.appSpec?.platform !== 'lambda') {
    const details = verdict.errors.map((e) => `${e.path || '(document)'}: ${e.message}`).join('; ');
    throw new InvalidRevisionError(`The AppSpec file is invalid: ${details}`);
  }
  return verdict.appSpec;
}

async function checkAlias(deps: Pick<StepDeps, 'lambda'>, appSpec: LambdaAppSpec): Promise<void> {
  const { functionName, alias, currentVersion, targetVersion } = appSpec;
  let routing;
  try {
    routing = await deps.lambda.getAlias(functionName, alias);
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundError') {
      throw new InvalidLambdaFunctionError(`The alias ${alias} of function ${functionName} does not exist.`);
    }
    throw error;
  }
  if (routing.functionVersion !== currentVersion) {
    throw new InvalidLambdaConfigurationError(
      `The alias ${alias} of ${functionName} points at version ${routing.functionVersion}, but the AppSpec's CurrentVersion is ${currentVersion}. Update CurrentVersion, or point the alias back.`,
    );
  }
  const weights = Object.entries(routing.additionalVersionWeights);
  if (weights.length > 0) {
    const shown = weights
      .map(([version, weight]) => `version ${version} at ${Math.round(weight * 100)}%`)
      .join(', ');
    throw new InvalidLambdaConfigurationError(
      `The alias ${alias} of ${functionName} already routes traffic to ${shown} (a stopped deployment left it mid-shift). Remove the alias' routing configuration, then deploy again.`,
    );
  }
  if (!(await deps.lambda.versionExists(functionName, targetVersion))) {
    throw new InvalidLambdaFunctionError(
      `Version ${targetVersion} of function ${functionName} does not exist. Publish it first.`,
    );
  }
}
