import { StepDeployError } from '../errors.js';

/**
 * A value would reach an instance script in a form the builder refuses to quote: a newline, carriage
 * return or NUL (they break the line-oriented files the scripts keep, and NUL cannot be passed to a
 * shell at all), or a user name, id or path that could be read as a command-line option or escape
 * its directory.
 */
export class UnsafeScriptValueError extends StepDeployError {
  override name = 'UnsafeScriptValueError' as const;
}
