import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  UpdateAliasCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { AliasRouting, LambdaAliasPort } from '../../ports/lambda-alias.js';
import { callAws, ResourceNotFoundError } from './errors.js';

/** What AwsLambdaAlias calls; the stack grants exactly these (checked by iam-actions.test.ts). */
export const LAMBDA_ALIAS_IAM_ACTIONS = [
  'lambda:GetAlias',
  'lambda:UpdateAlias',
  'lambda:GetFunctionConfiguration',
] as const;

/** Lambda alias routing through the Lambda API. */
export class AwsLambdaAlias implements LambdaAliasPort {
  constructor(private readonly client: LambdaClient) {}

  async getAlias(functionName: string, alias: string): Promise<AliasRouting> {
    const response = await callAws(
      { service: 'lambda', operation: 'GetAlias', resource: `${functionName}:${alias}` },
      () => this.client.send(new GetAliasCommand({ FunctionName: functionName, Name: alias })),
    );
    return {
      functionVersion: response.FunctionVersion ?? '',
      additionalVersionWeights: { ...(response.RoutingConfig?.AdditionalVersionWeights ?? {}) },
    };
  }

  async updateAlias(functionName: string, alias: string, routing: AliasRouting): Promise<void> {
    await callAws({ service: 'lambda', operation: 'UpdateAlias', resource: `${functionName}:${alias}` }, () =>
      this.client.send(
        new UpdateAliasCommand({
          FunctionName: functionName,
          Name: alias,
          FunctionVersion: routing.functionVersion,
          // Always sent: omitting RoutingConfig would leave the old weights in place, while an empty
          // AdditionalVersionWeights map is how Lambda is told to remove the routing.
          RoutingConfig: { AdditionalVersionWeights: { ...routing.additionalVersionWeights } },
        }),
      ),
    );
  }

  async versionExists(functionName: string, version: string): Promise<boolean> {
    // $LATEST is not a published version, and alias routing refuses it.
    if (version === '$LATEST') return false;
    try {
      const response = await callAws(
        { service: 'lambda', operation: 'GetFunctionConfiguration', resource: `${functionName}:${version}` },
        () =>
          this.client.send(
            new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: version }),
          ),
      );
      // A Qualifier may also name an alias, which resolves to some version: only a version equal to
      // the qualifier proves that the qualifier itself is a published version.
      return response.Version === version;
    } catch (error) {
      if (error instanceof ResourceNotFoundError) return false;
      throw error;
    }
  }
}
