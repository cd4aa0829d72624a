import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { DeploymentExecutionsPort } from '../../ports/deployment-executions.js';
import type { ComputePlatform, DeploymentRequest } from '../../ports/records.js';
import { callAws } from './errors.js';

/** What SfnDeploymentExecutions calls; the stack grants exactly these (checked by iam-actions.test.ts). */
export const DEPLOYMENT_EXECUTIONS_IAM_ACTIONS = ['states:StartExecution'] as const;

/**
 * Starts a deployment's Step Functions execution, named after the deployment id so that a retried
 * start cannot run the deployment twice (StartExecution is idempotent for the same name and input).
 */
export class SfnDeploymentExecutions implements DeploymentExecutionsPort {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArns: Partial<Record<ComputePlatform, string>>,
  ) {}

  async startDeployment(
    platform: ComputePlatform,
    request: DeploymentRequest & { deploymentId: string },
  ): Promise<void> {
    const stateMachineArn = this.stateMachineArns[platform];
    if (!stateMachineArn) throw new Error(`No state machine is configured for ${platform} deployments.`);
    await callAws({ service: 'sfn', operation: 'StartExecution', resource: request.deploymentId }, () =>
      this.client.send(
        new StartExecutionCommand({
          stateMachineArn,
          name: request.deploymentId,
          input: JSON.stringify(request),
        }),
      ),
    );
  }
}
