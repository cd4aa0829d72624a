import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ResourceNotFoundException,
  TooManyRequestsException,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsLambdaAlias } from '../../../functions/adapters/aws/lambda-alias.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const lambda = mockClient(LambdaClient);
// The suite shares modules between files (isolate: false): the clients' send goes back as it was.
afterAll(() => {
  lambda.restore();
});
const adapter = new AwsLambdaAlias(new LambdaClient({ region: 'us-east-1' }));

beforeEach(() => lambda.reset());

describe('AwsLambdaAlias', () => {
  it('reads the primary version and the additional version weights of an alias', async () => {
    lambda
      .on(GetAliasCommand)
      .resolves({ FunctionVersion: '3', RoutingConfig: { AdditionalVersionWeights: { '4': 0.1 } } });
    expect(await adapter.getAlias('orders', 'live')).toEqual({
      functionVersion: '3',
      additionalVersionWeights: { '4': 0.1 },
    });
    expect(lambda).toHaveReceivedCommandExactlyOnceWith(GetAliasCommand, {
      FunctionName: 'orders',
      Name: 'live',
    });
  });

  it('reads an alias without routing as an empty weight map', async () => {
    lambda.on(GetAliasCommand).resolves({ FunctionVersion: '3' });
    expect(await adapter.getAlias('orders', 'live')).toEqual({
      functionVersion: '3',
      additionalVersionWeights: {},
    });
  });

  it('sends UpdateAlias with the version and the routing weights', async () => {
    lambda.on(UpdateAliasCommand).resolves({});
    await adapter.updateAlias('orders', 'live', {
      functionVersion: '3',
      additionalVersionWeights: { '4': 0.25 },
    });
    expect(lambda.commandCalls(UpdateAliasCommand).map((call) => call.args[0].input)).toEqual([
      {
        FunctionName: 'orders',
        Name: 'live',
        FunctionVersion: '3',
        RoutingConfig: { AdditionalVersionWeights: { '4': 0.25 } },
      },
    ]);
  });

  it('sends an empty AdditionalVersionWeights map so that Lambda removes the routing', async () => {
    lambda.on(UpdateAliasCommand).resolves({});
    await adapter.updateAlias('orders', 'live', { functionVersion: '4', additionalVersionWeights: {} });
    expect(lambda.commandCalls(UpdateAliasCommand)[0]?.args[0].input).toEqual({
      FunctionName: 'orders',
      Name: 'live',
      FunctionVersion: '4',
      RoutingConfig: { AdditionalVersionWeights: {} },
    });
  });

  describe('versionExists', () => {
    it('asks GetFunctionConfiguration with the version as qualifier', async () => {
      lambda.on(GetFunctionConfigurationCommand).resolves({ Version: '7' });
      expect(await adapter.versionExists('orders', '7')).toBe(true);
      expect(lambda.commandCalls(GetFunctionConfigurationCommand)[0]?.args[0].input).toEqual({
        FunctionName: 'orders',
        Qualifier: '7',
      });
    });

    it('answers false for ResourceNotFoundException', async () => {
      lambda
        .on(GetFunctionConfigurationCommand)
        .rejects(
          new ResourceNotFoundException({ message: 'Function not found', $metadata: {}, Type: 'User' }),
        );
      expect(await adapter.versionExists('orders', '99')).toBe(false);
    });

    it('answers false for a qualifier that is an alias resolving to another version', async () => {
      lambda.on(GetFunctionConfigurationCommand).resolves({ Version: '7' });
      expect(await adapter.versionExists('orders', 'live')).toBe(false);
    });

    it('answers false for $LATEST without asking Lambda, since routing refuses it', async () => {
      expect(await adapter.versionExists('orders', '$LATEST')).toBe(false);
      expect(lambda).not.toHaveReceivedCommand(GetFunctionConfigurationCommand);
    });

    it('turns throttling into ThrottlingError instead of answering false', async () => {
      lambda
        .on(GetFunctionConfigurationCommand)
        .rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {}, Type: 'User' }));
      await expect(adapter.versionExists('orders', '7')).rejects.toMatchObject({
        name: 'ThrottlingError',
        code: 'TooManyRequestsException',
      });
    });
  });

  it('turns TooManyRequestsException into ThrottlingError', async () => {
    lambda
      .on(UpdateAliasCommand)
      .rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));
    await expect(
      adapter.updateAlias('orders', 'live', { functionVersion: '3', additionalVersionWeights: {} }),
    ).rejects.toMatchObject({ name: 'ThrottlingError' });
  });

  it('turns ResourceNotFoundException of GetAlias into ResourceNotFoundError naming the alias', async () => {
    lambda
      .on(GetAliasCommand)
      .rejects(new ResourceNotFoundException({ message: 'Alias not found', $metadata: {} }));
    const failure = adapter.getAlias('orders', 'live');
    await expect(failure).rejects.toMatchObject({ name: 'ResourceNotFoundError', resource: 'orders:live' });
    await expect(failure).rejects.toThrow(
      'lambda.GetAlias (orders:live): ResourceNotFoundException: Alias not found',
    );
  });
});
