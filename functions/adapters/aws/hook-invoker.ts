import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { HookInvocationPayload, HookInvokerPort } from '../../ports/hook-invoker.js';
import { callAws } from './errors.js';

/** What AwsHookInvoker calls (InvokeCommand is lambda:InvokeFunction); checked by iam-actions.test.ts. */
export const HOOK_INVOKER_IAM_ACTIONS = ['lambda:InvokeFunction'] as const;

/** Invokes a hook function as CodeDeploy does: asynchronously, with the two-field payload. */
export class AwsHookInvoker implements HookInvokerPort {
  private readonly encoder = new TextEncoder();

  constructor(private readonly client: LambdaClient) {}

  async invokeHook(functionName: string, payload: HookInvocationPayload): Promise<void> {
    // Built field by field so nothing else a caller put on the object reaches a user's function.
    const body = {
      DeploymentId: payload.DeploymentId,
      LifecycleEventHookExecutionId: payload.LifecycleEventHookExecutionId,
    };
    await callAws({ service: 'lambda', operation: 'Invoke', resource: functionName }, () =>
      this.client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: this.encoder.encode(JSON.stringify(body)),
        }),
      ),
    );
  }
}
