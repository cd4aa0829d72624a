/**
 * Deployment configurations: the 17 predefined `CodeDeployDefault.*` configs, name resolution, and
 * the validation CreateDeploymentConfig applies to a custom config (reference §3.1, §3.2, §4.3).
 * Shapes mirror the API's `DeploymentConfigInfo`.
 */
import {
  DeploymentConfigDoesNotExistException,
  DeploymentConfigNameRequiredException,
  InvalidComputePlatformException,
  InvalidDeploymentConfigNameException,
  InvalidMinimumHealthyHostValueException,
  InvalidTrafficRoutingConfigurationException,
  InvalidZonalDeploymentConfigurationException,
} from './errors.js';

export const COMPUTE_PLATFORMS = ['Server', 'Lambda', 'ECS'] as const;
export type ComputePlatform = (typeof COMPUTE_PLATFORMS)[number];

/** `MOST_CONCURRENCY` is what GetDeploymentConfig reports for OneAtATime; it cannot be set. */
export type MinimumHealthyHostsType = 'HOST_COUNT' | 'FLEET_PERCENT' | 'MOST_CONCURRENCY';
export interface MinimumHealthyHosts {
  type: MinimumHealthyHostsType;
  value: number;
}

export const TRAFFIC_ROUTING_TYPES = ['TimeBasedCanary', 'TimeBasedLinear', 'AllAtOnce'] as const;
export type TrafficRoutingType = (typeof TRAFFIC_ROUTING_TYPES)[number];
export interface TimeBasedCanary {
  canaryPercentage: number;
  /** Minutes between the first and the second shift. */
  canaryInterval: number;
}
export interface TimeBasedLinear {
  linearPercentage: number;
  /** Minutes between increments. */
  linearInterval: number;
}
export interface TrafficRoutingConfig {
  type: TrafficRoutingType;
  timeBasedCanary?: TimeBasedCanary;
  timeBasedLinear?: TimeBasedLinear;
}

export interface MinimumHealthyHostsPerZone {
  type: 'HOST_COUNT' | 'FLEET_PERCENT';
  value: number;
}
export interface ZonalConfig {
  firstZoneMonitorDurationInSeconds?: number;
  monitorDurationInSeconds?: number;
  minimumHealthyHostsPerZone?: MinimumHealthyHostsPerZone;
}

export interface DeploymentConfigInfo {
  deploymentConfigName: string;
  computePlatform: ComputePlatform;
  minimumHealthyHosts?: MinimumHealthyHosts;
  trafficRoutingConfig?: TrafficRoutingConfig;
  zonalConfig?: ZonalConfig;
  deploymentConfigId?: string;
  /** Epoch seconds, as the API returns it. */
  createTime?: number;
}

/** CreateDeploymentConfig input; `computePlatform` defaults to Server. */
export interface CreateDeploymentConfigInput {
  deploymentConfigName: string;
  computePlatform?: ComputePlatform;
  minimumHealthyHosts?: MinimumHealthyHosts;
  trafficRoutingConfig?: TrafficRoutingConfig;
  zonalConfig?: ZonalConfig;
}

export const PREDEFINED_CONFIG_PREFIX = 'CodeDeployDefault.';
/** Used when neither the deployment nor its group names a config. */
export const DEFAULT_DEPLOYMENT_CONFIG_NAME = 'CodeDeployDefault.OneAtATime';
/** Lambda canary/linear: at most this many minutes between the first and the last shift. */
export const MAX_LAMBDA_TRAFFIC_WINDOW_MINUTES = 2880;
export const MAX_DEPLOYMENT_CONFIG_NAME_LENGTH = 100;

