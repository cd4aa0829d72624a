import { validateAppSpec } from '../domain/appspec/index.js';
import type { LambdaAppSpec } from '../domain/appspec/model.js';
import { resolveDeploymentConfig } from '../domain/deployment-configs.js';
import {
  InvalidLambdaConfigurationError,
  InvalidLambdaFunctionError,
  InvalidRevisionError,
} from '../domain/deployment-errors.js';
import { lambdaLifecycleEvents } from '../domain/lifecycle.js';
import { trafficPlan, type TrafficStep } from '../domain/traffic-plan.js';
import type { DeploymentRecord, RevisionLocation } from '../ports/records.js';
import { assertAlarmsQuiet } from './alarm-check.js';
import type { StepDeps } from './deps.js';
import { withLifecycleEvent } from './lifecycle-records.js';

export interface PrepareLambdaOutput {
  deploymentId: string;
  computePlatform: 'Lambda';
  trafficSteps: TrafficStep[];
}

/** Lambda: the AppSpec, the alias (at CurrentVersion, no routing yet), the target version, the alarms. */
export function prepareLambda(
  deps: Pick<StepDeps, 'store' | 'lambda' | 'alarms' | 'clock' | 'settings' | 'revisions'>,
) {
  return async (record: DeploymentRecord): Promise<PrepareLambdaOutput> => {
    const { store } = deps;
    const appSpec = lambdaAppSpecOf(await appSpecContentOf(deps, record.revision));
    const prefix = deps.settings.hookFunctionPrefix;
    const refused = prefix ? appSpec.hooks.filter((hook) => !hook.functionName.startsWith(prefix)) : [];
    if (refused.length > 0) {
      throw new InvalidRevisionError(
        `stepdeploy may only invoke hook functions whose names start with ${prefix}: rename ${refused.map((h) => `${h.functionName} (${h.event})`).join(', ')}, or change the stack's hook prefix.`,
      );
    }
    const config = resolveDeploymentConfig(record.deploymentConfigName);
    if (config.computePlatform !== 'Lambda') {
      throw new InvalidRevisionError(
        `The deployment configuration ${config.deploymentConfigName} is for the ${config.computePlatform} compute platform, not Lambda.`,
      );
    }
    await checkAlias(deps, appSpec);
    // The target and its lifecycle events are recorded before the alarm check, so that a deployment
    // an alarm stops at once still reports its events (Skipped), as CodeDeploy does.
    const recorded = await store.updateDeployment(record.deploymentId, {
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
        : lambdaLifecycleEvents().map((name) => ({ lifecycleEventName: name, status: 'Pending' })),
    });
    await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
    const alarmNames = record.alarmConfiguration?.enabled
      ? record.alarmConfiguration.alarms.map((a) => a.name)
      : [];
    await store.watchAlarms(record.deploymentId, alarmNames);
    // Every check passed: CodeDeploy's Start event is done.
    const now = deps.clock.now();
    await store.updateDeployment(record.deploymentId, {
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
      if ((error as Error).name === 'ThrottlingError') throw error;
      throw new InvalidRevisionError(`The AppSpec file could not be read: ${(error as Error).message}`);
    }
  }
  throw new InvalidRevisionError(
    `A Lambda deployment's revision is its AppSpec: as content (revisionType AppSpecContent or String), or an S3 object with bundleType YAML or JSON, not ${revision.revisionType}${bundleType ? ` ${bundleType}` : ''}.`,
  );
}

function lambdaAppSpecOf(text: string): LambdaAppSpec {
  const verdict = validateAppSpec(text, { platform: 'lambda' });
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
