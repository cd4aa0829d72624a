/**
 * The errors the simulated AWS services throw. They are the errors the AWS adapters produce for the
 * same failures (`translateAwsError`), with the same names and the same message layout, so a step,
 * a state's `Retry`/`Catch` and the simulate output cannot tell the simulator from AWS.
 */
import { ResourceNotFoundError, ThrottlingError } from '../../functions/adapters/aws/errors.js';
import { StepDeployError } from '../../functions/domain/errors.js';

export { ResourceNotFoundError, ThrottlingError };

/**
 * AWS rejected a parameter value. Lambda answers some of these rules with
 * `InvalidParameterValueException` and others (value ranges, name patterns) with
 * `ValidationException`; `code` keeps which one, the name is the same for both.
 */
export class InvalidParameterValueError extends StepDeployError {
  override name = 'InvalidParameterValueError' as const;
  constructor(
    message: string,
    readonly code: 'InvalidParameterValueException' | 'ValidationException',
  ) {
    super(message);
  }
}

/** The resource to create already exists (Lambda's and CloudWatch's `ResourceConflictException`). */
export class ResourceConflictError extends StepDeployError {
  override name = 'ResourceConflictError' as const;
  readonly code = 'ResourceConflictException' as const;
}

/** Which simulated call failed, for messages laid out like the AWS adapters' ones. */
export interface SimulatedCall {
  service: 'lambda' | 'cloudwatch';
  operation: string;
  resource?: string;
}

export function callMessage(call: SimulatedCall, code: string, detail: string): string {
  const where = `${call.service}.${call.operation}${call.resource ? ` (${call.resource})` : ''}`;
  return `${where}: ${code}: ${detail}`;
}

/** Lambda throttles with TooManyRequestsException, CloudWatch (query protocol) with Throttling. */
export function throttlingError(call: SimulatedCall): ThrottlingError {
  const code = call.service === 'lambda' ? 'TooManyRequestsException' : 'Throttling';
  return new ThrottlingError(callMessage(call, code, 'Rate exceeded'), code);
}

export function notFoundError(call: SimulatedCall, detail: string): ResourceNotFoundError {
  return new ResourceNotFoundError(callMessage(call, 'ResourceNotFoundException', detail), call.resource);
}

export function invalidParameter(
  call: SimulatedCall,
  code: InvalidParameterValueError['code'],
  detail: string,
): InvalidParameterValueError {
  return new InvalidParameterValueError(callMessage(call, code, detail), code);
}

export function conflictError(call: SimulatedCall, detail: string): ResourceConflictError {
  return new ResourceConflictError(callMessage(call, 'ResourceConflictException', detail));
}
