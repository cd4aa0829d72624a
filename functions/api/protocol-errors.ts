import { StepDeployError } from '../domain/errors.js';

/**
 * Errors of the JSON 1.1 protocol itself, outside CodeDeploy's modelled exceptions: a body that is
 * not JSON or has a value of the wrong JSON type (SerializationException), a constraint the model
 * states without a dedicated exception (ValidationException), an unknown X-Amz-Target
 * (UnknownOperationException), an oversized body, and the authentication errors of AWS's JSON
 * services. `statusCode` is the HTTP status it is answered with.
 */
export type ProtocolErrorName =
  | 'SerializationException'
  | 'ValidationException'
  | 'UnknownOperationException'
  | 'RequestEntityTooLargeException'
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'UnrecognizedClientException'
  | 'InvalidSignatureException'
  | 'ThrottlingException'
  | 'InternalFailure';

export class ProtocolError extends StepDeployError {
  constructor(
    name: ProtocolErrorName,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = name;
  }
}
