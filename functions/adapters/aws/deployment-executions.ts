import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { UnsupportedDeploymentFlowError } from '../../domain/deployment-errors.js';
import { flowId, type FlowId, type FlowKey } from '../../domain/flows.js';
import type { DeploymentExecutionsPort } from '../../ports/deployment-executions.js';
import type { DeploymentRequest } from '../../ports/records.js';
import { callAws } from './errors.js';

/** What SfnDeploymentExecutions calls; the stack grants exactly these (checked by iam-actions.test.ts). */
export const DEPLOYMENT_EXECUTIONS_IAM_ACTIONS = ['states:StartExecution'] as const;

/**
 * Starts a deployment's Step Functions execution on its flow's state machine, named after the
 * deployment id so that a retried start cannot run the deployment twice (StartExecution is
 * idempotent for the same name and input).
 */
export class SfnDeploymentExecutions implements DeploymentExecutionsPort {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArns: Partial<Record<FlowId, string>>,
  ) {}

  async startDeployment(flow: FlowKey, request: DeploymentRequest & { deploymentId: string }): Promise<void> {
    const stateMachineArn = this.stateMachineArns[flowId(flow)];
    if (!stateMachineArn) {
      const known = Object.keys(this.stateMachineArns).join(', ') || 'none';
      throw new UnsupportedDeploymentFlowError(
        `No state machine is configured for ${flowId(flow)} deployments (configured: ${known}).`,
      );
    }
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
