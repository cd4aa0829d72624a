import {
  DeregisterTargetsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
  type ElasticLoadBalancingV2Client,
  type TargetDescription,
  type TargetHealth,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancerPort, TargetGroupTimings, TargetHealthState } from '../../ports/load-balancer.js';
import { AwsServiceError, callAws, ResourceNotFoundError } from './errors.js';

/** What Elbv2LoadBalancer calls; the stack grants exactly these (checked by iam-actions.test.ts). */
export const ELBV2_LOAD_BALANCER_IAM_ACTIONS = [
  'elasticloadbalancing:RegisterTargets',
  'elasticloadbalancing:DeregisterTargets',
  'elasticloadbalancing:DescribeTargetHealth',
  'elasticloadbalancing:DescribeTargetGroups',
  'elasticloadbalancing:DescribeTargetGroupAttributes',
] as const;

/** ELBv2's defaults, for what a target group does not say. */
const DEFAULT_TIMINGS: TargetGroupTimings = {
  deregistrationDelaySeconds: 300,
  healthCheckIntervalSeconds: 30,
  healthyThresholdCount: 5,
};

/** The SDK's lower-case id for ELBv2 (its signing name); the local load balancer's errors use it too. */
const SERVICE = 'elasticloadbalancing';

export interface Elbv2LoadBalancerOptions {
  /** The port instances are registered on; without it ELBv2 uses the target group's port. */
  port?: number;
}

/**
 * When an instance is described more than once (registered on several ports), the state furthest
 * from settled wins: a wait for `healthy` or for `unused` must not end while one registration lags.
 */
const PRECEDENCE: readonly TargetHealthState[] = [
  'unhealthy',
  'unavailable',
  'initial',
  'draining',
  'healthy',
  'unused',
];

function stateOf(health: TargetHealth | undefined): TargetHealthState {
  // ELBv2 describes an instance that is not registered as `unused` with reason Target.NotRegistered.
  if (health?.Reason === 'Target.NotRegistered') return 'unused';
  switch (health?.State) {
    case 'initial':
    case 'healthy':
    case 'unhealthy':
    case 'unused':
    case 'draining':
    case 'unavailable':
      return health.State;
    case 'unhealthy.draining':
      // An unhealthy target that still drains its connections: it is leaving, not serving.
      return 'draining';
    default:
      return 'unavailable';
  }
}

function furthestFromSettled(a: TargetHealthState | undefined, b: TargetHealthState): TargetHealthState {
  if (a === undefined) return b;
  return PRECEDENCE.indexOf(a) <= PRECEDENCE.indexOf(b) ? a : b;
}

/**
 * Registers and deregisters instances on ELBv2 target groups (ALB and NLB, instance target type).
 * A target group is named by its ARN; a plain name (as CodeDeploy's `targetGroupInfoList` holds) is
 * resolved to its ARN once with DescribeTargetGroups.
 */
export class Elbv2LoadBalancer implements LoadBalancerPort {
  private readonly arns = new Map<string, string>();
  private readonly timings = new Map<string, TargetGroupTimings>();

  constructor(
    private readonly client: ElasticLoadBalancingV2Client,
    private readonly options: Elbv2LoadBalancerOptions = {},
  ) {}

  async registerTargets(targetGroup: string, instanceIds: readonly string[]): Promise<void> {
    if (instanceIds.length === 0) return;
    const TargetGroupArn = await this.arnOf(targetGroup);
    await this.call('RegisterTargets', targetGroup, instanceIds, () =>
      this.client.send(new RegisterTargetsCommand({ TargetGroupArn, Targets: this.targets(instanceIds) })),
    );
  }

  async deregisterTargets(targetGroup: string, instanceIds: readonly string[]): Promise<void> {
    if (instanceIds.length === 0) return;
    const TargetGroupArn = await this.arnOf(targetGroup);
    await this.call('DeregisterTargets', targetGroup, instanceIds, () =>
      this.client.send(new DeregisterTargetsCommand({ TargetGroupArn, Targets: this.targets(instanceIds) })),
    );
  }

