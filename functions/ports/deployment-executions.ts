import type { FlowKey } from '../domain/flows.js';
import type { DeploymentRequest } from './records.js';

/**
 * Starts the state machine that runs a deployment of one flow (Step Functions StartExecution in AWS,
 * the embedded engine locally). The execution name is the deployment id, which makes starting
 * idempotent. A flow with no state machine is refused by name (UnsupportedDeploymentFlowError).
 */
export interface DeploymentExecutionsPort {
  startDeployment(flow: FlowKey, request: DeploymentRequest & { deploymentId: string }): Promise<void>;
}
