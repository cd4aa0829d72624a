import { DeploymentFlowMismatchError } from '../domain/deployment-errors.js';
import { targetVersionWeight, type TrafficStep } from '../domain/traffic-plan.js';
import type { LifecycleEventRecord } from '../ports/records.js';
import { assertAlarmsQuiet } from './alarm-check.js';
import { defineStep, type StepDeps } from './deps.js';
import { withLifecycleEvent } from './lifecycle-records.js';
import { assertNotStopped, loadDeployment } from './load-deployment.js';
import { replacementWeightChanges, trafficRouteOf } from './traffic-route.js';

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
  /** The final step is applied: all traffic is on the replacement. */
  done: boolean;
}

/**
 * One shift of the plan, on whatever route the deployment moves (a Lambda alias, ECS listeners). It
 * first checks what a bake's end must check (stop requests, alarms: the previous bake may have ended
 * by its timeout); the router then re-reads the live routing, so a retry or a redrive never applies
 * a stale weight on top of someone else's change.
 */
export function shiftTraffic(deps: Pick<StepDeps, 'deployments' | 'traffic' | 'alarms' | 'clock'>) {
  return async ({ deploymentId, steps, stepIndex }: ShiftTrafficInput): Promise<ShiftTrafficOutput> => {
    const { deployments, traffic, clock } = deps;
    const step = steps[stepIndex];
    if (!step) {
      throw new TypeError(
        `The traffic plan of deployment ${deploymentId} has ${steps.length} step(s); there is no step ${stepIndex}.`,
      );
    }
    const record = await loadDeployment(deployments, deploymentId);
    assertNotStopped(record);
    await assertAlarmsQuiet(deps.alarms, record.alarmConfiguration);
    const route = trafficRouteOf(record);
    if (!route) {
      throw new DeploymentFlowMismatchError(
        `The deployment ${deploymentId} (${record.computePlatform}) has no traffic route to shift.`,
      );
    }
    const weight = targetVersionWeight(step);
    await traffic.setWeight(route, weight);

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
    ).map((e): LifecycleEventRecord => (e.lifecycleEventName === 'AllowTraffic' ? { ...e, startTime } : e));
    await deployments.updateDeployment(deploymentId, {
      ...replacementWeightChanges(record, weight),
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

/** The ShiftTraffic Task of the flows that shift traffic by weight: `${ShiftTrafficFunctionArn}`. */
export const ShiftTraffic = defineStep('ShiftTraffic', shiftTraffic)(['deployments', 'traffic', 'alarms']);
