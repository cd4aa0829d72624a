/**
 * Traffic shifting plans for Lambda and ECS deployments (reference §3.5).
 *
 * A plan is the list of weights the target (Lambda target version, ECS replacement task set) gets,
 * in order, each followed by a bake: the time to wait (and watch alarms) before the next shift.
 *
 * Decision on the [unverified] point of §3.5 / §7 #16 (does a wait follow the final increment?):
 * no. Once 100 % is shifted, the alias points at the target and CodeDeploy's traffic step is done,
 * so the final step always has `bakeSeconds: 0`. Linear {p, m} therefore takes
 * `(ceil(100 / p) - 1) * m` minutes, e.g. 90 minutes for Linear10PercentEvery10Minutes, not the
 * "100 minutes" SAM's documentation mentions. This is the safer choice: the deployment does not keep
 * reporting itself in progress while the old version no longer serves traffic, and any post-shift
 * verification belongs to the AfterAllowTraffic hook, which runs straight after the final shift.
 */
import type { DeploymentConfigInfo, TrafficRoutingConfig } from './deployment-configs.js';
import { InvalidTrafficRoutingConfigurationException } from './errors.js';

export interface TrafficStep {
  /** Percentage of traffic on the target after this shift, 1..100. */
  weightPercent: number;
  /** Seconds to wait after this shift before the next; 0 for the final step. */
  bakeSeconds: number;
}

function routingOf(config: TrafficRoutingConfig | DeploymentConfigInfo): TrafficRoutingConfig {
  if ('deploymentConfigName' in config) {
    if (!config.trafficRoutingConfig) {
      throw new InvalidTrafficRoutingConfigurationException(
        `Deployment config ${config.deploymentConfigName} has no trafficRoutingConfig`,
      );
    }
    return config.trafficRoutingConfig;
  }
  return config;
}

function checked(percentage: unknown, interval: unknown): [number, number] {
  if (typeof percentage !== 'number' || !Number.isInteger(percentage) || percentage < 1 || percentage > 99) {
    throw new InvalidTrafficRoutingConfigurationException(
      `Traffic percentage must be an integer from 1 to 99, got ${String(percentage)}`,
    );
  }
  if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < 1) {
    throw new InvalidTrafficRoutingConfigurationException(
      `Traffic interval must be an integer number of minutes >= 1, got ${String(interval)}`,
    );
  }
  return [percentage, interval];
}

/** The shifts of a traffic routing config (or of a config that has one). */
export function trafficPlan(config: TrafficRoutingConfig | DeploymentConfigInfo): TrafficStep[] {
  const routing = routingOf(config);
  switch (routing.type) {
    case 'AllAtOnce':
      return [{ weightPercent: 100, bakeSeconds: 0 }];
    case 'TimeBasedCanary': {
      const [p, m] = checked(
        routing.timeBasedCanary?.canaryPercentage,
        routing.timeBasedCanary?.canaryInterval,
      );
      return [
        { weightPercent: p, bakeSeconds: m * 60 },
        { weightPercent: 100, bakeSeconds: 0 },
      ];
    }
    case 'TimeBasedLinear': {
      const [p, m] = checked(
        routing.timeBasedLinear?.linearPercentage,
        routing.timeBasedLinear?.linearInterval,
      );
      const steps: TrafficStep[] = [];
      for (let weight = p; weight < 100; weight += p)
        steps.push({ weightPercent: weight, bakeSeconds: m * 60 });
      steps.push({ weightPercent: 100, bakeSeconds: 0 });
      return steps;
    }
    default:
      throw new InvalidTrafficRoutingConfigurationException(
        `Unknown traffic routing type: ${String((routing as { type: unknown }).type)}`,
      );
  }
}

/** Seconds from the first shift to the last (the sum of the bakes). */
export function trafficPlanDurationSeconds(
  planOrConfig: readonly TrafficStep[] | TrafficRoutingConfig | DeploymentConfigInfo,
): number {
  const plan = Array.isArray(planOrConfig)
    ? (planOrConfig as readonly TrafficStep[])
    : trafficPlan(planOrConfig as TrafficRoutingConfig | DeploymentConfigInfo);
  return plan.reduce((total, step) => total + step.bakeSeconds, 0);
}

export function isFinalTrafficStep(step: TrafficStep): boolean {
  return step.weightPercent >= 100;
}

/** Lambda's `targetVersionWeight` (and AdditionalVersionWeights value): the target's share, 0..1. */
export function targetVersionWeight(step: TrafficStep | number): number {
  const percent = typeof step === 'number' ? step : step.weightPercent;
  return Math.min(100, Math.max(0, percent)) / 100;
}

/**
 * How the Lambda alias looks after a step: weighted routing to the target version, or, after the
 * final step, the alias pointing at the target version with no additional weights.
 */
export type LambdaAliasRouting = { kind: 'weighted'; targetVersionWeight: number } | { kind: 'target' };

export function lambdaAliasRouting(step: TrafficStep): LambdaAliasRouting {
  return isFinalTrafficStep(step)
    ? { kind: 'target' }
    : { kind: 'weighted', targetVersionWeight: targetVersionWeight(step) };
}

/** ECS listener weights (percent) for the original and the replacement target groups after a step. */
export function ecsListenerWeights(step: TrafficStep): { original: number; replacement: number } {
  const replacement = Math.min(100, Math.max(0, step.weightPercent));
  return { original: 100 - replacement, replacement };
}
