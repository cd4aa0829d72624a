/** A Lambda alias as the traffic shifting steps see it. */
export interface AliasRouting {
  functionVersion: string;
  /** At most one entry, as Lambda allows: version -> weight in 0..1. */
  additionalVersionWeights: Record<string, number>;
}

export interface LambdaAliasPort {
  getAlias(functionName: string, alias: string): Promise<AliasRouting>;
  /** Sets the alias' primary version and routing; an empty map removes the routing config. */
  updateAlias(functionName: string, alias: string, routing: AliasRouting): Promise<void>;
  /** Whether `version` is a published version of the function. */
  versionExists(functionName: string, version: string): Promise<boolean>;
}