const server = (name: string, minimumHealthyHosts: MinimumHealthyHosts): DeploymentConfigInfo => ({
  deploymentConfigName: PREDEFINED_CONFIG_PREFIX + name,
  computePlatform: 'Server',
  minimumHealthyHosts,
});
const routed = (
  platform: 'Lambda' | 'ECS',
  name: string,
  trafficRoutingConfig: TrafficRoutingConfig,
): DeploymentConfigInfo => ({
  deploymentConfigName: PREDEFINED_CONFIG_PREFIX + name,
  computePlatform: platform,
  trafficRoutingConfig,
});
const allAtOnce = (): TrafficRoutingConfig => ({ type: 'AllAtOnce' });
const canary = (canaryPercentage: number, canaryInterval: number): TrafficRoutingConfig => ({
  type: 'TimeBasedCanary',
  timeBasedCanary: { canaryPercentage, canaryInterval },
});
const linear = (linearPercentage: number, linearInterval: number): TrafficRoutingConfig => ({
  type: 'TimeBasedLinear',
  timeBasedLinear: { linearPercentage, linearInterval },
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The 17 predefined configs, as GetDeploymentConfig reports them (frozen). */
export const PREDEFINED_DEPLOYMENT_CONFIGS: readonly DeploymentConfigInfo[] = deepFreeze([
  server('OneAtATime', { type: 'MOST_CONCURRENCY', value: 1 }),
  server('HalfAtATime', { type: 'FLEET_PERCENT', value: 50 }),
  server('AllAtOnce', { type: 'HOST_COUNT', value: 0 }),
  routed('Lambda', 'LambdaAllAtOnce', allAtOnce()),
  routed('Lambda', 'LambdaCanary10Percent5Minutes', canary(10, 5)),
  routed('Lambda', 'LambdaCanary10Percent10Minutes', canary(10, 10)),
  routed('Lambda', 'LambdaCanary10Percent15Minutes', canary(10, 15)),
  routed('Lambda', 'LambdaCanary10Percent30Minutes', canary(10, 30)),
  routed('Lambda', 'LambdaLinear10PercentEvery1Minute', linear(10, 1)),
  routed('Lambda', 'LambdaLinear10PercentEvery2Minutes', linear(10, 2)),
  routed('Lambda', 'LambdaLinear10PercentEvery3Minutes', linear(10, 3)),
  routed('Lambda', 'LambdaLinear10PercentEvery10Minutes', linear(10, 10)),
  routed('ECS', 'ECSAllAtOnce', allAtOnce()),
  routed('ECS', 'ECSCanary10Percent5Minutes', canary(10, 5)),
  routed('ECS', 'ECSCanary10Percent15Minutes', canary(10, 15)),
  routed('ECS', 'ECSLinear10PercentEvery1Minutes', linear(10, 1)),
  routed('ECS', 'ECSLinear10PercentEvery3Minutes', linear(10, 3)),
]);

const PREDEFINED_BY_NAME = new Map(PREDEFINED_DEPLOYMENT_CONFIGS.map((c) => [c.deploymentConfigName, c]));

/** Exact, case-sensitive match on a predefined name; undefined for anything else. */
export function getPredefinedConfig(name: string): DeploymentConfigInfo | undefined {
  return PREDEFINED_BY_NAME.get(name);
}

export function isPredefinedConfigName(name: string): boolean {
  return PREDEFINED_BY_NAME.has(name);
}

/** CreateDeployment's fallback: the deployment's config, else the group's, else OneAtATime. */
export function effectiveDeploymentConfigName(
  deploymentConfigName?: string,
  groupConfigName?: string,
): string {
  return deploymentConfigName || groupConfigName || DEFAULT_DEPLOYMENT_CONFIG_NAME;
}

/**
 * Looks a name up among the predefined configs first (their prefix is reserved, so a custom config
 * can never shadow one), then among the custom configs.
 */
export function resolveDeploymentConfig(
  name: string,
  customConfigs: readonly DeploymentConfigInfo[] | ReadonlyMap<string, DeploymentConfigInfo> = [],
): DeploymentConfigInfo {
  const predefined = getPredefinedConfig(name);
  if (predefined) return predefined;
  const custom = Array.isArray(customConfigs)
    ? customConfigs.find((c) => c.deploymentConfigName === name)
    : (customConfigs as ReadonlyMap<string, DeploymentConfigInfo>).get(name);
  if (custom) return custom;
  throw new DeploymentConfigDoesNotExistException(`No deployment configuration found for name: ${name}`);
}

const NAME_PATTERN = /^[A-Za-z0-9._+=,@-]+$/;

export function validateDeploymentConfigName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new DeploymentConfigNameRequiredException('Deployment config name is required');
  }
  if (name.length > MAX_DEPLOYMENT_CONFIG_NAME_LENGTH || !NAME_PATTERN.test(name)) {
    throw new InvalidDeploymentConfigNameException(
      `Deployment config name must be 1-100 characters of [A-Za-z0-9._+=,@-]: ${name}`,
    );
  }
  if (name.startsWith(PREDEFINED_CONFIG_PREFIX)) {
    throw new InvalidDeploymentConfigNameException(
      `Deployment config name cannot start with the reserved prefix ${PREDEFINED_CONFIG_PREFIX}: ${name}`,
    );
  }
  return name;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function checkHealthyHosts(
  spec: { type?: unknown; value?: unknown },
  what: string,
  fail: (message: string) => Error,
): void {
  const { type, value } = spec;
  if (type !== 'HOST_COUNT' && type !== 'FLEET_PERCENT') {
    throw fail(`${what} type must be HOST_COUNT or FLEET_PERCENT, got ${String(type)}`);
  }
  if (!isInt(value) || value < 0) throw fail(`${what} value must be an integer >= 0, got ${String(value)}`);
  if (type === 'FLEET_PERCENT' && value > 99) {
    throw fail(`${what} FLEET_PERCENT value must be less than 100, got ${value}`);
  }
}

function checkTrafficRouting(platform: 'Lambda' | 'ECS', config: TrafficRoutingConfig): void {
  const fail = (message: string) => new InvalidTrafficRoutingConfigurationException(message);
  const { type, timeBasedCanary, timeBasedLinear } = config;
  if (!TRAFFIC_ROUTING_TYPES.includes(type)) {
    throw fail(
      `Traffic routing type must be one of ${TRAFFIC_ROUTING_TYPES.join(', ')}, got ${String(type)}`,
    );
  }
  if (type !== 'TimeBasedCanary' && timeBasedCanary !== undefined) {
    throw fail(`timeBasedCanary is only allowed with type TimeBasedCanary, not ${type}`);
  }
  if (type !== 'TimeBasedLinear' && timeBasedLinear !== undefined) {
    throw fail(`timeBasedLinear is only allowed with type TimeBasedLinear, not ${type}`);
  }
  if (type === 'AllAtOnce') return;
  const [percentage, interval, label] =
    type === 'TimeBasedCanary'
      ? [timeBasedCanary?.canaryPercentage, timeBasedCanary?.canaryInterval, 'canary']
      : [timeBasedLinear?.linearPercentage, timeBasedLinear?.linearInterval, 'linear'];
  if (!isInt(percentage) || percentage < 1 || percentage > 99) {
    throw fail(`The ${label} percentage must be an integer from 1 to 99, got ${String(percentage)}`);
  }
  if (!isInt(interval) || interval < 1) {
    throw fail(`The ${label} interval must be an integer number of minutes >= 1, got ${String(interval)}`);
  }
  // Minutes between the first and the last shift: one wait for a canary, one per increment but the
  // last for a linear config.
  const window = type === 'TimeBasedCanary' ? interval : (Math.ceil(100 / percentage) - 1) * interval;
  if (platform === 'Lambda' && window > MAX_LAMBDA_TRAFFIC_WINDOW_MINUTES) {
    throw fail(
      `Traffic shifting must complete within ${MAX_LAMBDA_TRAFFIC_WINDOW_MINUTES} minutes of the first shift, got ${window}`,
    );
  }
}

function checkZonal(zonal: ZonalConfig): void {
  const fail = (message: string) => new InvalidZonalDeploymentConfigurationException(message);
  for (const key of ['firstZoneMonitorDurationInSeconds', 'monitorDurationInSeconds'] as const) {
    const value = zonal[key];
    if (value !== undefined && (!isInt(value) || value < 0)) {
      throw fail(`${key} must be 0 or a whole number of seconds >= 1, got ${String(value)}`);
    }
  }
  if (zonal.minimumHealthyHostsPerZone !== undefined) {
    checkHealthyHosts(zonal.minimumHealthyHostsPerZone, 'minimumHealthyHostsPerZone', fail);
  }
}

/**
 * Validates a CreateDeploymentConfig input and returns the config it defines (platform defaulted to
 * Server). Throws the named CodeDeploy exception for the first rule broken.
 */
export function validateCustomDeploymentConfig(input: CreateDeploymentConfigInput): DeploymentConfigInfo {
  const deploymentConfigName = validateDeploymentConfigName(input.deploymentConfigName);
  const computePlatform = input.computePlatform ?? 'Server';
  if (!COMPUTE_PLATFORMS.includes(computePlatform)) {
    throw new InvalidComputePlatformException(
      `Compute platform must be one of ${COMPUTE_PLATFORMS.join(', ')}, got ${String(computePlatform)}`,
    );
  }
  const { minimumHealthyHosts, trafficRoutingConfig, zonalConfig } = input;
  if (computePlatform === 'Server') {
    if (trafficRoutingConfig !== undefined) {
      throw new InvalidTrafficRoutingConfigurationException(
        'trafficRoutingConfig is only allowed for the Lambda and ECS compute platforms',
      );
    }
    if (minimumHealthyHosts === undefined) {
      throw new InvalidMinimumHealthyHostValueException(
        'minimumHealthyHosts is required for the Server compute platform',
      );
    }
    checkHealthyHosts(
      minimumHealthyHosts,
      'minimumHealthyHosts',
      (message) => new InvalidMinimumHealthyHostValueException(message),
    );
    if (zonalConfig !== undefined) checkZonal(zonalConfig);
    return {
      deploymentConfigName,
      computePlatform,
      minimumHealthyHosts: { type: minimumHealthyHosts.type, value: minimumHealthyHosts.value },
      ...(zonalConfig ? { zonalConfig: copyZonal(zonalConfig) } : {}),
    };
  }
  if (minimumHealthyHosts !== undefined) {
    throw new InvalidMinimumHealthyHostValueException(
      'minimumHealthyHosts is only allowed for the Server compute platform',
    );
  }
  if (zonalConfig !== undefined) {
    throw new InvalidZonalDeploymentConfigurationException(
      'zonalConfig is only allowed for the Server compute platform',
    );
  }
  if (trafficRoutingConfig === undefined) {
    throw new InvalidTrafficRoutingConfigurationException(
      `trafficRoutingConfig is required for the ${computePlatform} compute platform`,
    );
  }
  checkTrafficRouting(computePlatform, trafficRoutingConfig);
  return { deploymentConfigName, computePlatform, trafficRoutingConfig: copyRouting(trafficRoutingConfig) };
}

/** Copies of validated parts, so a stored config carries no stray input fields. */
function copyRouting({
  type,
  timeBasedCanary: c,
  timeBasedLinear: l,
}: TrafficRoutingConfig): TrafficRoutingConfig {
  if (type === 'TimeBasedCanary' && c) {
    return {
      type,
      timeBasedCanary: { canaryPercentage: c.canaryPercentage, canaryInterval: c.canaryInterval },
    };
  }
  if (type === 'TimeBasedLinear' && l) {
    return {
      type,
      timeBasedLinear: { linearPercentage: l.linearPercentage, linearInterval: l.linearInterval },
    };
  }
  return { type };
}

function copyZonal(zonal: ZonalConfig): ZonalConfig {
  const { firstZoneMonitorDurationInSeconds: first, monitorDurationInSeconds: monitor } = zonal;
  const perZone = zonal.minimumHealthyHostsPerZone;
  return {
    ...(first !== undefined ? { firstZoneMonitorDurationInSeconds: first } : {}),
    ...(monitor !== undefined ? { monitorDurationInSeconds: monitor } : {}),
    ...(perZone ? { minimumHealthyHostsPerZone: { type: perZone.type, value: perZone.value } } : {}),
  };
}
