import type { DeploymentChanges, DeploymentRecord, LambdaTargetInfo } from '../ports/records.js';
import type { LambdaAliasRoute, TrafficRoute } from '../ports/traffic-router.js';

/**
 * The route a deployment moves its traffic on, read from its platform's record: a Lambda deployment
 * shifts its alias; a Server in-place deployment has none (it deregisters and registers instances
 * batch by batch instead). Undefined until Prepare has recorded the target.
 */
export function trafficRouteOf(record: DeploymentRecord): TrafficRoute | undefined {
  switch (record.computePlatform) {
    case 'Lambda':
      return record.lambdaTarget ? lambdaAliasRoute(record.lambdaTarget) : undefined;
    case 'Server':
    case 'ECS':
      return undefined;
  }
}

/** What the record says once the replacement carries `weight` (0..1) of the traffic. */
export function replacementWeightChanges(record: DeploymentRecord, weight: number): DeploymentChanges {
  switch (record.computePlatform) {
    case 'Lambda':
      return record.lambdaTarget
        ? { lambdaTarget: { ...record.lambdaTarget, targetVersionWeight: weight } }
        : {};
    case 'Server':
    case 'ECS':
      return {};
  }
}

/** How a restored route reads in the deployment's rollbackInfo. */
export function restoredRouteMessage(route: TrafficRoute): string {
  switch (route.kind) {
    case 'LambdaAlias':
      return `The alias ${route.functionAlias} of ${route.functionName} points at version ${route.currentVersion} again, with no routing configuration.`;
    case 'TargetGroupPair':
      return `The listeners forward to the original target group ${route.originalTargetGroup} only again.`;
    case 'TargetRegistration':
      return `The ${route.instanceIds.length} instance(s) the deployment had taken out of ${route.targetGroups.join(', ')} are registered again.`;
  }
}

function lambdaAliasRoute(target: LambdaTargetInfo): LambdaAliasRoute {
  return {
    kind: 'LambdaAlias',
    functionName: target.functionName,
    functionAlias: target.functionAlias,
    currentVersion: target.currentVersion,
    targetVersion: target.targetVersion,
  };
}
