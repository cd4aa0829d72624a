import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DEPLOYMENT_CONFIG_NAME,
  PREDEFINED_DEPLOYMENT_CONFIGS,
  effectiveDeploymentConfigName,
  getPredefinedConfig,
  isPredefinedConfigName,
  resolveDeploymentConfig,
  validateCustomDeploymentConfig,
} from '../../functions/domain/deployment-configs.js';
import type {
  CreateDeploymentConfigInput,
  DeploymentConfigInfo,
} from '../../functions/domain/deployment-configs.js';
import { DeploymentConfigDoesNotExistException, StepDeployError } from '../../functions/domain/errors.js';

// Reference §3.2, one row per predefined config.
const PREDEFINED: Array<[string, DeploymentConfigInfo]> = [
  [
    'CodeDeployDefault.OneAtATime',
    {
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      computePlatform: 'Server',
      minimumHealthyHosts: { type: 'MOST_CONCURRENCY', value: 1 },
    },
  ],
  [
    'CodeDeployDefault.HalfAtATime',
    {
      deploymentConfigName: 'CodeDeployDefault.HalfAtATime',
      computePlatform: 'Server',
      minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 50 },
    },
  ],
  [
    'CodeDeployDefault.AllAtOnce',
    {
      deploymentConfigName: 'CodeDeployDefault.AllAtOnce',
      computePlatform: 'Server',
      minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 },
    },
  ],
  [
    'CodeDeployDefault.LambdaAllAtOnce',
    {
      deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce',
      computePlatform: 'Lambda',
      trafficRoutingConfig: { type: 'AllAtOnce' },
    },
  ],
  ...[5, 10, 15, 30].map((m): [string, DeploymentConfigInfo] => [
    `CodeDeployDefault.LambdaCanary10Percent${m}Minutes`,
    {
      deploymentConfigName: `CodeDeployDefault.LambdaCanary10Percent${m}Minutes`,
      computePlatform: 'Lambda',
      trafficRoutingConfig: {
        type: 'TimeBasedCanary',
        timeBasedCanary: { canaryPercentage: 10, canaryInterval: m },
      },
    },
  ]),
  ...(
    [
      ['1Minute', 1],
      ['2Minutes', 2],
      ['3Minutes', 3],
      ['10Minutes', 10],
    ] as const
  ).map(([suffix, m]): [string, DeploymentConfigInfo] => [
    `CodeDeployDefault.LambdaLinear10PercentEvery${suffix}`,
    {
      deploymentConfigName: `CodeDeployDefault.LambdaLinear10PercentEvery${suffix}`,
      computePlatform: 'Lambda',
      trafficRoutingConfig: {
        type: 'TimeBasedLinear',
        timeBasedLinear: { linearPercentage: 10, linearInterval: m },
      },
    },
  ]),
  [
    'CodeDeployDefault.ECSAllAtOnce',
    {
      deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      computePlatform: 'ECS',
      trafficRoutingConfig: { type: 'AllAtOnce' },
    },
  ],
  ...[5, 15].map((m): [string, DeploymentConfigInfo] => [
    `CodeDeployDefault.ECSCanary10Percent${m}Minutes`,
    {
      deploymentConfigName: `CodeDeployDefault.ECSCanary10Percent${m}Minutes`,
      computePlatform: 'ECS',
      trafficRoutingConfig: {
        type: 'TimeBasedCanary',
        timeBasedCanary: { canaryPercentage: 10, canaryInterval: m },
      },
    },
  ]),
  ...[1, 3].map((m): [string, DeploymentConfigInfo] => [
    `CodeDeployDefault.ECSLinear10PercentEvery${m}Minutes`,
    {
      deploymentConfigName: `CodeDeployDefault.ECSLinear10PercentEvery${m}Minutes`,
      computePlatform: 'ECS',
      trafficRoutingConfig: {
        type: 'TimeBasedLinear',
        timeBasedLinear: { linearPercentage: 10, linearInterval: m },
      },
    },
  ]),
];

