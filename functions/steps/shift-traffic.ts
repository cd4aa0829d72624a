import { InvalidLambdaConfigurationError } from '../domain/deployment-errors.js';
import { lambdaAliasRouting, targetVersionWeight, type TrafficStep } from '../domain/traffic-plan.js';
import type { AliasRouting } from '../ports/lambda-alias.js';
import type { LambdaTargetInfo } from '../ports/records.js';
import { assertAlarmsQuiet } from './alarm-check.js';
import type { StepDeps } from './deps.js';
import { withLifecycleEvent } from './lifecycle-records.js';
import { assertNotStopped, loadDeployment } from './load-deployment.js';

export interface ShiftTrafficInput {
  deploymentId: string;
  step: TrafficStep;
}

export interface ShiftTrafficOutput {
  targetVersionWeight: number;
}

/**
 * One shift of the plan. It first checks what a bake's end must check (stop requests, alarms: the
 * previous bake may have ended by its timeout), then re-reads the alias, so a retry or a redrive
 * never applies a stale weight on top of someone else's change.
 */
export function shiftTraffic(deps: Pick<StepDeps, 'store' | 'lambda' | 'alarms' | 'clock'>) {
  return async ({ deploymentId, step }: ShiftTrafficInput): Promise<ShiftTrafficOutput> => {
    const { store, lambda, clock } = deps;
    const record = await loadDeployment(store, deploymentId);
    assertNotStopped(record);
    await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
    const target = record.lambdaTarget;
    if (!target)
      throw new InvalidLambdaConfigurationError(`The deployment ${deploymentId} has no Lambda target.`);

    const live = await lambda.getAlias(target.functionName, target.functionAlias);
    assertOnlyOurRouting(target, live);
    const desired = routingFor(target, step);
    if (!sameRouting(live, desired))
      await lambda.updateAlias(target.functionName, target.functionAlias, desired);

    const weight = targetVersionWeight(step);
    const now = clock.now();
    let lifecycleEvents = withLifecycleEvent(
      record,
      'AllowTraffic',
      weight >= 1 ? 'Succeeded' : 'InProgress',
      now,
    );
    if (!record.lifecycleEvents?.find((e) => e.lifecycleEventName === 'AllowTraffic')?.startTime) {
      lifecycleEvents = lifecycleEvents.map((e) =>
        e.lifecycleEventName === 'AllowTraffic' ? { ...e, startTime: e.startTime ?? now.toISOString() } : e,
      );
    }
    await store.updateDeployment(deploymentId, {
      lambdaTarget: { ...target, targetVersionWeight: weight },
      lifecycleEvents,
    });
    return { targetVersionWeight: weight };
  };
}

export function routingFor(target: LambdaTargetInfo, step: TrafficStep): AliasRouting {
  const routing = lambdaAliasRouting(step);
  return routing.kind === 'target'
    ? { functionVersion: target.targetVersion, additionalVersionWeights: {} }
    : {
        functionVersion: target.currentVersion,
        additionalVersionWeights: { [target.targetVersion]: routing.targetVersionWeight },
      };
}

function sameRouting(a: AliasRouting, b: AliasRouting): boolean {
  const aw = Object.entries(a.additionalVersionWeights);
  const bw = Object.entries(b.additionalVersionWeights);
  return (
    a.functionVersion === b.functionVersion &&
    aw.length === bw.length &&
    aw.every(([version, weight]) => b.additionalVersionWeights[version] === weight)
  );
}

/** The alias may only be on our two versions; anything else means someone else changed it mid-deployment. */
function assertOnlyOurRouting(target: LambdaTargetInfo, live: AliasRouting): void {
  const ours = new Set([target.currentVersion, target.targetVersion]);
  const versions = [live.functionVersion, ...Object.keys(live.additionalVersionWeights)];
  const foreign = versions.filter((version) => !ours.has(version));
  if (foreign.length > 0) {
    throw new InvalidLambdaConfigurationError(
      `The alias ${target.functionAlias} of ${target.functionName} was changed during the deployment: it now routes to version ${foreign.join(', ')}.`,
    );
  }
}
