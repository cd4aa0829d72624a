import { randomUUID } from 'node:crypto';
import { handleCodeDeployRequest } from '../../api/codedeploy-api.js';
import { activeDeploymentsFrom, groupDeploymentsFrom } from '../../api/deployment-info.js';
import { deploymentUseCases, type DeploymentApiDeps } from '../../api/deployment-use-cases.js';
import { logger } from '../../runtime/logger.js';
import { defineStep, type StepDeps } from '../../steps/deps.js';
import type { FunctionUrlRequest } from './code-deploy-api.js';

type Deps = DeploymentApiDeps & Pick<StepDeps, 'controlPlane'>;

/**
 * The CodeDeploy-compatible API of the AWS stack, behind a Lambda function URL with AWS_IAM
 * authentication: Lambda has checked the caller's SigV4 signature (made for the `lambda` service) and
 * its `lambda:InvokeFunctionUrl` permission before this runs, so every operation is served here. The
 * hook endpoint (CodeDeployApi) stays the only unauthenticated one, and serves only
 * PutLifecycleEventHookExecutionStatus. [unverified: only a real account shows the function URL's IAM
 * check and the SDKs' calls through it.]
 */
export const CodeDeployServiceApi = defineStep('CodeDeployServiceApi', (deps: Deps) => {
  const store = { ...deps.deployments };
  return async (request: FunctionUrlRequest) => {
    const body = request.isBase64Encoded
      ? Buffer.from(request.body ?? '', 'base64').toString('utf8')
      : (request.body ?? '');
    const response = await handleCodeDeployRequest(
      {
        ...deploymentUseCases(deps, {
          controlPlane: {
            ...deps.controlPlane,
            clock: deps.clock,
            newId: randomUUID,
            region: process.env.AWS_REGION ?? 'us-east-1',
            describeGroupDeployments: groupDeploymentsFrom(store),
            activeDeploymentsUsingConfig: activeDeploymentsFrom(store),
          },
        }),
        onInternalError: (error, operation) =>
          logger.error('the API operation failed', {
            step: 'codeDeployServiceApi',
            operation,
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          }),
      },
      request.headers?.['x-amz-target'],
      body,
    );
    return {
      statusCode: response.statusCode,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify(response.body),
    };
  };
})([
  'deployments',
  'deploymentTargets',
  'groups',
  'groupLocks',
  'hookExecutions',
  'pendingWaits',
  'callbacks',
  'executions',
  'controlPlane',
]);