  /** Every asked instance gets a state; one ELBv2 does not describe is not registered: `unused`. */
  async describeTargetHealth(
    targetGroup: string,
    instanceIds: readonly string[],
  ): Promise<Map<string, TargetHealthState>> {
    const states = new Map<string, TargetHealthState>();
    if (instanceIds.length === 0) return states;
    const TargetGroupArn = await this.arnOf(targetGroup);
    const response = await this.call('DescribeTargetHealth', targetGroup, instanceIds, () =>
      this.client.send(
        new DescribeTargetHealthCommand({ TargetGroupArn, Targets: this.targets(instanceIds) }),
      ),
    );
    const asked = new Set(instanceIds);
    for (const description of response.TargetHealthDescriptions ?? []) {
      const id = description.Target?.Id;
      if (id === undefined || !asked.has(id)) continue;
      const port = description.Target?.Port;
      if (this.options.port !== undefined && port !== undefined && port !== this.options.port) continue;
      states.set(id, furthestFromSettled(states.get(id), stateOf(description.TargetHealth)));
    }
    for (const id of instanceIds) if (!states.has(id)) states.set(id, 'unused');
    return states;
  }

  /**
   * How long draining and health checks take on the group: its deregistration delay (an attribute)
   * and its health-check interval and healthy threshold. Read once per target group and function.
   */
  async describeTargetGroupTimings(targetGroup: string): Promise<TargetGroupTimings> {
    const known = this.timings.get(targetGroup);
    if (known) return known;
    const TargetGroupArn = await this.arnOf(targetGroup);
    const groups = await this.call('DescribeTargetGroups', targetGroup, [], () =>
      this.client.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [TargetGroupArn] })),
    );
    const attributes = await this.call('DescribeTargetGroupAttributes', targetGroup, [], () =>
      this.client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn })),
    );
    const group = groups.TargetGroups?.[0];
    const delay = attributes.Attributes?.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value;
    const timings: TargetGroupTimings = {
      deregistrationDelaySeconds:
        delay !== undefined && Number.isFinite(Number(delay))
          ? Number(delay)
          : DEFAULT_TIMINGS.deregistrationDelaySeconds,
      healthCheckIntervalSeconds:
        group?.HealthCheckIntervalSeconds ?? DEFAULT_TIMINGS.healthCheckIntervalSeconds,
      healthyThresholdCount: group?.HealthyThresholdCount ?? DEFAULT_TIMINGS.healthyThresholdCount,
    };
    this.timings.set(targetGroup, timings);
    return timings;
  }

  private targets(instanceIds: readonly string[]): TargetDescription[] {
    const { port } = this.options;
    return [...new Set(instanceIds)].map((Id) => (port === undefined ? { Id } : { Id, Port: port }));
  }

  private async arnOf(targetGroup: string): Promise<string> {
    if (targetGroup.startsWith('arn:')) return targetGroup;
    const known = this.arns.get(targetGroup);
    if (known !== undefined) return known;
    const response = await this.call('DescribeTargetGroups', targetGroup, [], () =>
      this.client.send(new DescribeTargetGroupsCommand({ Names: [targetGroup] })),
    );
    const arn = response.TargetGroups?.find((group) => group.TargetGroupName === targetGroup)?.TargetGroupArn;
    if (arn === undefined)
      throw new ResourceNotFoundError(`The target group ${targetGroup} does not exist.`, targetGroup);
    this.arns.set(targetGroup, arn);
    return arn;
  }

  /** `callAws`, with ELBv2's not-found and invalid-target answers made explicit. */
  private async call<T>(
    operation: string,
    targetGroup: string,
    instanceIds: readonly string[],
    send: () => Promise<T>,
  ): Promise<T> {
    try {
      return await callAws({ service: SERVICE, operation, resource: targetGroup }, send);
    } catch (error) {
      if (!(error instanceof AwsServiceError)) throw error;
      const cause = { cause: error.cause ?? error };
      if (error.code === 'TargetGroupNotFoundException') {
        throw new ResourceNotFoundError(
          `The target group ${targetGroup} does not exist (${error.message}).`,
          targetGroup,
          cause,
        );
      }
      if (error.code === 'InvalidTargetException') {
        // Kept an AwsServiceError with ELBv2's code (as the local load balancer raises it), naming
        // the instances: ELBv2 says only that some target is not in the VPC, not running, or unknown.
        throw new AwsServiceError(
          `${operation} on ${targetGroup} refused the instances ${instanceIds.join(', ')}: ${error.message}`,
          error.code,
          error.context,
          error.httpStatusCode,
          cause,
        );
      }
      throw error;
    }
  }
}
