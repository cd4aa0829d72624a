import type { LambdaAppSpec } from '../domain/appspec/model.js';
import {
  InvalidLambdaConfigurationError,
  InvalidLambdaFunctionError,
  InvalidRevisionError,
} from '../domain/deployment-errors.js';
import { lambdaLifecycleEvents } from '../domain/lifecycle.js';
import { trafficPlan, type TrafficStep } from '../domain/traffic-plan.js';
import { errorMessage, errorName } from './caught-errors.js';
import type { FlowKey } from '../domain/flows.js';
import type { LifecycleEventRecord, RevisionLocation } from '../ports/records.js';
import { assertAlarmsQuietAndWatch } from './alarm-check.js';
import { deploymentConfigOf } from './deployment-config.js';
import { defineStep, IN_PROCESS_APPSPEC_VALIDATOR, type StepDeps } from './deps.js';
import { withLifecycleEvent } from './lifecycle-records.js';
import { beginDeployment, type BeginDeps, type PrepareInput } from './prepare.js';

export interface PrepareLambdaOutput {
  deploymentId: string;
  computePlatform: 'Lambda';
  trafficSteps: TrafficStep[];
}

export const LAMBDA_FLOW = {
  computePlatform: 'Lambda',
  deploymentType: 'BLUE_GREEN',
} as const satisfies FlowKey;

/**
 * Prepare of the Lambda flow: the common start (record, lock), then the AppSpec, the alias (at
 * CurrentVersion, no routing yet), the target version and the alarms, before any traffic moves.
 */
export function prepareLambda(
  deps: BeginDeps &
    Pick<
      StepDeps,
      'lambda' | 'alarms' | 'alarmWatches' | 'settings' | 'revisions' | 'deploymentConfigs' | 'appSpecs'
    >,
) {
  return async (input: PrepareInput): Promise<PrepareLambdaOutput> => {
    const { deployments } = deps;
    const { record } = await beginDeployment(deps, LAMBDA_FLOW, input);
    const appSpec = await lambdaAppSpecOf(deps, await appSpecContentOf(deps, record.revision));
    const prefix = deps.settings.hookFunctionPrefix;
    const refused = prefix ? appSpec.hooks.filter((hook) => !hook.functionName.startsWith(prefix)) : [];
    if (refused.length > 0) {
      throw new InvalidRevisionError(
        `stepdeploy may only invoke hook functions whose names start with ${prefix}: rename ${refused.map((h) => `${h.functionName} (${h.event})`).join(', ')}, or change the stack's hook prefix.`,
      );
    }
    const config = await deploymentConfigOf(deps, record.deploymentConfigName);
    if (config.computePlatform !== 'Lambda') {
      throw new InvalidRevisionError(
        `The deployment configuration ${config.deploymentConfigName} is for the ${config.computePlatform} compute platform, not Lambda.`,
      );
    }
    await checkAlias(deps, appSpec);
    // The target and its lifecycle events are recorded before the alarm check, so that a deployment
    // an alarm stops at once still reports its events (Skipped), as CodeDeploy does.
    const recorded = await deployments.updateDeployment(record.deploymentId, {
      appSpec,
      lambdaTarget: {
        functionName: appSpec.functionName,
        functionAlias: appSpec.alias,
        currentVersion: appSpec.currentVersion,
        targetVersion: appSpec.targetVersion,
        targetVersionWeight: 0,
      },
      lifecycleEvents: record.lifecycleEvents?.length
        ? record.lifecycleEvents
        : lambdaLifecycleEvents().map((name): LifecycleEventRecord => ({
            lifecycleEventName: name,
            status: 'Pending',
          })),
    });
    await assertAlarmsQuietAndWatch(deps, record);
    // Every check passed: CodeDeploy's Start event is done.
    const now = deps.clock.now();
    await deployments.updateDeployment(record.deploymentId, {
      lifecycleEvents: withLifecycleEvent(recorded, 'Start', 'Succeeded', now).map((e) =>
        e.lifecycleEventName === 'Start' ? { ...e, startTime: e.startTime ?? now.toISOString() } : e,
      ),
    });
    return {
      deploymentId: record.deploymentId,
      computePlatform: 'Lambda',
      trafficSteps: trafficPlan(config),
    };
  };
}

/** The AppSpec text: given as content, or (S3 bundleType YAML/JSON) the revision file itself. */
export async function appSpecContentOf(
  deps: Pick<StepDeps, 'revisions'>,
  revision: RevisionLocation,
): Promise<string> {
  const content = revision.appSpecContent?.content ?? revision.string?.content;
  if (content !== undefined) return content;
  const bundleType = revision.s3Location?.bundleType;
  if (revision.revisionType === 'S3' && (bundleType === 'YAML' || bundleType === 'JSON')) {
    try {
      return await deps.revisions.readAppSpecFile(revision);
    } catch (error) {
      if (errorName(error) === 'ThrottlingError') throw error;
      throw new InvalidRevisionError(`The AppSpec file could not be read: ${errorMessage(error)}`);
    }
  }
  throw new InvalidRevisionError(
    `A Lambda deployment's revision is its AppSpec: as content (revisionType AppSpecContent or String), or an S3 object with bundleType YAML or JSON, not ${revision.revisionType}${bundleType ? ` ${bundleType}` : ''}.`,
  );
}

async function lambdaAppSpecOf(deps: Pick<StepDeps, 'appSpecs'>, text: string): Promise<LambdaAppSpec> {
  const verdict = await (deps.appSpecs ?? IN_PROCESS_APPSPEC_VALIDATOR).validate(text, {
    platform: 'lambda',
  });
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
    if (errorName(error) === 'ResourceNotFoundError') {
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

/** The Lambda flow's Prepare Task: `${PrepareLambdaFunctionArn}`. */
export const PrepareLambda = defineStep('PrepareLambda', prepareLambda, { memoryMiB: 1024 })([
  'deployments',
  'executionNames',
  'groups',
  'groupLocks',
  'events',
  'lambda',
  'alarms',
  'alarmWatches',
  'revisions',
  'deploymentConfigs',
]);
