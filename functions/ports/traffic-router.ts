/**
 * One way to move a deployment's traffic, whatever carries it (as argo-rollouts keeps one
 * traffic-routing abstraction with a plug-in per provider): a route names the original and the
 * replacement, and a router sets the replacement's weight, checks that the live routing is still the
 * deployment's own, and puts everything back. Each primitive has its adapter: the Lambda alias, ELBv2
 * weighted listeners (ECS); target-group registration (Server blue/green) next.
 */

import type { ForwardTarget } from './listeners.js';

/** What a deployment shifts traffic on: one variant per routing primitive, tagged by `kind`. */
export type TrafficRoute = LambdaAliasRoute | TargetGroupPairRoute | TargetRegistrationRoute;
export type TrafficRouteKind = TrafficRoute['kind'];

/** A Lambda alias moving from the current to the target version (CodeDeploy's LambdaFunctionInfo). */
export interface LambdaAliasRoute {
  kind: 'LambdaAlias';
  functionName: string;
  functionAlias: string;
  currentVersion: string;
  targetVersion: string;
}

/**
 * ELBv2 listeners forwarding to two target groups with weights (CodeDeploy's TargetGroupPairInfo):
 * the production listeners shift by the plan's weights, the optional test listeners carry test
 * traffic to the replacement before production does.
 */
export interface TargetGroupPairRoute {
  kind: 'TargetGroupPair';
  /** The target group serving production before the deployment (blue). */
  originalTargetGroup: string;
  /** The target group the replacement registers in (green). */
  replacementTargetGroup: string;
  prodTrafficRoute: { listenerArns: string[] };
  testTrafficRoute?: { listenerArns: string[] };
  /**
   * The replacement's share (0..1) each listener had when the deployment last set it. A router that
   * finds other live weights refuses to shift on top of them: someone else changed the listener.
   */
  replacementWeights?: { production: number; test?: number };
  /**
   * Each listener's forward action as Prepare found it, by listener ARN: what a restore puts back
   * exactly (weights and target groups), so a rolled-back listener is as it was before the deployment.
   */
  originalForwardActions?: Record<string, ForwardTarget[]>;
}

/**
 * Instances a Server in-place deployment takes out of its target groups while it installs on them
 * (BlockTraffic) and puts back (AllowTraffic): the replacement is the instances registered again, so
 * weight 1 registers them, 0 deregisters them, and restoring puts them back in service. A Server
 * blue/green deployment's route also names the replacement fleet's instances it registered:
 * restoring takes those out once the originals are back in.
 */
export interface TargetRegistrationRoute {
  kind: 'TargetRegistration';
  targetGroups: string[];
  instanceIds: string[];
  /** Blue/green: instances of the replacement fleet, deregistered by a restore. */
  replacementInstanceIds?: string[];
}

/** Which of a route's listeners a call is about; a Lambda alias has production traffic only. */
export type TrafficListener = 'production' | 'test';

export interface TrafficRouter<R extends TrafficRoute = TrafficRoute> {
  /**
   * The replacement's live share (0..1) of the listener's traffic. Throws the platform's named error
   * when the live routing sends traffic anywhere but the route's original and replacement: someone
   * changed it during the deployment, and nothing may be shifted on top of that.
   */
  verify(route: R, listener?: TrafficListener): Promise<number>;
  /**
   * Sends `weight` (0..1) of the listener's traffic to the replacement: 1 makes it the only
   * destination, 0 the original. Re-reads the live routing first (so a retry changes nothing twice)
   * and refuses to act on routing that is not the deployment's own, as `verify` does.
   */
  setWeight(route: R, weight: number, listener?: TrafficListener): Promise<void>;
  /** Every listener back on the original alone, with no weighted routing left; idempotent. */
  restore(route: R): Promise<{ changed: boolean }>;
}

export type TrafficRouterPort = TrafficRouter<TrafficRoute>;

/** One router per route kind; a kind with no router is refused by name. */
export type TrafficRouters = {
  [K in TrafficRouteKind]?: TrafficRouter<Extract<TrafficRoute, { kind: K }>>;
};

/** The port over per-kind routers: each call goes to the router of its route's kind. */
export function routeByKind(routers: TrafficRouters): TrafficRouterPort {
  const routerFor = <R extends TrafficRoute>(route: R): TrafficRouter<R> => {
    const router = routers[route.kind] as TrafficRouter<R> | undefined;
    if (!router) {
      throw new TypeError(`No traffic router is configured for ${route.kind} routes on this runtime.`);
    }
    return router;
  };
  return {
    verify: async (route, listener) => routerFor(route).verify(route, listener),
    setWeight: async (route, weight, listener) => routerFor(route).setWeight(route, weight, listener),
    restore: async (route) => routerFor(route).restore(route),
  };
}
