/**
 * One of CodeDeploy's modelled exceptions, raised by the control plane's validation and stores. The
 * `name` is the exception's name, which the API returns as `__type`; the message names the field and
 * the fix.
 */
import type { CodeDeployExceptionName } from './codedeploy-shapes.js';
import { StepDeployError } from './errors.js';

export class CodeDeployException extends StepDeployError {
  constructor(name: CodeDeployExceptionName, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = name;
  }
}

/** Shorthand for `new CodeDeployException(name, message)`. */
export function codeDeployException(name: CodeDeployExceptionName, message: string): CodeDeployException {
  return new CodeDeployException(name, message);
}
