/**
 * Named errors. Every error stepdeploy throws on purpose is a `StepDeployError`; its `name` is the
 * class name, which is what a Step Functions `Catch`/`Retry` `ErrorEquals` matches and what the
 * CodeDeploy-compatible API returns as `__type`. Subclasses declare `name` as a string literal so
 * that bundling with minification cannot change it; later layers add their own subclasses here or
 * next to the code that throws them.
 */
export class StepDeployError extends Error {
  override name: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export function isStepDeployError(value: unknown): value is StepDeployError {
  return value instanceof StepDeployError;
}

/** A deployment configuration name that is neither predefined nor a known custom config. */
export class DeploymentConfigDoesNotExistException extends StepDeployError {
  override name = 'DeploymentConfigDoesNotExistException' as const;
}

/** A deployment configuration name is required and was not given. */
export class DeploymentConfigNameRequiredException extends StepDeployError {
  override name = 'DeploymentConfigNameRequiredException' as const;
}

/** The name is too long, uses characters outside `[A-Za-z0-9._+=,@-]`, or takes a reserved prefix. */
export class InvalidDeploymentConfigNameException extends StepDeployError {
  override name = 'InvalidDeploymentConfigNameException' as const;
}

export class InvalidMinimumHealthyHostValueException extends StepDeployError {
  override name = 'InvalidMinimumHealthyHostValueException' as const;
}

export class InvalidTrafficRoutingConfigurationException extends StepDeployError {
  override name = 'InvalidTrafficRoutingConfigurationException' as const;
}

export class InvalidZonalDeploymentConfigurationException extends StepDeployError {
  override name = 'InvalidZonalDeploymentConfigurationException' as const;
}

export class InvalidComputePlatformException extends StepDeployError {
  override name = 'InvalidComputePlatformException' as const;
}

/** A deployment type or option that is not CodeDeploy's, or that the compute platform cannot use. */
export class InvalidDeploymentStyleException extends StepDeployError {
  override name = 'InvalidDeploymentStyleException' as const;
}

/** A status change the deployment, target or lifecycle-event model does not allow. */
export class IllegalStatusTransitionError extends StepDeployError {
  override name = 'IllegalStatusTransitionError' as const;
  readonly kind: string;
  readonly from: string;
  readonly to: string;

  constructor(kind: string, from: string, to: string) {
    super(`Illegal ${kind} status transition: ${from} -> ${to}`);
    this.kind = kind;
    this.from = from;
    this.to = to;
  }
}

/** A caller broke a pure function's contract (bad argument), as opposed to a user input error. */
export class InvalidArgumentError extends StepDeployError {
  override name = 'InvalidArgumentError' as const;
}
