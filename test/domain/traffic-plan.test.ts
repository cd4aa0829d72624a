import { describe, expect, it } from 'vitest';
import { getPredefinedConfig } from '../../functions/domain/deployment-configs.js';
import type {
  DeploymentConfigInfo,
  TrafficRoutingConfig,
} from '../../functions/domain/deployment-configs.js';
import { InvalidTrafficRoutingConfigurationException } from '../../functions/domain/errors.js';
import {
  ecsListenerWeights,
  isFinalTrafficStep,
  lambdaAliasRouting,
  targetVersionWeight,
  trafficPlan,
  trafficPlanDurationSeconds,
} from '../../functions/domain/traffic-plan.js';
import type { TrafficStep } from '../../functions/domain/traffic-plan.js';

const predefined = (name: string): DeploymentConfigInfo => {
  const config = getPredefinedConfig(name);
  if (!config) throw new Error(`missing ${name}`);
  return config;
};

/** Linear 10 % steps with a bake of `seconds` after each of the first nine (written out by hand). */
const linear10 = (seconds: number): TrafficStep[] => [
  { weightPercent: 10, bakeSeconds: seconds },
  { weightPercent: 20, bakeSeconds: seconds },
  { weightPercent: 30, bakeSeconds: seconds },
  { weightPercent: 40, bakeSeconds: seconds },
  { weightPercent: 50, bakeSeconds: seconds },
  { weightPercent: 60, bakeSeconds: seconds },
  { weightPercent: 70, bakeSeconds: seconds },
  { weightPercent: 80, bakeSeconds: seconds },
  { weightPercent: 90, bakeSeconds: seconds },
  { weightPercent: 100, bakeSeconds: 0 },
];

describe('trafficPlan for every predefined Lambda and ECS config', () => {
  it.each<[string, TrafficStep[], number]>([
    ['CodeDeployDefault.LambdaAllAtOnce', [{ weightPercent: 100, bakeSeconds: 0 }], 0],
    [
      'CodeDeployDefault.LambdaCanary10Percent5Minutes',
      [
        { weightPercent: 10, bakeSeconds: 300 },
        { weightPercent: 100, bakeSeconds: 0 },
      ],
      300,
    ],
    [
      'CodeDeployDefault.LambdaCanary10Percent10Minutes',
      [
        { weightPercent: 10, bakeSeconds: 600 },
        { weightPercent: 100, bakeSeconds: 0 },
      ],
      600,
    ],
    [
      'CodeDeployDefault.LambdaCanary10Percent15Minutes',
      [
        { weightPercent: 10, bakeSeconds: 900 },
        { weightPercent: 100, bakeSeconds: 0 },
      ],
      900,
    ],
    [
      'CodeDeployDefault.LambdaCanary10Percent30Minutes',
      [
        { weightPercent: 10, bakeSeconds: 1800 },
        { weightPercent: 100, bakeSeconds: 0 },
      ],
      1800,
    ],
    ['CodeDeployDefault.LambdaLinear10PercentEvery1Minute', linear10(60), 540],
    ['CodeDeployDefault.LambdaLinear10PercentEvery2Minutes', linear10(120), 1080],
    ['CodeDeployDefault.LambdaLinear10PercentEvery3Minutes', linear10(180), 1620],
    ['CodeDeployDefault.LambdaLinear10PercentEvery10Minutes', linear10(600), 5400],
    ['CodeDeployDefault.ECSAllAtOnce', [{ weightPercent: 100, bakeSeconds: 0 }], 0],
    [
      'CodeDeployDefault.ECSCanary10Percent5Minutes',
      [
        { weightPercent: 10, bakeSeconds: 300 },
        { weightPercent: 100, bakeSeconds: 0 },
      ],
      300,
    ],
    [
      'CodeDeployDefault.ECSCanary10Percent15Minutes',
      [
        { weightPercent: 10, bakeSeconds: 900 },
        { weightPercent: 100, bakeSeconds: 0 },
      ],
      900,
    ],
    ['CodeDeployDefault.ECSLinear10PercentEvery1Minutes', linear10(60), 540],
    ['CodeDeployDefault.ECSLinear10PercentEvery3Minutes', linear10(180), 1620],
  ])('%s', (name, steps, totalSeconds) => {
    const config = predefined(name);
    expect(trafficPlan(config)).toEqual(steps);
    expect(trafficPlan(config.trafficRoutingConfig as TrafficRoutingConfig)).toEqual(steps);
    expect(trafficPlanDurationSeconds(config)).toBe(totalSeconds);
    expect(trafficPlanDurationSeconds(steps)).toBe(totalSeconds);
  });
});

