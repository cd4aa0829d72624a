import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
  type TargetGroupTuple,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ElasticLoadBalancingInvalidError } from '../../domain/deployment-errors.js';
import type { TargetHealthState } from '../../ports/load-balancer.js';
import {
  targetGroupNameOf,
  type ForwardTarget,
  type ListenersPort,
  type TargetHealth,
} from '../../ports/listeners.js';
import { AwsServiceError, callAws } from './errors.js';

/** What Elbv2Listeners calls; the stack grants exactly these (checked by iam-actions.test.ts). */
export const ELBV2_LISTENERS_IAM_ACTIONS = [
  'elasticloadbalancing:DescribeListeners',
  'elasticloadbalancing:DescribeRules',
  'elasticloadbalancing:ModifyListener',
  'elasticloadbalancing:ModifyRule',
  'elasticloadbalancing:DescribeTargetGroups',
  'elasticloadbalancing:DescribeTargetHealth',
] as const;

const SERVICE = 'elasticloadbalancing';

/** ELBv2's answers that mean the group names something that is not there. */
const NOT_FOUND = new Set([
  'ListenerNotFoundException',
  'RuleNotFoundException',
  'TargetGroupNotFoundException',
]);

/**
 * ECS listeners on ELBv2 (ALB, NLB): a listener's default forward action, or a listener rule's
 * (an ARN with `listener-rule/`), read with DescribeListeners / DescribeRules and changed with
 * ModifyListener / ModifyRule. Only the forward action's target groups and weights change: its
 * stickiness, its order and every other action (authentication, ...) are sent back as they were.
 * Target groups are named as the deployment group names them; their ARNs are resolved once.
 */
export class Elbv2Listeners implements ListenersPort {
  private readonly arns = new Map<string, string>();

  constructor(private readonly client: ElasticLoadBalancingV2Client) {}

  async getForwardAction(listenerArn: string): Promise<ForwardTarget[]> {
    const actions = await this.actionsOf(listenerArn);
    return forwardTargets(listenerArn, actions).map((t) => {
      this.arns.set(targetGroupNameOf(t.arn), t.arn);
      return { targetGroup: targetGroupNameOf(t.arn), weight: t.weight };
    });
  }

  async setForwardAction(listenerArn: string, targets: readonly ForwardTarget[]): Promise<void> {
    const actions = await this.actionsOf(listenerArn);
    const index = forwardIndex(listenerArn, actions);
    // The target groups the action names already: their ARNs need no DescribeTargetGroups.
    for (const { arn } of forwardTargets(listenerArn, actions)) this.arns.set(targetGroupNameOf(arn), arn);
    const TargetGroups: TargetGroupTuple[] = [];
    for (const target of targets) {
      TargetGroups.push({
        TargetGroupArn: await this.targetGroupArn(target.targetGroup),
        Weight: target.weight,
      });
    }
    const forward = actions[index]!;
    const { TargetGroupArn: _single, ...rest } = forward;
    const updated: Action[] = actions.map((action, i) =>
      i === index ? { ...rest, ForwardConfig: { ...forward.ForwardConfig, TargetGroups } } : action,
    );
    if (isRule(listenerArn)) {
      await this.call('ModifyRule', listenerArn, () =>
        this.client.send(new ModifyRuleCommand({ RuleArn: listenerArn, Actions: updated })),
      );
    } else {
      await this.call('ModifyListener', listenerArn, () =>
        this.client.send(new ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: updated })),
      );
    }
  }

  async targetGroupArn(targetGroup: string): Promise<string> {
    if (targetGroup.startsWith('arn:')) return targetGroup;
    const known = this.arns.get(targetGroup);
    if (known !== undefined) return known;
    const response = await this.call('DescribeTargetGroups', targetGroup, () =>
      this.client.send(new DescribeTargetGroupsCommand({ Names: [targetGroup] })),
    );
    const arn = response.TargetGroups?.find((g) => g.TargetGroupName === targetGroup)?.TargetGroupArn;
    if (arn === undefined) {
      throw new ElasticLoadBalancingInvalidError(`The target group ${targetGroup} does not exist.`);
    }
    this.arns.set(targetGroup, arn);
    return arn;
  }

  async describeTargetHealth(targetGroup: string): Promise<TargetHealth[]> {
    const TargetGroupArn = await this.targetGroupArn(targetGroup);
    const response = await this.call('DescribeTargetHealth', targetGroup, () =>
      this.client.send(new DescribeTargetHealthCommand({ TargetGroupArn })),
    );
    return (response.TargetHealthDescriptions ?? []).map((description) => ({
      targetId: `${description.Target?.Id ?? '?'}${description.Target?.Port ? `:${description.Target.Port}` : ''}`,
      state: stateOf(description.TargetHealth?.State),
    }));
  }

  private async actionsOf(listenerArn: string): Promise<Action[]> {
    if (isRule(listenerArn)) {
      const response = await this.call('DescribeRules', listenerArn, () =>
        this.client.send(new DescribeRulesCommand({ RuleArns: [listenerArn] })),
      );
      return response.Rules?.[0]?.Actions ?? [];
    }
    const response = await this.call('DescribeListeners', listenerArn, () =>
      this.client.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] })),
    );
    return response.Listeners?.[0]?.DefaultActions ?? [];
  }

  /** `callAws`, with a listener, rule or target group that does not exist said plainly. */
  private async call<T>(operation: string, resource: string, send: () => Promise<T>): Promise<T> {
    try {
      return await callAws({ service: SERVICE, operation, resource }, send);
    } catch (error) {
      if (error instanceof AwsServiceError && NOT_FOUND.has(error.code)) {
        throw new ElasticLoadBalancingInvalidError(
          `${resource} does not exist (${operation}: ${error.code}); check the deployment group's loadBalancerInfo.`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}

function isRule(arn: string): boolean {
  return arn.includes(':listener-rule/');
}

function forwardIndex(listenerArn: string, actions: readonly Action[]): number {
  const index = actions.findIndex((action) => action.Type === 'forward');
  if (index < 0) {
    throw new ElasticLoadBalancingInvalidError(
      `${listenerArn} has no forward action (its actions: ${actions.map((a) => a.Type).join(', ') || 'none'}); an ECS deployment shifts the weights of a forward action.`,
    );
  }
  return index;
}

/** The forward action's target groups: its ForwardConfig, or its single TargetGroupArn (weight 1). */
function forwardTargets(
  listenerArn: string,
  actions: readonly Action[],
): Array<{ arn: string; weight: number }> {
  const forward = actions[forwardIndex(listenerArn, actions)]!;
  const groups = forward.ForwardConfig?.TargetGroups ?? [];
  if (groups.length > 0) {
    return groups.map((group) => ({ arn: group.TargetGroupArn ?? '', weight: group.Weight ?? 1 }));
  }
  return forward.TargetGroupArn ? [{ arn: forward.TargetGroupArn, weight: 1 }] : [];
}

function stateOf(state: string | undefined): TargetHealthState {
  switch (state) {
    case 'initial':
    case 'healthy':
    case 'unhealthy':
    case 'unused':
    case 'draining':
    case 'unavailable':
      return state;
    case 'unhealthy.draining':
      return 'draining';
    default:
      return 'unavailable';
  }
}
