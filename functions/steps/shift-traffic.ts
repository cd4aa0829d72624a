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
  /** Prepare's plan, passed along by the state machine's traffic loop. */
  steps: TrafficStep[];
  /** The step to apply now. */
  stepIndex: number;
}

export interface ShiftTrafficOutput {
  targetVersionWeight: number;
  /** The step the loop applies after this one's bake. */
  nextStep: number;
  /** How long to bake after this shift; 0 after the final one. */
  bakeSeconds: number;
  /** The final step is applied: the alias points at the target version. */
  done: boolean;
}

/**
 * One shift of the plan. It first checks what a bake's end must check (stop requests, alarms: the
 * previous bake may have ended by its timeout), then re-reads the alias, so a retry or a redrive
 * never applies a stale weight on top of someone else's change.
 */
export function shiftTraffic(deps: Pick<StepDeps, 'store' | 'lambda' | 'alarms' | 'clock'>) {
  return async ({ deploymentId, steps, stepIndex }: ShiftTrafficInput): Promise<ShiftTrafficOutput> => {
    const { store, lambda, clock } = deps;
    const step = steps[stepIndex];
    if (!step) {
      throw new InvalidLambdaConfigurationError(
        `The traffic plan of deployment ${deploymentId} has ${steps.length} step(s); there is no step ${stepIndex}.`,
      );
    }
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
    // AllowTraffic starts with the first shift: later shifts (InProgress again) must keep that time.
    const startTime =
      record.lifecycleEvents?.find((e) => e.lifecycleEventName === 'AllowTraffic')?.startTime ??
      now.toISOString();
    const lifecycleEvents = withLifecycleEvent(
      record,
      'AllowTraffic',
      weight >= 1 ? 'Succeeded' : 'InProgress',
      now,
    ).map((e) => (e.lifecycleEventName === 'AllowTraffic' ? { ...e, startTime } : e));
    await store.updateDeployment(deploymentId, {
      lambdaTarget: { ...target, targetVersionWeight: weight },
      lifecycleEvents,
    });
    const done = stepIndex === steps.length - 1;
    return {
      targetVersionWeight: weight,
      nextStep: stepIndex + 1,
      bakeSeconds: done ? 0 : step.bakeSeconds,
      done,
    };
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
