import type { LoadBalancerPort } from '../../ports/load-balancer.js';
import type { TargetRegistrationRoute, TrafficRouter } from '../../ports/traffic-router.js';

/**
 * What the router calls through the load balancer port: the ELBv2 actions of registerTargets,
 * deregisterTargets and describeTargetHealth (checked against this file by iam-actions.test.ts).
 */
export const TARGET_REGISTRATION_ROUTER_IAM_ACTIONS = [
  'elasticloadbalancing:RegisterTargets',
  'elasticloadbalancing:DeregisterTargets',
  'elasticloadbalancing:DescribeTargetHealth',
] as const;

/** RegisterTargets and DeregisterTargets take this many targets per call here (ELBv2 has no lower cap). */
const TARGETS_PER_CALL = 50;

/**
 * The traffic router of a Server in-place deployment's target registrations, over any load balancer
 * port (ELBv2 in AWS, the local or simulated load balancer locally). Restoring registers the
 * deployment's instances again; an instance the target group refuses (stopped, terminated) stays
 * out, as its own health decides, and does not keep the others out.
 */
export class TargetRegistrationRouter implements TrafficRouter<TargetRegistrationRoute> {
  constructor(private readonly loadBalancer: LoadBalancerPort) {}

  async verify(route: TargetRegistrationRoute): Promise<number> {
    if (route.instanceIds.length === 0) return 1;
    let registered = 0;
    for (const targetGroup of route.targetGroups) {
      for (const ids of chunks(route.instanceIds)) {
        const states = await this.loadBalancer.describeTargetHealth(targetGroup, ids);
        registered += [...states.values()].filter(
          (state) => state !== 'unused' && state !== 'draining',
        ).length;
      }
    }
    return registered / (route.instanceIds.length * Math.max(1, route.targetGroups.length));
  }

  async setWeight(route: TargetRegistrationRoute, weight: number): Promise<void> {
    if (weight !== 0 && weight !== 1) {
      throw new RangeError(
        `Instances are registered (1) or not (0); a weight of ${weight} has no meaning here.`,
      );
    }
    for (const targetGroup of route.targetGroups) {
      for (const ids of chunks(route.instanceIds)) {
        if (weight === 1) await this.registerEach(targetGroup, ids);
        else await this.loadBalancer.deregisterTargets(targetGroup, ids);
      }
    }
  }

  async restore(route: TargetRegistrationRoute): Promise<{ changed: boolean }> {
    const before = await this.verify(route);
    let changed = false;
    if (before !== 1) {
      await this.setWeight(route, 1);
      changed = true;
    }
    // Blue/green: the originals are back in; the replacements it had registered go out.
    for (const targetGroup of route.targetGroups) {
      for (const ids of chunks(route.replacementInstanceIds ?? [])) {
        const states = await this.loadBalancer.describeTargetHealth(targetGroup, ids);
        const registered = ids.filter((id) => {
          const state = states.get(id) ?? 'unused';
          return state !== 'unused' && state !== 'draining';
        });
        if (registered.length === 0) continue;
        await this.loadBalancer.deregisterTargets(targetGroup, registered);
        changed = true;
      }
    }
    return { changed };
  }

  /** Registers a chunk; one refused instance (InvalidTargetException) is left out, not the chunk. */
  private async registerEach(targetGroup: string, ids: readonly string[]): Promise<void> {
    try {
      await this.loadBalancer.registerTargets(targetGroup, ids);
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'InvalidTargetException') throw error;
    }
    for (const id of ids) {
      try {
        await this.loadBalancer.registerTargets(targetGroup, [id]);
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'InvalidTargetException') throw error;
      }
    }
  }
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += TARGETS_PER_CALL)
    out.push(items.slice(start, start + TARGETS_PER_CALL));
  return out;
}
