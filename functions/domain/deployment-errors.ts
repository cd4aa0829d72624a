/**
 * Errors a deployment can end with, and the CodeDeploy-facing exceptions of its API. Each `name` is
 * what the state machines' `ErrorEquals` match and what the API returns as `__type`.
 */
import { StepDeployError } from './errors.js';
import type { ErrorCode } from './status.js';

// -- API exceptions (CodeDeploy's names) -------------------------------------------------------
export class DeploymentLimitExceededException extends StepDeployError {
  override name = 'DeploymentLimitExceededException' as const;
}
export class DeploymentDoesNotExistException extends StepDeployError {
  override name = 'DeploymentDoesNotExistException' as const;
}
export class DeploymentAlreadyCompletedException extends StepDeployError {
  override name = 'DeploymentAlreadyCompletedException' as const;
}
export class DeploymentGroupDoesNotExistException extends StepDeployError {
  override name = 'DeploymentGroupDoesNotExistException' as const;
}
export class InvalidLifecycleEventHookExecutionStatusException extends StepDeployError {
  override name = 'InvalidLifecycleEventHookExecutionStatusException' as const;
}
export class InvalidLifecycleEventHookExecutionIdException extends StepDeployError {
  override name = 'InvalidLifecycleEventHookExecutionIdException' as const;
}
export class LifecycleEventAlreadyCompletedException extends StepDeployError {
  override name = 'LifecycleEventAlreadyCompletedException' as const;
}
export class UnsupportedActionForDeploymentTypeException extends StepDeployError {
  override name = 'UnsupportedActionForDeploymentTypeException' as const;
}
export class DeploymentIsNotInReadyStateException extends StepDeployError {
  override name = 'DeploymentIsNotInReadyStateException' as const;
}
export class InvalidDeploymentWaitTypeException extends StepDeployError {
  override name = 'InvalidDeploymentWaitTypeException' as const;
}

