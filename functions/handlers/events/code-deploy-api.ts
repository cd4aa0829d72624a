import { handleCodeDeployRequest } from '../../api/codedeploy-api.js';
import type { DeploymentUseCases } from '../../api/deployments.js';
import { defineStep, type StepDeps } from '../../steps/deps.js';
import { putLifecycleEventHookExecutionStatus } from '../../steps/put-lifecycle-event-hook-execution-status.js';

/** The HTTP request as a Lambda function URL delivers it (payload format 2.0). */
export interface FunctionUrlRequest {
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
}

type Deps = Pick<StepDeps, 'deployments' | 'hookExecutions' | 'pendingWaits' | 'callbacks' | 'clock'>;

/** Nothing but the hook answer is served here: any other use case is a programming error. */
const notServed = (): never => {
  throw new Error('Only PutLifecycleEventHookExecutionStatus is served by the hook endpoint.');
};

/**
 * The CodeDeploy-compatible endpoint: existing hook functions call PutLifecycleEventHookExecutionStatus
 * here unchanged (AWS_ENDPOINT_URL_CODEDEPLOY). The unguessable hook execution id is what authorises it.
 */
export const CodeDeployApi = defineStep(
  'CodeDeployApi',
  (deps: Deps) => async (request: FunctionUrlRequest) => {
    const body = request.isBase64Encoded
      ? Buffer.from(request.body ?? '', 'base64').toString('utf8')
      : (request.body ?? '');
    const response = await handleCodeDeployRequest(
      {
        store: new Proxy({} as DeploymentUseCases['store'], { get: () => notServed }),
        executions: { startDeployment: notServed },
        clock: deps.clock,
        random: { bytes: notServed },
        stopDeployment: notServed,
        continueDeployment: notServed,
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
  },
)(['deployments', 'hookExecutions', 'pendingWaits', 'callbacks']);
