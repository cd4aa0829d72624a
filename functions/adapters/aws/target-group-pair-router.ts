import { ElasticLoadBalancingInvalidError } from '../../domain/deployment-errors.js';
import type { ForwardTarget, ListenersPort } from '../../ports/listeners.js';
import type { TargetGroupPairRoute, TrafficListener, TrafficRouter } from '../../ports/traffic-router.js';

/**
 * What the router calls through the listeners port (getForwardAction, setForwardAction): the ELBv2
 * actions of those methods, on a listener and on a listener rule (checked by iam-actions.test.ts).
 */
export const TARGET_GROUP_PAIR_ROUTER_IAM_ACTIONS = [
  'elasticloadbalancing:DescribeListeners',
  'elasticloadbalancing:DescribeRules',
  'elasticloadbalancing:ModifyListener',
  'elasticloadbalancing:ModifyRule',
] as const;

/** Percent weights: ELBv2 takes integers 0..999, and a percent reads the same in the console. */
const SCALE = 100;
const SAME = 1e-6;

/**
 * The traffic router of an ECS deployment's target-group pair, over any listeners port (ELBv2 in
 * AWS, the local load balancer, the simulated one): the replacement's share of a listener is its
 * target group's weight in the forward action. Before every change the live forward action is read:
 * a target group outside the pair with traffic, or weights other than the deployment last set,
 * mean someone else changed the listener, and nothing is shifted on top of that
 * (aws/containers-roadmap#2853). Both target groups stay in the action, the idle one at weight 0,
 * as CodeDeploy leaves them.
 */
export class TargetGroupPairTrafficRouter implements TrafficRouter<TargetGroupPairRoute> {
  constructor(private readonly listeners: ListenersPort) {}

  async verify(route: TargetGroupPairRoute, listener: TrafficListener = 'production'): Promise<number> {
    const [arn] = listenerArns(route, listener);
    return share(route, arn!, await this.listeners.getForwardAction(arn!), listener);
  }

  async setWeight(
    route: TargetGroupPairRoute,
    weight: number,
    listener: TrafficListener = 'production',
  ): Promise<void> {
    if (!(weight >= 0 && weight <= 1))
      throw new RangeError(`A weight is a share from 0 to 1, not ${weight}.`);
    for (const arn of listenerArns(route, listener)) {
      const live = await this.listeners.getForwardAction(arn);
      const liveShare = share(route, arn, live, listener);
      // A retry after the change went through: nothing left to do.
      if (Math.abs(liveShare - weight) < SAME) continue;
      const expected = route.replacementWeights?.[listener];
      if (expected !== undefined && Math.abs(liveShare - expected) >= SAME) {
        throw new ElasticLoadBalancingInvalidError(
          `The ${listener} listener ${arn} was changed during the deployment: it sends ${percent(liveShare)} of its traffic to ${route.replacementTargetGroup}, where the deployment had set ${percent(expected)}. stepdeploy shifts nothing on top of someone else's change.`,
        );
      }
      await this.listeners.setForwardAction(arn, withShare(route, live, weight));
    }
  }

  async restore(route: TargetGroupPairRoute): Promise<{ changed: boolean }> {
    let changed = false;
    const arns = [...route.prodTrafficRoute.listenerArns, ...(route.testTrafficRoute?.listenerArns ?? [])];
    for (const arn of arns) {
      const original = route.originalForwardActions?.[arn] ?? [
        { targetGroup: route.originalTargetGroup, weight: 1 },
        { targetGroup: route.replacementTargetGroup, weight: 0 },
      ];
      const live = await this.listeners.getForwardAction(arn);
      if (sameAction(live, original)) continue;
      await this.listeners.setForwardAction(arn, original);
      changed = true;
    }
    return { changed };
  }
}

function listenerArns(route: TargetGroupPairRoute, listener: TrafficListener): string[] {
  const arns =
    listener === 'production' ? route.prodTrafficRoute.listenerArns : route.testTrafficRoute?.listenerArns;
  if (!arns?.length) {
    throw new ElasticLoadBalancingInvalidError(
      `The deployment's target-group pair ${route.originalTargetGroup}/${route.replacementTargetGroup} has no ${listener} listener.`,
    );
  }
  return arns;
}

/** The replacement's share of the listener; traffic to a target group outside the pair is refused. */
function share(
  route: TargetGroupPairRoute,
  arn: string,
  targets: readonly ForwardTarget[],
  listener: TrafficListener,
): number {
  const pair = new Set([route.originalTargetGroup, route.replacementTargetGroup]);
  const foreign = targets.filter((t) => !pair.has(t.targetGroup) && t.weight > 0);
  const weightOf = (name: string) =>
    targets.filter((t) => t.targetGroup === name).reduce((sum, t) => sum + t.weight, 0);
  const original = weightOf(route.originalTargetGroup);
  const replacement = weightOf(route.replacementTargetGroup);
  if (foreign.length > 0 || original + replacement === 0) {
    const now = targets.map((t) => `${t.targetGroup} (weight ${t.weight})`).join(', ') || 'nothing';
    throw new ElasticLoadBalancingInvalidError(
      `The ${listener} listener ${arn} was changed during the deployment: it forwards to ${now}, not to the target groups ${route.originalTargetGroup} and ${route.replacementTargetGroup} only. stepdeploy shifts nothing on top of someone else's change.`,
    );
  }
  return replacement / (original + replacement);
}

/** The live action with the pair's weights set for `weight`; anything else in it kept as it is. */
function withShare(route: TargetGroupPairRoute, live: readonly ForwardTarget[], weight: number) {
  const replacement = Math.round(weight * SCALE);
  const wanted = new Map([
    [route.originalTargetGroup, SCALE - replacement],
    [route.replacementTargetGroup, replacement],
  ]);
  const kept = live.filter((t) => !wanted.has(t.targetGroup));
  return [...[...wanted].map(([targetGroup, w]) => ({ targetGroup, weight: w })), ...kept];
}

function sameAction(a: readonly ForwardTarget[], b: readonly ForwardTarget[]): boolean {
  const key = (targets: readonly ForwardTarget[]) =>
    JSON.stringify([...targets].map((t) => [t.targetGroup, t.weight]).sort());
  return key(a) === key(b);
}

function percent(share: number): string {
  return `${Math.round(share * 10000) / 100}%`;
}
