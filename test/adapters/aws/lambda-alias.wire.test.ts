import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { AwsLambdaAlias } from '../../../functions/adapters/aws/lambda-alias.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * The mocked-client tests see the command input; this one sees the HTTP body the SDK serializes,
 * because an empty map dropped by the serializer would leave the old weights on the alias.
 */
const client = new LambdaClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
let captured: { path?: string; method?: string; body?: unknown } = {};
client.middlewareStack.add(
  () => async (args) => {
    captured = args.request as typeof captured;
    // Nothing is sent: the test ends at the serialized request.
    throw new Error('request captured');
  },
  { step: 'build' },
);

function bodyText(body: unknown): string {
  return body instanceof Uint8Array ? new TextDecoder().decode(body) : typeof body === 'string' ? body : '';
}

afterAll(() => client.destroy());

describe('AwsLambdaAlias on the wire', () => {
  it('sends RoutingConfig.AdditionalVersionWeights {} in the UpdateAlias body to remove the routing', async () => {
    await expect(
      new AwsLambdaAlias(client).updateAlias('orders', 'live', {
        functionVersion: '4',
        additionalVersionWeights: {},
      }),
    ).rejects.toThrow('request captured');
    expect(captured.method).toBe('PUT');
    expect(captured.path).toBe('/2015-03-31/functions/orders/aliases/live');
    expect(JSON.parse(bodyText(captured.body))).toEqual({
      FunctionVersion: '4',
      RoutingConfig: { AdditionalVersionWeights: {} },
    });
  });
});
