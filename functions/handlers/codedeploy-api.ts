import { handleCodeDeployRequest } from '../api/codedeploy-api.js';
import { stepHandler } from '../runtime/handler.js';
import { putLifecycleEventHookExecutionStatus } from '../steps/put-lifecycle-event-hook-execution-status.js';
import { awsStepDeps, portsOf } from './aws-deps.js';

/** The AWS ports `putLifecycleEventHookExecutionStatus` uses; the stack grants this function their IAM actions and no others. */
export const ports = portsOf<typeof putLifecycleEventHookExecutionStatus>()(['store', 'callbacks']);

/** The HTTP request as a Lambda function URL delivers it (payload format 2.0). */
export interface FunctionUrlRequest {
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
}

/**
 * The CodeDeploy-compatible endpoint: existing hook functions call PutLifecycleEventHookExecutionStatus
 * here unchanged (AWS_ENDPOINT_URL_CODEDEPLOY). The unguessable hook execution id is what authorises it.
 */
export const handler = stepHandler('codeDeployApi', async (request: FunctionUrlRequest) => {
  const deps = awsStepDeps(ports);
  const body = request.isBase64Encoded
    ? Buffer.from(request.body ?? '', 'base64').toString('utf8')
    : (request.body ?? '');
  const response = await handleCodeDeployRequest(
    {
      store: deps.store,
      stopDeployment: () => Promise.reject(new Error('StopDeployment is not served here')),
      putLifecycleEventHookExecutionStatus: putLifecycleEventHookExecutionStatus(deps),
    },
    request.headers?.['x-amz-target'],
    body,
    // Reachable by hook functions: the only operation it serves is the one they call.
    ['PutLifecycleEventHookExecutionStatus'],
  );
  return {
    statusCode: response.statusCode,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: JSON.stringify(response.body),
  };
});
