/**
 * The CodeDeploy-compatible API: CodeDeploy's JSON 1.1 protocol (`POST /`, X-Amz-Target
 * `CodeDeploy_20141006.<Operation>`, a JSON body in the operation's input shape). Success is 200 with
 * the output shape (timestamps in epoch seconds); an error is HTTP 400 with
 * `{"__type": "<ExceptionName>", "message": "..."}` using CodeDeploy's exception names, and an
 * unexpected failure is a 500 InternalFailure whose message reveals nothing internal.
 *
 * The same code serves the Lambda behind the AWS stack and `stepdeploy server`; callers
 * authenticate before calling it (see `operationAuth`). It imports nothing local-only.
 */
import { StepDeployError } from '../domain/errors.js';
import { ThrottlingError } from '../domain/deployment-errors.js';
import { applicationRevisionOperations } from './application-revisions.js';
import { applicationOperations } from './applications.js';
import { CODEDEPLOY_MODEL } from './codedeploy-model.js';
import type { ControlPlane } from './control-plane.js';
import { deploymentConfigOperations } from './deployment-configs.js';
import { deploymentGroupOperations } from './deployment-groups.js';
import { deploymentOperations, type DeploymentUseCases } from './deployments.js';
import { InputValidator } from './input-validation.js';
import { onPremisesInstanceOperations } from './on-premises-instances.js';
import type { OperationAuth, OperationEntry } from './operation-table.js';
import { ProtocolError } from './protocol-errors.js';

export { deploymentInfo, instanceTarget } from './deployments.js';
export type { ControlPlane } from './control-plane.js';

export interface CodeDeployUseCases extends DeploymentUseCases {
  /** Applications, deployment groups, configs, revisions and on-premises instances, when served. */
  controlPlane?: ControlPlane;
  /** Told about an unexpected failure (the caller answers 500 without its details). */
  onInternalError?(error: unknown, operation: string): void;
}

export const TARGET_PREFIX = `${CODEDEPLOY_MODEL.targetPrefix}.`;
/** Bodies above this size are refused with 413 before they are parsed. */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

export interface ApiResponse {
  statusCode: number;
  body: unknown;
}

const DEPLOYMENT_OPERATIONS: Record<string, OperationEntry<DeploymentUseCases>> = deploymentOperations();
const CONTROL_PLANE_OPERATIONS: Record<string, OperationEntry<ControlPlane>> = {
  ...applicationOperations(),
  ...deploymentGroupOperations(),
  ...deploymentConfigOperations(),
  ...applicationRevisionOperations(),
  ...onPremisesInstanceOperations(),
};

export const DEPLOYMENT_OPERATION_NAMES = Object.keys(DEPLOYMENT_OPERATIONS).sort();
export const CONTROL_PLANE_OPERATION_NAMES = Object.keys(CONTROL_PLANE_OPERATIONS).sort();
/** Every operation this API implements. */
export const SUPPORTED_OPERATIONS = [...DEPLOYMENT_OPERATION_NAMES, ...CONTROL_PLANE_OPERATION_NAMES].sort();

const validator = new InputValidator(CODEDEPLOY_MODEL);

/** The operation an X-Amz-Target names, if it is CodeDeploy's. */
export function operationOf(target: string | undefined): string | undefined {
  return target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
}

/**
 * How a request's caller must be authenticated: by signature, except PutLifecycleEventHookExecutionStatus,
 * whose hook execution id is the capability. Anything unknown needs a signature.
 */
export function operationAuth(target: string | undefined): OperationAuth {
  const operation = operationOf(target);
  return (operation && DEPLOYMENT_OPERATIONS[operation]?.auth) || 'signature';
}

function errorResponse(error: unknown, operation: string, useCases: CodeDeployUseCases): ApiResponse {
  if (error instanceof ProtocolError) {
    return { statusCode: error.statusCode, body: { __type: error.name, message: error.message } };
  }
  if (error instanceof ThrottlingError) {
    return {
      statusCode: 400,
      body: { __type: 'ThrottlingException', message: 'Rate exceeded: retry with backoff.' },
    };
  }
  if (error instanceof StepDeployError && error.name.endsWith('Exception')) {
    return { statusCode: 400, body: { __type: error.name, message: error.message } };
  }
  useCases.onInternalError?.(error, operation);
  return {
    statusCode: 500,
    body: {
      __type: 'InternalFailure',
      message: `${operation || 'The request'} failed on the server; the server's log has the details. Retry, and report it if it persists.`,
    },
  };
}

function parseBody(rawBody: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = rawBody.trim() === '' ? {} : JSON.parse(rawBody);
  } catch {
    throw new ProtocolError('SerializationException', 'The request body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ProtocolError('SerializationException', 'The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

/** Handles one API call; never throws (errors become CodeDeploy's error responses). */
export async function handleCodeDeployRequest(
  useCases: CodeDeployUseCases,
  target: string | undefined,
  rawBody: string,
  allowedOperations: readonly string[] = SUPPORTED_OPERATIONS,
): Promise<ApiResponse> {
  const operation = operationOf(target) ?? '';
  try {
    if (Buffer.byteLength(rawBody, 'utf8') > MAX_REQUEST_BODY_BYTES) {
      throw new ProtocolError(
        'RequestEntityTooLargeException',
        `The request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes, the limit.`,
        413,
      );
    }
    const allowed = allowedOperations.includes(operation);
    const deploymentEntry = allowed ? DEPLOYMENT_OPERATIONS[operation] : undefined;
    const controlPlaneEntry =
      allowed && useCases.controlPlane ? CONTROL_PLANE_OPERATIONS[operation] : undefined;
    if (!deploymentEntry && !controlPlaneEntry) {
      throw new ProtocolError(
        'UnknownOperationException',
        target
          ? `Unsupported operation: ${target}`
          : 'The request names no operation: set X-Amz-Target to CodeDeploy_20141006.<Operation>.',
      );
    }
    const body = parseBody(rawBody);
    const entry = (deploymentEntry ?? controlPlaneEntry)!;
    validator.validate(operation, body, entry.optionalMembers);
    const result = deploymentEntry
      ? await deploymentEntry.handler(body as never, useCases)
      : await controlPlaneEntry!.handler(body as never, useCases.controlPlane!);
    return { statusCode: 200, body: result ?? {} };
  } catch (error) {
    return errorResponse(error, operation, useCases);
  }
}
