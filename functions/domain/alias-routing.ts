/**
 * Lambda alias routing as traffic shifting sees it: the alias points at the current version, sends a
 * weight of its traffic to the target version, and ends pointing at the target version. Pure rules,
 * shared by every adapter of the alias (the Lambda API, the simulated Lambda).
 */

/** The two versions a deployment moves the alias between. */
export interface AliasVersions {
  currentVersion: string;
  targetVersion: string;
}

/** An alias' routing: its version, and at most one other version with a weight in 0..1. */
export interface AliasRoutingState {
  functionVersion: string;
  additionalVersionWeights: Record<string, number>;
}

/**
 * The routing that sends `weight` (0..1) of the traffic to the target version: all of it points the
 * alias at the target, none points it back at the current version with no routing configuration.
 */
export function aliasRoutingFor(versions: AliasVersions, weight: number): AliasRoutingState {
  if (weight >= 1) return { functionVersion: versions.targetVersion, additionalVersionWeights: {} };
  if (weight <= 0) return { functionVersion: versions.currentVersion, additionalVersionWeights: {} };
  return {
    functionVersion: versions.currentVersion,
    additionalVersionWeights: { [versions.targetVersion]: weight },
  };
}

/** Versions the alias routes to that are neither of the deployment's two (someone else changed it). */
export function foreignVersions(versions: AliasVersions, routing: AliasRoutingState): string[] {
  const ours = new Set([versions.currentVersion, versions.targetVersion]);
  return [routing.functionVersion, ...Object.keys(routing.additionalVersionWeights)].filter(
    (version) => !ours.has(version),
  );
}

/** The target version's share (0..1) of an alias that routes to the deployment's versions only. */
export function targetShare(versions: AliasVersions, routing: AliasRoutingState): number {
  const weights = routing.additionalVersionWeights;
  if (routing.functionVersion === versions.targetVersion) {
    return 1 - (weights[versions.currentVersion] ?? 0);
  }
  return weights[versions.targetVersion] ?? 0;
}

export function sameAliasRouting(a: AliasRoutingState, b: AliasRoutingState): boolean {
  const aw = Object.entries(a.additionalVersionWeights);
  const bw = Object.entries(b.additionalVersionWeights);
  return (
    a.functionVersion === b.functionVersion &&
    aw.length === bw.length &&
    aw.every(([version, weight]) => b.additionalVersionWeights[version] === weight)
  );
}
