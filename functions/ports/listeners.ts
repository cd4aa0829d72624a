/**
 * Load-balancer listeners as an ECS blue/green deployment sees them: a listener (or a listener rule)
 * whose forward action spreads requests over target groups by weight, and the health of the targets
 * in a target group. ELBv2 in AWS (ModifyListener / ModifyRule), the local load balancer's listeners
 * on this machine. Target groups are named as CodeDeploy's targetGroupPairInfoList names them.
 */
import type { TargetHealthState } from './load-balancer.js';

export type { TargetHealthState };

/** One target group of a forward action; ELBv2's weights are integers 0..999. */
export interface ForwardTarget {
  targetGroup: string;
  weight: number;
}

export interface TargetHealth {
  /** The task's IP (awsvpc) or instance id; the local load balancer names its tasks. */
  targetId: string;
  state: TargetHealthState;
}

export interface ListenersPort {
  /**
   * The forward action of a listener's default actions or of a listener rule (an ARN with
   * `listener-rule/`); a listener that does not forward is an ElasticLoadBalancingInvalidError.
   */
  getForwardAction(listenerArn: string): Promise<ForwardTarget[]>;
  /** Replaces that forward action's target groups and weights; other actions are kept as they are. */
  setForwardAction(listenerArn: string, targets: readonly ForwardTarget[]): Promise<void>;
  /** The ARN CreateTaskSet needs for a target group named in the deployment group. */
  targetGroupArn(targetGroup: string): Promise<string>;
  /** Every target registered in the target group, with its health. */
  describeTargetHealth(targetGroup: string): Promise<TargetHealth[]>;
}

/** A target group's name from its ARN (`...:targetgroup/<name>/<id>`), or the name itself. */
export function targetGroupNameOf(targetGroup: string): string {
  const match = /:targetgroup\/([^/]+)\//.exec(targetGroup);
  return match ? match[1]! : targetGroup;
}
