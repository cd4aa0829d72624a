/** Registers and deregisters instances on target groups (ELBv2 in AWS, the local proxy locally). */
export type TargetHealthState = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';

export interface LoadBalancerPort {
  registerTargets(targetGroup: string, instanceIds: readonly string[]): Promise<void>;
  deregisterTargets(targetGroup: string, instanceIds: readonly string[]): Promise<void>;
  describeTargetHealth(
    targetGroup: string,
    instanceIds: readonly string[],
  ): Promise<Map<string, TargetHealthState>>;
}
