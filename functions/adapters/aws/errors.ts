/**
 * The translation of AWS SDK errors into stepdeploy's named errors (functions/domain), and the two
 * errors only the AWS adapters raise. A Step Functions `Retry`/`Catch` matches `ErrorEquals` against
 * the error's `name`, so every class sets `name` to a string literal (minification cannot change it).
 */
import {
  DeploymentDoesNotExistException,
  DeploymentLimitExceededException,
  DeploymentStatusConflictError,
  GroupLockContendedError,
  InvalidLifecycleEventHookExecutionIdException,
  LifecycleEventAlreadyCompletedException,
  ResourceNotFoundError,
  TaskTokenNoLongerValidError,
  ThrottlingError,
} from '../../domain/deployment-errors.js';

export {
  DeploymentDoesNotExistException,
  DeploymentLimitExceededException,
  DeploymentStatusConflictError,
  GroupLockContendedError,
  InvalidLifecycleEventHookExecutionIdException,
  LifecycleEventAlreadyCompletedException,
  ResourceNotFoundError,
  TaskTokenNoLongerValidError,
  ThrottlingError,
};

/** Which AWS call failed; carried into messages so a Cause in the console says where it happened. */
export interface AwsCallContext {
  /** The SDK's lower-case service id (lambda, cloudwatch, sfn, ...); local/simulated uses the same. */
  service: string;
  operation: string;
  /** The function, alarm, table item, ... the call was about. */
  resource?: string;
}

/** Any other AWS failure, with the service's error code kept for diagnosis. */
export class AwsServiceError extends Error {
  override name = 'AwsServiceError' as const;
  constructor(
    message: string,
    readonly code: string,
    readonly context: AwsCallContext,
    readonly httpStatusCode?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** EventBridge accepted the request but rejected the entry. */
export class EventPublishFailedError extends Error {
  override name = 'EventPublishFailedError' as const;
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** Error codes AWS services use for throttling (the JSON, REST-JSON and query protocols differ). */
const THROTTLING_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottledException',
]);

const NOT_FOUND_CODES = new Set(['ResourceNotFoundException', 'ResourceNotFound']);

/** Step Functions' answers to SendTask* with a token that can no longer be completed. */
const DEAD_TOKEN_CODES = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

const TRANSLATED: ReadonlyArray<abstract new (...args: never[]) => Error> = [
  ThrottlingError,
  ResourceNotFoundError,
  AwsServiceError,
  TaskTokenNoLongerValidError,
  DeploymentLimitExceededException,
  LifecycleEventAlreadyCompletedException,
  InvalidLifecycleEventHookExecutionIdException,
  DeploymentDoesNotExistException,
  DeploymentStatusConflictError,
  GroupLockContendedError,
  EventPublishFailedError,
];

export function isThrottlingCode(code: string | undefined): code is string {
  return code !== undefined && THROTTLING_CODES.has(code);
}

/** The AWS error code of an SDK error (its `name`), or undefined for anything else. */
export function awsErrorCode(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const metadata = error.$metadata;
  if (typeof metadata !== 'object' || metadata === null || !('httpStatusCode' in metadata)) return undefined;
  return typeof metadata.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}

/**
 * Turns an error thrown by an AWS SDK call into a named stepdeploy error. Already translated errors
 * pass through unchanged, so adapters may translate at every layer without double wrapping.
 * The original error stays reachable as `cause`.
 */
export function translateAwsError(error: unknown, context: AwsCallContext): Error {
  if (TRANSLATED.some((type) => error instanceof type)) return error as Error;
  const code = awsErrorCode(error) ?? 'UnknownError';
  const detail = error instanceof Error ? error.message : String(error);
  const where = `${context.service}.${context.operation}${context.resource ? ` (${context.resource})` : ''}`;
  const message = `${where}: ${code}: ${detail}`;
  const options = { cause: error };
  if (THROTTLING_CODES.has(code)) return new ThrottlingError(message, code, options);
  if (NOT_FOUND_CODES.has(code)) return new ResourceNotFoundError(message, context.resource, options);
  if (DEAD_TOKEN_CODES.has(code)) return new TaskTokenNoLongerValidError(message, code, options);
  return new AwsServiceError(message, code, context, httpStatusOf(error), options);
}

/** Runs one SDK call and translates its failure; the common wrapper of every adapter method. */
export async function callAws<T>(context: AwsCallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translateAwsError(error, context);
  }
}
