import {
  aliasRoutingFor,
  foreignVersions,
  sameAliasRouting,
  targetShare,
} from '../../domain/alias-routing.js';
import { InvalidLambdaConfigurationError } from '../../domain/deployment-errors.js';
import type { AliasRouting, LambdaAliasPort } from '../../ports/lambda-alias.js';
import type { LambdaAliasRoute, TrafficListener, TrafficRouter } from '../../ports/traffic-router.js';

/**
 * What the router calls through the alias port (getAlias, updateAlias): the Lambda actions of those
 * two methods (checked against this file by iam-actions.test.ts).
 */
export const LAMBDA_ALIAS_ROUTER_IAM_ACTIONS = ['lambda:GetAlias', 'lambda:UpdateAlias'] as const;

/**
 * The traffic router of a Lambda alias, over any alias port: the Lambda API here (AwsLambdaAlias),
 * the simulated Lambda service on the embedded runtime. The replacement is the target version; the
 * weight is its share through the alias' routing configuration. An alias has no test listener.
 */
export class LambdaAliasTrafficRouter implements TrafficRouter<LambdaAliasRoute> {
  constructor(private readonly alias: LambdaAliasPort) {}

  async verify(route: LambdaAliasRoute, listener: TrafficListener = 'production'): Promise<number> {
    return targetShare(route, await this.liveRouting(route, listener));
  }

  async setWeight(
    route: LambdaAliasRoute,
    weight: number,
    listener: TrafficListener = 'production',
  ): Promise<void> {
    const live = await this.liveRouting(route, listener);
    const desired = aliasRoutingFor(route, weight);
    if (!sameAliasRouting(live, desired))
      await this.alias.updateAlias(route.functionName, route.functionAlias, desired);
  }

  async restore(route: LambdaAliasRoute): Promise<{ changed: boolean }> {
    const live = await this.alias.getAlias(route.functionName, route.functionAlias);
    const original = aliasRoutingFor(route, 0);
    if (sameAliasRouting(live, original)) return { changed: false };
    await this.alias.updateAlias(route.functionName, route.functionAlias, original);
    return { changed: true };
  }

  /** The alias now, refused if it routes to a version that is not the deployment's. */
  private async liveRouting(route: LambdaAliasRoute, listener: TrafficListener): Promise<AliasRouting> {
    if (listener !== 'production') {
      throw new TypeError(
        `A Lambda alias has no ${listener} listener: ${route.functionName}:${route.functionAlias}.`,
      );
    }
    const live = await this.alias.getAlias(route.functionName, route.functionAlias);
    const foreign = foreignVersions(route, live);
    if (foreign.length > 0) {
      throw new InvalidLambdaConfigurationError(
        `The alias ${route.functionAlias} of ${route.functionName} was changed during the deployment: it now routes to version ${foreign.join(', ')}.`,
      );
    }
    return live;
  }
}
