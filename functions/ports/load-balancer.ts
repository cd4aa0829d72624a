import type { TargetGroupTimings } from '../domain/target-polls.js';

export type { TargetGroupTimings };

/** Registers and deregisters instances on target groups (ELBv2 in AWS, the local proxy locally). */
export type TargetHealthState = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';

export interface LoadBalancerPort {
  /**
   * All or nothing, as ELBv2: one instance it cannot register (stopped, terminated, in another VPC)
   * fails the call with an error whose `code` is `InvalidTargetException`.
   */
  registerTargets(targetGroup: string, instanceIds: readonly string[]): Promise<void>;
  deregisterTargets(targetGroup: string, instanceIds: readonly string[]): Promise<void>;
  describeTargetHealth(
    targetGroup: string,
    instanceIds: readonly string[],
  ): Promise<Map<string, TargetHealthState>>;
  /**
   * How long draining and health checks take on the group (deregistration delay, health-check
   * interval, healthy threshold), so that targets are looked at when they should be ready rather
   * than every few seconds. Optional: without it the looks start at the base interval.
   */
  describeTargetGroupTimings?(targetGroup: string): Promise<TargetGroupTimings>;
}
