/**
 * Errors of the local ECS service. They carry ECS's error codes the way the AWS adapter's errors do
 * after `translateAwsError`, so a step cannot tell the local service from ECS.
 */
import { AwsServiceError, type AwsCallContext } from '../../functions/adapters/aws/errors.js';
import { StepDeployError } from '../../functions/domain/errors.js';

/** A task definition, a service or a call this machine's ECS cannot accept; the message says why. */
export class LocalEcsError extends StepDeployError {
  override name = 'LocalEcsError' as const;
}

/** A service deployed with a desired count or listener port other than the one it was created with. */
export class ServiceMismatchError extends StepDeployError {
  override name = 'ServiceMismatchError' as const;
}

export function ecsError(operation: string, resource: string, code: string, detail: string): AwsServiceError {
  const context: AwsCallContext = { service: 'ecs', operation, resource };
  return new AwsServiceError(`ecs.${operation} (${resource}): ${code}: ${detail}`, code, context, 400);
}