// -- Why a running deployment stops (thrown by steps, matched by Catch) -------------------------
/** A watched CloudWatch alarm is in ALARM. */
export class AlarmActiveError extends StepDeployError {
  override name = 'AlarmActiveError' as const;
}
/** Alarm states could not be read (or an alarm is missing) and ignorePollAlarmFailure is off. */
export class AlarmPollFailedError extends StepDeployError {
  override name = 'AlarmPollFailedError' as const;
}
/** StopDeployment was called. */
export class DeploymentStoppedError extends StepDeployError {
  override name = 'DeploymentStoppedError' as const;
}
/** A Lambda or ECS hook answered Failed, or never answered. */
export class HookExecutionFailedError extends StepDeployError {
  override name = 'HookExecutionFailedError' as const;
}
/** The AppSpec or the revision is invalid. */
export class InvalidRevisionError extends StepDeployError {
  override name = 'InvalidRevisionError' as const;
}
/** The alias is not where the AppSpec says it is, or it is mid-shift. */
export class InvalidLambdaConfigurationError extends StepDeployError {
  override name = 'InvalidLambdaConfigurationError' as const;
}
/** The function or one of its versions does not exist. */
export class InvalidLambdaFunctionError extends StepDeployError {
  override name = 'InvalidLambdaFunctionError' as const;
}
/** A retryable throttle from an AWS API; Step Functions retries states on this name. */
export class ThrottlingError extends StepDeployError {
  override name = 'ThrottlingError' as const;
  constructor(
    message: string,
    readonly code: string = 'ThrottlingException',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
/** The resource a port was asked about does not exist (a function, an alias, an alarm, ...). */
export class ResourceNotFoundError extends StepDeployError {
  override name = 'ResourceNotFoundError' as const;
  constructor(
    message: string,
    readonly resource?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
/**
 * The task token was already completed, timed out or is unknown. A late hook or alarm callback ends
 * up here: the caller reports it, the process does not crash.
 */
export class TaskTokenNoLongerValidError extends StepDeployError {
  override name = 'TaskTokenNoLongerValidError' as const;
  constructor(
    message: string,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
/** A conditional deployment update found the deployment in a status the caller did not expect. */
export class DeploymentStatusConflictError extends StepDeployError {
  override name = 'DeploymentStatusConflictError' as const;
}
/**
 * The group's lock changed hands on every attempt to take it (released and taken again in between):
 * a transient race, which the state machines retry.
 */
export class GroupLockContendedError extends StepDeployError {
  override name = 'GroupLockContendedError' as const;
}
/** A valid compute platform and deployment type this stepdeploy has no flow (state machine) for. */
export class UnsupportedDeploymentFlowError extends StepDeployError {
  override name = 'UnsupportedDeploymentFlowError' as const;
}
/** A flow's state machine was started for a deployment group of another flow. */
export class DeploymentFlowMismatchError extends StepDeployError {
  override name = 'DeploymentFlowMismatchError' as const;
}
/** The ECS service cannot be deployed as the group says (missing, not EXTERNAL, a task set left over). */
export class InvalidEcsServiceError extends StepDeployError {
  override name = 'InvalidEcsServiceError' as const;
}
/** ECS refused or failed a task-set change, or the replacement never became stable in time. */
export class EcsUpdateError extends StepDeployError {
  override name = 'EcsUpdateError' as const;
}
/** The group names no usable target-group pair or production listener. */
export class MissingElbInformationError extends StepDeployError {
  override name = 'MissingElbInformationError' as const;
}
/**
 * A listener or a target group is not what the deployment expects: it forwards elsewhere than the
 * group's target-group pair, or someone changed its weights during the deployment.
 */
export class ElasticLoadBalancingInvalidError extends StepDeployError {
  override name = 'ElasticLoadBalancingInvalidError' as const;
}
/** The ready wait (deploymentReadyOption STOP_DEPLOYMENT) ran out before ContinueDeployment READY_WAIT. */
export class ReadyWaitExpiredError extends StepDeployError {
  override name = 'ReadyWaitExpiredError' as const;
}
/** Too many instances failed for the minimum-healthy-hosts rule. */
export class HealthConstraintsError extends StepDeployError {
  override name = 'HealthConstraintsError' as const;
}
/** The minimum healthy hosts cannot be met even before the deployment starts. */
export class HealthConstraintsInvalidError extends StepDeployError {
  override name = 'HealthConstraintsInvalidError' as const;
}
/** The deployment would not fit in one execution's history (too many batches). */
export class OverMaxInstancesError extends StepDeployError {
  override name = 'OverMaxInstancesError' as const;
}
/** The deployment group has no instances to deploy to. */
export class NoInstancesError extends StepDeployError {
  override name = 'NoInstancesError' as const;
}
/** A group selects instances by a kind of selector this runtime cannot resolve (EC2 tags in AWS, for now). */
export class UnsupportedInstanceSelectorError extends StepDeployError {
  override name = 'UnsupportedInstanceSelectorError' as const;
}

/** The replacement fleet could not be made from the group's Auto Scaling group (COPY_AUTO_SCALING_GROUP). */
export class AutoScalingConfigurationError extends StepDeployError {
  override name = 'AutoScalingConfigurationError' as const;
}

export type FailureStatus = 'Failed' | 'Stopped';

export interface DeploymentFailure {
  code: ErrorCode;
  status: FailureStatus;
  message: string;
}

const FAILURES: Record<string, { code: ErrorCode; status: FailureStatus }> = {
  AlarmActiveError: { code: 'ALARM_ACTIVE', status: 'Stopped' },
  AlarmPollFailedError: { code: 'ALARM_ACTIVE', status: 'Stopped' },
  DeploymentStoppedError: { code: 'MANUAL_STOP', status: 'Stopped' },
  HookExecutionFailedError: { code: 'HOOK_EXECUTION_FAILURE', status: 'Failed' },
  InvalidRevisionError: { code: 'INVALID_REVISION', status: 'Failed' },
  InvalidLambdaConfigurationError: { code: 'INVALID_LAMBDA_CONFIGURATION', status: 'Failed' },
  InvalidLambdaFunctionError: { code: 'INVALID_LAMBDA_FUNCTION', status: 'Failed' },
  InvalidEcsServiceError: { code: 'INVALID_ECS_SERVICE', status: 'Failed' },
  EcsUpdateError: { code: 'ECS_UPDATE_ERROR', status: 'Failed' },
  MissingElbInformationError: { code: 'MISSING_ELB_INFORMATION', status: 'Failed' },
  ElasticLoadBalancingInvalidError: { code: 'ELASTIC_LOAD_BALANCING_INVALID', status: 'Failed' },
  // CodeDeploy stops a deployment whose ready wait ends without ContinueDeployment [error code inferred].
  ReadyWaitExpiredError: { code: 'TIMEOUT', status: 'Stopped' },
  ThrottlingError: { code: 'THROTTLED', status: 'Failed' },
  HealthConstraintsError: { code: 'HEALTH_CONSTRAINTS', status: 'Failed' },
  HealthConstraintsInvalidError: { code: 'HEALTH_CONSTRAINTS_INVALID', status: 'Failed' },
  NoInstancesError: { code: 'NO_INSTANCES', status: 'Failed' },
  AutoScalingConfigurationError: { code: 'AUTO_SCALING_CONFIGURATION', status: 'Failed' },
  UnsupportedInstanceSelectorError: { code: 'NO_INSTANCES', status: 'Failed' },
  OverMaxInstancesError: { code: 'OVER_MAX_INSTANCES', status: 'Failed' },
  InvalidBundleError: { code: 'INVALID_REVISION', status: 'Failed' },
  DeploymentGroupDoesNotExistException: { code: 'DEPLOYMENT_GROUP_MISSING', status: 'Failed' },
  DeploymentLimitExceededException: { code: 'RESOURCE_LIMIT_EXCEEDED', status: 'Failed' },
  GroupLockContendedError: { code: 'RESOURCE_LIMIT_EXCEEDED', status: 'Failed' },
  DeploymentConfigDoesNotExistException: { code: 'INVALID_REVISION', status: 'Failed' },
  'States.Timeout': { code: 'TIMEOUT', status: 'Failed' },
};

/**
 * The CodeDeploy error code and final status for an error caught by a state machine. `Cause` may be
 * a plain message (embedded engine, SendTaskFailure) or Lambda's JSON envelope (Step Functions).
 */
export function failureFor(error: { Error?: string; Cause?: string } | undefined): DeploymentFailure {
  const name = error?.Error ?? 'States.Runtime';
  const known = FAILURES[name] ?? { code: 'INTERNAL_ERROR', status: 'Failed' as const };
  return { ...known, message: causeMessage(error?.Cause) || name };
}

export function causeMessage(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed: unknown = JSON.parse(cause);
    if (typeof parsed === 'object' && parsed !== null && 'errorMessage' in parsed) {
      return String((parsed as { errorMessage: unknown }).errorMessage);
    }
  } catch {
    // not JSON: the cause is the message itself
  }
  return cause;
}