describe('predefined deployment configs', () => {
  it('there are exactly 17, with unique names', () => {
    expect(PREDEFINED).toHaveLength(17);
    expect(PREDEFINED_DEPLOYMENT_CONFIGS).toHaveLength(17);
    expect(new Set(PREDEFINED_DEPLOYMENT_CONFIGS.map((c) => c.deploymentConfigName)).size).toBe(17);
    expect(PREDEFINED_DEPLOYMENT_CONFIGS.map((c) => c.deploymentConfigName).sort()).toEqual(
      PREDEFINED.map(([name]) => name).sort(),
    );
  });

  it.each(PREDEFINED)('%s has the documented platform and parameters', (name, expected) => {
    expect(getPredefinedConfig(name)).toEqual(expected);
    expect(isPredefinedConfigName(name)).toBe(true);
  });

  it.each([
    ['CodeDeployDefault.LambdaLinear10PercentEvery1Minutes', 'Lambda uses the singular "Minute"'],
    ['CodeDeployDefault.ECSLinear10PercentEvery1Minute', 'ECS uses the plural "Minutes"'],
    ['codedeploydefault.OneAtATime', 'names are case-sensitive'],
    ['CodeDeployDefault.ECSCanary10Percent10Minutes', 'ECS has no 10-minute canary'],
    ['CodeDeployDefault.ECSLinear10PercentEvery2Minutes', 'ECS has no 2-minute linear'],
  ])('%s is not predefined (%s)', (name) => {
    expect(getPredefinedConfig(name)).toBeUndefined();
    expect(isPredefinedConfigName(name)).toBe(false);
  });

  it('no predefined config uses a zonal configuration', () => {
    expect(PREDEFINED_DEPLOYMENT_CONFIGS.filter((c) => c.zonalConfig !== undefined)).toEqual([]);
  });

  it('predefined configs are frozen so no caller can change them', () => {
    const config = getPredefinedConfig('CodeDeployDefault.HalfAtATime');
    expect(() => {
      (config as { minimumHealthyHosts: { value: number } }).minimumHealthyHosts.value = 0;
    }).toThrow(TypeError);
  });
});

describe('effectiveDeploymentConfigName', () => {
  it.each([
    ['Custom.Deploy', 'Group.Config', 'Custom.Deploy'],
    [undefined, 'Group.Config', 'Group.Config'],
    [undefined, undefined, 'CodeDeployDefault.OneAtATime'],
    ['', '', 'CodeDeployDefault.OneAtATime'],
  ])('deployment %s, group %s -> %s', (deployment, group, expected) => {
    expect(effectiveDeploymentConfigName(deployment, group)).toBe(expected);
  });

  it('the default is OneAtATime', () => {
    expect(DEFAULT_DEPLOYMENT_CONFIG_NAME).toBe('CodeDeployDefault.OneAtATime');
  });
});

describe('resolveDeploymentConfig', () => {
  const custom: DeploymentConfigInfo = {
    deploymentConfigName: 'ThreeAtATime',
    computePlatform: 'Server',
    minimumHealthyHosts: { type: 'HOST_COUNT', value: 3 },
  };

  it('finds predefined configs', () => {
    expect(resolveDeploymentConfig('CodeDeployDefault.AllAtOnce', [])?.minimumHealthyHosts).toEqual({
      type: 'HOST_COUNT',
      value: 0,
    });
  });

  it.each([
    ['an array', [custom]],
    ['a map', new Map([['ThreeAtATime', custom]])],
  ])('finds custom configs given as %s', (_kind, customs) => {
    expect(resolveDeploymentConfig('ThreeAtATime', customs)).toBe(custom);
  });

  it('a custom config cannot shadow a predefined name', () => {
    const shadow = { ...custom, deploymentConfigName: 'CodeDeployDefault.AllAtOnce' };
    expect(resolveDeploymentConfig('CodeDeployDefault.AllAtOnce', [shadow])).toEqual(
      getPredefinedConfig('CodeDeployDefault.AllAtOnce'),
    );
  });

  it.each(['Nope', 'CodeDeployDefault.LambdaLinear10PercentEvery1Minutes', ''])(
    'unknown name %j throws DeploymentConfigDoesNotExistException with CodeDeploy-style message',
    (name) => {
      let caught: unknown;
      try {
        resolveDeploymentConfig(name, [custom]);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DeploymentConfigDoesNotExistException);
      expect(caught).toBeInstanceOf(StepDeployError);
      expect((caught as Error).name).toBe('DeploymentConfigDoesNotExistException');
      expect((caught as Error).message).toBe(`No deployment configuration found for name: ${name}`);
    },
  );
});

const server = (extra: Partial<CreateDeploymentConfigInput> = {}): CreateDeploymentConfigInput => ({
  deploymentConfigName: 'My.Config',
  minimumHealthyHosts: { type: 'HOST_COUNT', value: 2 },
  ...extra,
});
const routed = (
  computePlatform: 'Lambda' | 'ECS',
  trafficRoutingConfig: CreateDeploymentConfigInput['trafficRoutingConfig'],
): CreateDeploymentConfigInput => ({
  deploymentConfigName: 'My.Config',
  computePlatform,
  trafficRoutingConfig,
});
const canary = (canaryPercentage: number, canaryInterval: number) => ({
  type: 'TimeBasedCanary' as const,
  timeBasedCanary: { canaryPercentage, canaryInterval },
});
const linear = (linearPercentage: number, linearInterval: number) => ({
  type: 'TimeBasedLinear' as const,
  timeBasedLinear: { linearPercentage, linearInterval },
});

