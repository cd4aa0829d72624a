/**
 * Errors of the local load balancer. Calls of the LoadBalancerPort fail exactly as the AWS adapter's
 * calls would after `translateAwsError` (an `AwsServiceError` carrying ELBv2's error code), so a step
 * and a state's `Catch` cannot tell the local load balancer from ELBv2.
 */
import { AwsServiceError, type AwsCallContext } from '../../functions/adapters/aws/errors.js';
import { StepDeployError } from '../../functions/domain/errors.js';
import type { TargetHealthState } from '../../functions/ports/load-balancer.js';

/** The SDK's lower-case id for ELBv2 (its signing name), as the AWS adapter's messages use it. */
const SERVICE = 'elasticloadbalancing';

function elbError(operation: string, resource: string, code: string, detail: string): AwsServiceError {
  const context: AwsCallContext = { service: SERVICE, operation, resource };
  return new AwsServiceError(`${SERVICE}.${operation} (${resource}): ${code}: ${detail}`, code, context, 400);
}

export function targetGroupNotFound(operation: string, targetGroup: string): AwsServiceError {
  return elbError(
    operation,
    targetGroup,
    'TargetGroupNotFoundException',
    'One or more target groups not found',
  );
}

export function listenerNotFound(operation: string, listener: string): AwsServiceError {
  return elbError(operation, listener, 'ListenerNotFoundException', 'One or more listeners not found');
}

export function duplicateTargetGroup(targetGroup: string): AwsServiceError {
  return elbError(
    'CreateTargetGroup',
    targetGroup,
    'DuplicateTargetGroupNameException',
    'A target group with the same name exists, but with different settings',
  );
}

/** ELBv2 rejects targets it cannot reach (InvalidTarget); locally that is a target with no known port. */
export function invalidTarget(
  operation: string,
  targetGroup: string,
  instanceIds: readonly string[],
): AwsServiceError {
  return elbError(
    operation,
    targetGroup,
    'InvalidTargetException',
    `The following targets have no local port (setTargetPort or the port resolver): ${instanceIds.join(', ')}`,
  );
}

export function invalidConfiguration(operation: string, resource: string, detail: string): AwsServiceError {
  return elbError(operation, resource, 'ValidationError', detail);
}

/** waitForHealthy / waitForDrained gave up: the counterpart of an ELBv2 waiter's TimeoutError. */
export class TargetHealthWaitTimeoutError extends StepDeployError {
  override name = 'TargetHealthWaitTimeoutError' as const;

  constructor(
    readonly targetGroup: string,
    readonly awaited: TargetHealthState,
    readonly states: ReadonlyMap<string, TargetHealthState>,
    readonly timeoutMs: number,
  ) {
    const seen = [...states].map(([id, state]) => `${id}=${state}`).join(', ');
    super(`Targets of ${targetGroup} did not all become ${awaited} within ${timeoutMs} ms (${seen})`);
  }
}

/** The load balancer was stopped; it does not restart health checks behind the caller's back. */
export class LoadBalancerStoppedError extends StepDeployError {
  override name = 'LoadBalancerStoppedError' as const;
}
