import type { ComputePlatform, DeploymentRequest } from './records.js';

/**
 * Starts the state machine that runs a deployment (Step Functions StartExecution in AWS, the embedded
 * engine locally). The execution name is the deployment id, which makes starting idempotent.
 */
export interface DeploymentExecutionsPort {
  startDeployment(
    platform: ComputePlatform,
    request: DeploymentRequest & { deploymentId: string },
  ): Promise<void>;
}