describe('validateCustomDeploymentConfig accepts', () => {
  it.each<[string, CreateDeploymentConfigInput]>([
    ['a 1-character name', server({ deploymentConfigName: 'a' })],
    ['a 100-character name', server({ deploymentConfigName: 'x'.repeat(100) })],
    ['every allowed name character', server({ deploymentConfigName: 'Az09._+=,@-' })],
    ['HOST_COUNT 0', server({ minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 } })],
    ['a large HOST_COUNT', server({ minimumHealthyHosts: { type: 'HOST_COUNT', value: 5000 } })],
    ['FLEET_PERCENT 0 (all at once)', server({ minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 0 } })],
    ['FLEET_PERCENT 99', server({ minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 99 } })],
    ['an explicit Server platform', server({ computePlatform: 'Server' })],
    [
      'a zonal config with durations 0 and 1',
      server({ zonalConfig: { monitorDurationInSeconds: 0, firstZoneMonitorDurationInSeconds: 1 } }),
    ],
    [
      'a zonal per-zone minimum',
      server({ zonalConfig: { minimumHealthyHostsPerZone: { type: 'FLEET_PERCENT', value: 99 } } }),
    ],
    ['Lambda AllAtOnce', routed('Lambda', { type: 'AllAtOnce' })],
    ['Lambda canary 1%', routed('Lambda', canary(1, 1))],
    ['Lambda canary 99% after 2880 minutes', routed('Lambda', canary(99, 2880))],
    ['Lambda linear 10% every 320 minutes (9 waits = 2880 minutes)', routed('Lambda', linear(10, 320))],
    ['Lambda linear 50% every 2880 minutes (1 wait)', routed('Lambda', linear(50, 2880))],
    ['ECS linear 1% every minute', routed('ECS', linear(1, 1))],
    [
      'ECS canary 10% after 3000 minutes (the 2880-minute window is a Lambda limit)',
      routed('ECS', canary(10, 3000)),
    ],
  ])('%s', (_label, input) => {
    const config = validateCustomDeploymentConfig(input);
    expect(config.deploymentConfigName).toBe(input.deploymentConfigName);
    expect(config.computePlatform).toBe(input.computePlatform ?? 'Server');
  });

  it('defaults the platform to Server and keeps only the modelled fields', () => {
    const input = {
      ...server(),
      minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 25, extra: true },
    } as unknown as CreateDeploymentConfigInput;
    expect(validateCustomDeploymentConfig(input)).toEqual({
      deploymentConfigName: 'My.Config',
      computePlatform: 'Server',
      minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 25 },
    });
  });
});

