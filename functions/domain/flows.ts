/**
 * A deployment flow is a compute platform deployed one way: CodeDeploy's `computePlatform` x
 * `deploymentStyle.deploymentType`. Each flow has its own state machine; this module says which keys
 * exist and what a key means, the flow registry (functions/flows/) says how each one runs.
 */
import { COMPUTE_PLATFORMS, type ComputePlatform } from './deployment-configs.js';
import { InvalidComputePlatformException, InvalidDeploymentStyleException } from './errors.js';

export const DEPLOYMENT_TYPES = ['IN_PLACE', 'BLUE_GREEN'] as const;
export type DeploymentType = (typeof DEPLOYMENT_TYPES)[number];

export const DEPLOYMENT_OPTIONS = ['WITH_TRAFFIC_CONTROL', 'WITHOUT_TRAFFIC_CONTROL'] as const;
export type DeploymentOption = (typeof DEPLOYMENT_OPTIONS)[number];

/** CodeDeploy's DeploymentStyle (DeploymentGroupInfo and DeploymentInfo). */
export interface DeploymentStyle {
  deploymentType?: DeploymentType;
  deploymentOption?: DeploymentOption;
}

export interface FlowKey {
  computePlatform: ComputePlatform;
  deploymentType: DeploymentType;
}

/** `Lambda:BLUE_GREEN`: a key as one string (environment maps, messages). */
export type FlowId = `${ComputePlatform}:${DeploymentType}`;

export function flowId(key: FlowKey): FlowId {
  return `${key.computePlatform}:${key.deploymentType}`;
}

/**
 * CodeDeploy's defaults: EC2/On-Premises groups deploy in place unless their style says blue/green;
 * every Lambda and ECS deployment is blue/green (reference §5.2, CreateDeploymentGroup).
 */
const DEFAULT_DEPLOYMENT_TYPE: Record<ComputePlatform, DeploymentType> = {
  Server: 'IN_PLACE',
  Lambda: 'BLUE_GREEN',
  ECS: 'BLUE_GREEN',
};

/** What a flow key is read from: a deployment group, or a deployment made for one. */
export interface FlowSource {
  computePlatform: string;
  deploymentStyle?: { deploymentType?: string } | undefined;
}

/**
 * The flow a group (or a deployment) runs on. An unknown platform or deployment type, or a
 * combination CodeDeploy refuses (Lambda or ECS in place), is a named error, never a default.
 */
export function flowKeyOf(source: FlowSource): FlowKey {
  const platform = source.computePlatform;
  if (!isComputePlatform(platform)) {
    throw new InvalidComputePlatformException(
      `The compute platform ${JSON.stringify(platform)} is not one of ${COMPUTE_PLATFORMS.join(', ')}.`,
    );
  }
  const type = source.deploymentStyle?.deploymentType ?? DEFAULT_DEPLOYMENT_TYPE[platform];
  if (!isDeploymentType(type)) {
    throw new InvalidDeploymentStyleException(
      `The deployment type ${JSON.stringify(type)} is not one of ${DEPLOYMENT_TYPES.join(', ')}.`,
    );
  }
  if (platform !== 'Server' && type !== 'BLUE_GREEN') {
    throw new InvalidDeploymentStyleException(
      `${platform} deployments are blue/green: set deploymentStyle.deploymentType to BLUE_GREEN, not ${type}.`,
    );
  }
  return { computePlatform: platform, deploymentType: type };
}

export function sameFlow(a: FlowKey, b: FlowKey): boolean {
  return a.computePlatform === b.computePlatform && a.deploymentType === b.deploymentType;
}

/**
 * How CodeDeploy rolls a flow back: an in-place deployment by deploying the last successful revision
 * as a new deployment; a blue/green one by sending the traffic back to the original (reference §4.4).
 */
export function rollsBackByRedeploying(key: FlowKey): boolean {
  return key.deploymentType === 'IN_PLACE';
}

function isComputePlatform(value: string): value is ComputePlatform {
  return (COMPUTE_PLATFORMS as readonly string[]).includes(value);
}

function isDeploymentType(value: string): value is DeploymentType {
  return (DEPLOYMENT_TYPES as readonly string[]).includes(value);
}