describe('the final increment', () => {
  it('[unverified] no bake follows the final 100% shift: Linear10PercentEvery10Minutes takes 90 minutes, not the "100 minutes" SAM mentions (safer: done once the alias is fully on the target)', () => {
    const plan = trafficPlan(predefined('CodeDeployDefault.LambdaLinear10PercentEvery10Minutes'));
    expect(plan.at(-1)).toEqual({ weightPercent: 100, bakeSeconds: 0 });
    expect(trafficPlanDurationSeconds(plan)).toBe(90 * 60);
    expect(trafficPlanDurationSeconds(plan)).not.toBe(100 * 60);
  });

  it('a canary shifts in exactly two increments', () => {
    expect(
      trafficPlan({ type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 25, canaryInterval: 7 } }),
    ).toEqual([
      { weightPercent: 25, bakeSeconds: 420 },
      { weightPercent: 100, bakeSeconds: 0 },
    ]);
  });
});

describe('linear plans with percentages that do not divide 100', () => {
  it.each<[number, number[]]>([
    [30, [30, 60, 90, 100]],
    [33, [33, 66, 99, 100]],
    [40, [40, 80, 100]],
    [50, [50, 100]],
    [99, [99, 100]],
    [25, [25, 50, 75, 100]],
  ])('linear %i percent -> weights %j, last capped at 100', (percentage, weights) => {
    const plan = trafficPlan({
      type: 'TimeBasedLinear',
      timeBasedLinear: { linearPercentage: percentage, linearInterval: 2 },
    });
    expect(plan.map((s) => s.weightPercent)).toEqual(weights);
    expect(plan.map((s) => s.bakeSeconds)).toEqual([...weights.slice(0, -1).map(() => 120), 0]);
  });
});

describe('invalid routing configs', () => {
  it.each<[string, TrafficRoutingConfig | DeploymentConfigInfo]>([
    [
      'a linear 0% (would never finish)',
      { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 0, linearInterval: 1 } },
    ],
    [
      'a canary 100%',
      { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 100, canaryInterval: 1 } },
    ],
    ['a canary without its parameters', { type: 'TimeBasedCanary' }],
    [
      'a linear with a fractional interval',
      { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 10, linearInterval: 0.5 } },
    ],
    ['an unknown type', { type: 'Sideways' as never }],
    ['a Server config', { deploymentConfigName: 'CodeDeployDefault.OneAtATime', computePlatform: 'Server' }],
  ])('%s throws InvalidTrafficRoutingConfigurationException', (_label, config) => {
    expect(() => trafficPlan(config)).toThrow(InvalidTrafficRoutingConfigurationException);
  });
});

describe('Lambda and ECS weights for a step', () => {
  it.each<[number, number]>([
    [10, 0.1],
    [20, 0.2],
    [30, 0.3],
    [50, 0.5],
    [90, 0.9],
    [99, 0.99],
    [100, 1],
  ])('%i percent -> targetVersionWeight %d', (weightPercent, weight) => {
    expect(targetVersionWeight(weightPercent)).toBe(weight);
    expect(targetVersionWeight({ weightPercent, bakeSeconds: 0 })).toBe(weight);
  });

  it('before the final step the alias routes the target weight; the final step points the alias at the target with no routing', () => {
    expect(lambdaAliasRouting({ weightPercent: 10, bakeSeconds: 300 })).toEqual({
      kind: 'weighted',
      targetVersionWeight: 0.1,
    });
    expect(lambdaAliasRouting({ weightPercent: 100, bakeSeconds: 0 })).toEqual({ kind: 'target' });
    expect(isFinalTrafficStep({ weightPercent: 90, bakeSeconds: 60 })).toBe(false);
    expect(isFinalTrafficStep({ weightPercent: 100, bakeSeconds: 0 })).toBe(true);
  });

  it.each<[number, { original: number; replacement: number }]>([
    [10, { original: 90, replacement: 10 }],
    [100, { original: 0, replacement: 100 }],
  ])('ECS listener weights at %i percent', (weightPercent, weights) => {
    expect(ecsListenerWeights({ weightPercent, bakeSeconds: 0 })).toEqual(weights);
  });
});