describe('validateCustomDeploymentConfig rejects', () => {
  it.each<[string, CreateDeploymentConfigInput, string]>([
    ['an empty name', server({ deploymentConfigName: '' }), 'DeploymentConfigNameRequiredException'],
    [
      'a 101-character name',
      server({ deploymentConfigName: 'x'.repeat(101) }),
      'InvalidDeploymentConfigNameException',
    ],
    [
      'a space in the name',
      server({ deploymentConfigName: 'my config' }),
      'InvalidDeploymentConfigNameException',
    ],
    [
      'a slash in the name',
      server({ deploymentConfigName: 'my/config' }),
      'InvalidDeploymentConfigNameException',
    ],
    [
      'the reserved CodeDeployDefault. prefix',
      server({ deploymentConfigName: 'CodeDeployDefault.Mine' }),
      'InvalidDeploymentConfigNameException',
    ],
    [
      'an unknown platform',
      server({ computePlatform: 'Fargate' as never }),
      'InvalidComputePlatformException',
    ],
    [
      'HOST_COUNT -1',
      server({ minimumHealthyHosts: { type: 'HOST_COUNT', value: -1 } }),
      'InvalidMinimumHealthyHostValueException',
    ],
    [
      'FLEET_PERCENT 100',
      server({ minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 100 } }),
      'InvalidMinimumHealthyHostValueException',
    ],
    [
      'FLEET_PERCENT -1',
      server({ minimumHealthyHosts: { type: 'FLEET_PERCENT', value: -1 } }),
      'InvalidMinimumHealthyHostValueException',
    ],
    [
      'a fractional value',
      server({ minimumHealthyHosts: { type: 'HOST_COUNT', value: 1.5 } }),
      'InvalidMinimumHealthyHostValueException',
    ],
    [
      'the unsettable MOST_CONCURRENCY type',
      server({ minimumHealthyHosts: { type: 'MOST_CONCURRENCY', value: 1 } }),
      'InvalidMinimumHealthyHostValueException',
    ],
    [
      'a Server config without minimumHealthyHosts [unverified: safer to require it]',
      { deploymentConfigName: 'My.Config', computePlatform: 'Server' },
      'InvalidMinimumHealthyHostValueException',
    ],
    [
      'trafficRoutingConfig on Server',
      server({ trafficRoutingConfig: { type: 'AllAtOnce' } }),
      'InvalidTrafficRoutingConfigurationException',
    ],
    [
      'minimumHealthyHosts on Lambda',
      { ...routed('Lambda', { type: 'AllAtOnce' }), minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 } },
      'InvalidMinimumHealthyHostValueException',
    ],
    [
      'zonalConfig on ECS',
      { ...routed('ECS', { type: 'AllAtOnce' }), zonalConfig: { monitorDurationInSeconds: 60 } },
      'InvalidZonalDeploymentConfigurationException',
    ],
    [
      'a Lambda config without trafficRoutingConfig [unverified: safer to require it]',
      { deploymentConfigName: 'My.Config', computePlatform: 'Lambda' },
      'InvalidTrafficRoutingConfigurationException',
    ],
    [
      'an unknown routing type',
      routed('Lambda', { type: 'Blue' as never }),
      'InvalidTrafficRoutingConfigurationException',
    ],
    ['canary 0%', routed('Lambda', canary(0, 5)), 'InvalidTrafficRoutingConfigurationException'],
    ['canary 100%', routed('ECS', canary(100, 5)), 'InvalidTrafficRoutingConfigurationException'],
    ['linear 0%', routed('ECS', linear(0, 5)), 'InvalidTrafficRoutingConfigurationException'],
    ['linear 100%', routed('Lambda', linear(100, 5)), 'InvalidTrafficRoutingConfigurationException'],
    [
      'a canary interval of 0 minutes [unverified: safer to require >= 1]',
      routed('Lambda', canary(10, 0)),
      'InvalidTrafficRoutingConfigurationException',
    ],
    [
      'a Lambda canary after 2881 minutes',
      routed('Lambda', canary(10, 2881)),
      'InvalidTrafficRoutingConfigurationException',
    ],
    [
      'a Lambda linear 10% every 321 minutes (9 waits = 2889 minutes)',
      routed('Lambda', linear(10, 321)),
      'InvalidTrafficRoutingConfigurationException',
    ],
    [
      'TimeBasedCanary without timeBasedCanary',
      routed('Lambda', {
        type: 'TimeBasedCanary',
        timeBasedLinear: { linearPercentage: 10, linearInterval: 1 },
      }),
      'InvalidTrafficRoutingConfigurationException',
    ],
    [
      'AllAtOnce with a timeBasedLinear block',
      routed('Lambda', { type: 'AllAtOnce', timeBasedLinear: { linearPercentage: 10, linearInterval: 1 } }),
      'InvalidTrafficRoutingConfigurationException',
    ],
    [
      'a negative monitor duration',
      server({ zonalConfig: { monitorDurationInSeconds: -1 } }),
      'InvalidZonalDeploymentConfigurationException',
    ],
    [
      'a fractional first-zone duration (durations are 0 or >= 1 whole seconds)',
      server({ zonalConfig: { firstZoneMonitorDurationInSeconds: 0.5 } }),
      'InvalidZonalDeploymentConfigurationException',
    ],
    [
      'a per-zone FLEET_PERCENT of 100',
      server({ zonalConfig: { minimumHealthyHostsPerZone: { type: 'FLEET_PERCENT', value: 100 } } }),
      'InvalidZonalDeploymentConfigurationException',
    ],
    [
      'a per-zone MOST_CONCURRENCY type',
      server({
        zonalConfig: { minimumHealthyHostsPerZone: { type: 'MOST_CONCURRENCY' as never, value: 1 } },
      }),
      'InvalidZonalDeploymentConfigurationException',
    ],
  ])('%s', (_label, input, errorName) => {
    let caught: unknown;
    try {
      validateCustomDeploymentConfig(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StepDeployError);
    expect((caught as Error).name).toBe(errorName);
  });
});
