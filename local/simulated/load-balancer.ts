/**
 * A simulated ELBv2 target group set behind the LoadBalancerPort, with ELB's timings and no traffic:
 * a registered target is `initial` until it has passed `healthyThresholdCount` health checks, one
 * every `healthCheckIntervalSeconds` (then `healthy`); a deregistered one is `draining` for the
 * deregistration delay (then `unused`, no longer registered). States are computed from the clock, so
 * a fleet of any size costs nothing while it waits. Defaults are AWS's: a 300 s delay, checks every
 * 30 s, healthy after 5. Instances named `stopped` are refused (InvalidTargetException), as ELBv2
 * refuses a stopped instance, and instances named `unhealthy` never pass their checks.
 */
import { AwsServiceError } from '../../functions/adapters/aws/errors.js';
import type { TargetGroupTimings } from '../../functions/domain/target-polls.js';
import type { LoadBalancerPort, TargetHealthState } from '../../functions/ports/load-balancer.js';
import type { SimulationTimers } from './timers.js';

export const ELB_DEFAULT_TIMINGS: TargetGroupTimings = {
  deregistrationDelaySeconds: 300,
  healthCheckIntervalSeconds: 30,
  healthyThresholdCount: 5,
};

interface Registration {
  registeredAtMs: number;
  deregisteredAtMs?: number;
}

export class SimulatedLoadBalancer implements LoadBalancerPort {
  private readonly groups = new Map<string, Map<string, Registration>>();
  /** Instances ELBv2 would refuse to register (a stopped instance). */
  readonly stopped = new Set<string>();
  /** Instances that never pass a health check. */
  readonly unhealthy = new Set<string>();
  calls = 0;

  constructor(
    private readonly timers: Pick<SimulationTimers, 'now'>,
    private readonly timings: TargetGroupTimings = ELB_DEFAULT_TIMINGS,
  ) {}

  /** Creates a target group whose instances are registered and healthy already (the fleet in service). */
  createTargetGroup(name: string, inService: readonly string[] = []): void {
    const long = this.now() - 24 * 3600 * 1000;
    this.groups.set(name, new Map(inService.map((id) => [id, { registeredAtMs: long }])));
  }

  async registerTargets(targetGroup: string, instanceIds: readonly string[]): Promise<void> {
    this.calls++;
    const group = this.group(targetGroup, 'RegisterTargets');
    const refused = instanceIds.filter((id) => this.stopped.has(id));
    if (refused.length > 0) {
      throw new AwsServiceError(
        `elasticloadbalancing.RegisterTargets (${targetGroup}): InvalidTargetException: The following targets are not in a running state and cannot be registered: '${refused.join("', '")}'`,
        'InvalidTargetException',
        { service: 'elasticloadbalancing', operation: 'RegisterTargets', resource: targetGroup },
        400,
      );
    }
    for (const id of instanceIds) {
      const current = group.get(id);
      if (current && current.deregisteredAtMs === undefined) continue;
      group.set(id, { registeredAtMs: this.now() });
    }
  }

  async deregisterTargets(targetGroup: string, instanceIds: readonly string[]): Promise<void> {
    this.calls++;
    const group = this.group(targetGroup, 'DeregisterTargets');
    for (const id of instanceIds) {
      const current = group.get(id);
      if (current && current.deregisteredAtMs === undefined) current.deregisteredAtMs = this.now();
    }
  }

  async describeTargetHealth(
    targetGroup: string,
    instanceIds: readonly string[],
  ): Promise<Map<string, TargetHealthState>> {
    this.calls++;
    const group = this.group(targetGroup, 'DescribeTargetHealth');
    return new Map(instanceIds.map((id) => [id, this.stateOf(group.get(id), id)]));
  }

  async describeTargetGroupTimings(targetGroup: string): Promise<TargetGroupTimings> {
    this.group(targetGroup, 'DescribeTargetGroupAttributes');
    return this.timings;
  }

  private stateOf(registration: Registration | undefined, id: string): TargetHealthState {
    if (!registration) return 'unused';
    const now = this.now();
    const { deregistrationDelaySeconds, healthCheckIntervalSeconds, healthyThresholdCount } = this.timings;
    if (registration.deregisteredAtMs !== undefined) {
      return now < registration.deregisteredAtMs + deregistrationDelaySeconds * 1000 ? 'draining' : 'unused';
    }
    if (this.unhealthy.has(id))
      return now < registration.registeredAtMs + 2 * healthCheckIntervalSeconds * 1000
        ? 'initial'
        : 'unhealthy';
    return now < registration.registeredAtMs + healthyThresholdCount * healthCheckIntervalSeconds * 1000
      ? 'initial'
      : 'healthy';
  }

  private group(name: string, operation: string): Map<string, Registration> {
    const group = this.groups.get(name);
    if (!group) {
      throw new AwsServiceError(
        `elasticloadbalancing.${operation} (${name}): TargetGroupNotFoundException: One or more target groups not found`,
        'TargetGroupNotFoundException',
        { service: 'elasticloadbalancing', operation, resource: name },
        400,
      );
    }
    return group;
  }

  private now(): number {
    return this.timers.now().getTime();
  }
}
