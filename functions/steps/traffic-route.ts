import type {
  DeploymentChanges,
  DeploymentRecord,
  EcsDeploymentRecord,
  LambdaTargetInfo,
} from '../ports/records.js';
import type { LambdaAliasRoute, TrafficListener, TrafficRoute } from '../ports/traffic-router.js';

/**
 * The route a deployment moves its traffic on, read from its platform's record: a Lambda deployment
 * shifts its alias, an ECS deployment its listeners between the target-group pair; a Server in-place
 * deployment has none (it deregisters and registers instances batch by batch instead). Undefined until
 * Prepare has recorded the target.
 */
export function trafficRouteOf(record: DeploymentRecord): TrafficRoute | undefined {
  switch (record.computePlatform) {
    case 'Lambda':
      return record.lambdaTarget ? lambdaAliasRoute(record.lambdaTarget) : undefined;
    case 'ECS':
      return record.ecsRoute;
    case 'Server':
      return undefined;
  }
}

/**
 * What the record says once the replacement carries `weight` (0..1) of the listener's traffic;
 * `every`: of every listener (a rollback's restore).
 */
export function replacementWeightChanges(
  record: DeploymentRecord,
  weight: number,
  listener: TrafficListener | 'every' = 'production',
): DeploymentChanges {
  switch (record.computePlatform) {
    case 'Lambda':
      return record.lambdaTarget
        ? { lambdaTarget: { ...record.lambdaTarget, targetVersionWeight: weight } }
        : {};
    case 'ECS':
      return ecsWeightChanges(record, weight, listener);
    case 'Server':
      return {};
  }
}

function ecsWeightChanges(
  record: EcsDeploymentRecord,
  weight: number,
  listener: TrafficListener | 'every',
): DeploymentChanges {
  const route = record.ecsRoute;
  if (!route) return {};
  const production = listener === 'test' ? (route.replacementWeights?.production ?? 0) : weight;
  const hasTest = route.testTrafficRoute !== undefined;
  const test = listener === 'production' ? route.replacementWeights?.test : hasTest ? weight : undefined;
  const percent = (share: number) => Math.round(share * 10000) / 100;
  return {
    ecsRoute: {
      ...route,
      replacementWeights: { production, ...(test !== undefined ? { test } : {}) },
    },
    ...(record.ecsTarget
      ? {
          ecsTarget: {
            ...record.ecsTarget,
            taskSetsInfo: record.ecsTarget.taskSetsInfo.map((taskSet) => {
              const share = taskSet.taskSetLabel === 'Green' ? 1 : 0;
              const of = (replacementShare: number) =>
                percent(share === 1 ? replacementShare : 1 - replacementShare);
              return {
                ...taskSet,
                trafficWeight: of(production),
                ...(test !== undefined ? { testTrafficWeight: of(test) } : {}),
              };
            }),
          },
        }
      : {}),
  };
}

/** How a restored route reads in the deployment's rollbackInfo. */
export function restoredRouteMessage(route: TrafficRoute): string {
  switch (route.kind) {
    case 'LambdaAlias':
      return `The alias ${route.functionAlias} of ${route.functionName} points at version ${route.currentVersion} again, with no routing configuration.`;
    case 'TargetGroupPair':
      return `The listeners forward to the original target group ${route.originalTargetGroup} only again.`;
    case 'TargetRegistration':
      return `The ${route.instanceIds.length} instance(s) the deployment had taken out of ${route.targetGroups.join(', ')} are registered again${route.replacementInstanceIds?.length ? `, and the ${route.replacementInstanceIds.length} replacement instance(s) it had registered are not` : ''}.`;
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
