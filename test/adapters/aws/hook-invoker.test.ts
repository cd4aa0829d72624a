import {
  InvokeCommand,
  LambdaClient,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsHookInvoker } from '../../../functions/adapters/aws/hook-invoker.js';
import type { HookInvocationPayload } from '../../../functions/ports/hook-invoker.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const lambda = mockClient(LambdaClient);
// The suite shares modules between files (isolate: false): the clients' send goes back as it was.
afterAll(() => {
  lambda.restore();
});
const invoker = new AwsHookInvoker(new LambdaClient({ region: 'us-east-1' }));
const payload = { DeploymentId: 'd-ABCDEFGHI', LifecycleEventHookExecutionId: 'secret-hook-id' };

beforeEach(() => lambda.reset());

describe('AwsHookInvoker', () => {
  it('invokes the hook asynchronously with exactly CodeDeploy payload', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    // Extra fields on the object must not reach the user's function.
    const withExtras = { ...payload, taskToken: 'do-not-leak' } as HookInvocationPayload;
    await invoker.invokeHook('before-allow-traffic', withExtras);

    expect(lambda).toHaveReceivedCommandExactlyOnceWith(InvokeCommand, {
      FunctionName: 'before-allow-traffic',
      InvocationType: 'Event',
    });
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(Object.keys(input ?? {}).sort()).toEqual(['FunctionName', 'InvocationType', 'Payload']);
    const bytes = input?.Payload;
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(bytes as Uint8Array)).toBe(
      '{"DeploymentId":"d-ABCDEFGHI","LifecycleEventHookExecutionId":"secret-hook-id"}',
    );
  });

  it('turns a missing function into ResourceNotFoundError', async () => {
    lambda
      .on(InvokeCommand)
      .rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));
    await expect(invoker.invokeHook('missing', payload)).rejects.toMatchObject({
      name: 'ResourceNotFoundError',
      resource: 'missing',
    });
  });

  it('turns TooManyRequestsException into ThrottlingError', async () => {
    lambda
      .on(InvokeCommand)
      .rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));
    await expect(invoker.invokeHook('hook', payload)).rejects.toMatchObject({ name: 'ThrottlingError' });
  });
});
