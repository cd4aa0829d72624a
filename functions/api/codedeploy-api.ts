import type { DeploymentStore } from '../ports/deployment-store.js';
import type { DeploymentRecord, InstanceTargetRecord } from '../ports/records.js';

/**
 * The CodeDeploy-compatible JSON 1.1 API (X-Amz-Target `CodeDeploy_20141006.<Operation>`): the part
 * hook functions, the CLI and scripts use. Errors are CodeDeploy's: HTTP 400 with
 * `{"__type": "<ExceptionName>", "message": "..."}`.
 */
export interface CodeDeployUseCases {
  /** The records the operations read. */
  store: Pick<DeploymentStore, 'getDeployment' | 'listDeployments' | 'listDeploymentTargets'>;
  stopDeployment(
    deploymentId: string,
    options: { autoRollbackEnabled?: boolean },
  ): Promise<{ status: string; statusMessage: string }>;
  putLifecycleEventHookExecutionStatus(input: {
    deploymentId: string;
    lifecycleEventHookExecutionId: string;
    status: string;
  }): Promise<{ lifecycleEventHookExecutionId: string }>;
}

export const TARGET_PREFIX = 'CodeDeploy_20141006.';

export interface ApiResponse {
  statusCode: number;
  body: unknown;
}

class ApiError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

/** Epoch seconds, as the API's timestamps are. */
function seconds(iso: string | undefined): number | undefined {
  return iso ? Date.parse(iso) / 1000 : undefined;
}

export function deploymentInfo(record: DeploymentRecord) {
  return {
    deploymentId: record.deploymentId,
    applicationName: record.applicationName,
    deploymentGroupName: record.deploymentGroupName,
    deploymentConfigName: record.deploymentConfigName,
    computePlatform: record.computePlatform,
    status: record.status,
    creator: record.creator,
    createTime: seconds(record.createTime),
    startTime: seconds(record.startTime),
    completeTime: seconds(record.completeTime),
    revision: record.revision,
    ...(record.errorInformation ? { errorInformation: record.errorInformation } : {}),
    ...(record.rollbackInfo ? { rollbackInfo: record.rollbackInfo } : {}),
    ...(record.description ? { description: record.description } : {}),
  };
}

export function instanceTarget(target: InstanceTargetRecord) {
  return {
    deploymentTargetType: 'InstanceTarget',
    instanceTarget: {
      deploymentId: target.deploymentId,
      targetId: target.targetId,
      status: target.status,
      lastUpdatedAt: seconds(target.lastUpdatedAt),
      lifecycleEvents: target.lifecycleEvents.map((event) => ({
        lifecycleEventName: event.lifecycleEventName,
        status: event.status,
        startTime: seconds(event.startTime),
        endTime: seconds(event.endTime),
        ...(event.diagnostics ? { diagnostics: event.diagnostics } : {}),
      })),
    },
  };
}

function field(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '')
    throw new ApiError('ValidationException', `${name} is required.`);
  return value;
}

async function deployment(useCases: CodeDeployUseCases, deploymentId: string): Promise<DeploymentRecord> {
  const record = await useCases.store.getDeployment(deploymentId);
  if (!record)
    throw new ApiError(
      'DeploymentDoesNotExistException',
      `The deployment ${deploymentId} could not be found`,
    );
  return record;
}

const OPERATIONS: Record<
  string,
  (useCases: CodeDeployUseCases, body: Record<string, unknown>) => Promise<unknown>
> = {
  async GetDeployment(useCases, body) {
    return { deploymentInfo: deploymentInfo(await deployment(useCases, field(body, 'deploymentId'))) };
  },
  async ListDeployments(useCases, body) {
    const applicationName = typeof body.applicationName === 'string' ? body.applicationName : undefined;
    const deploymentGroupName =
      typeof body.deploymentGroupName === 'string' ? body.deploymentGroupName : undefined;
    if ((applicationName === undefined) !== (deploymentGroupName === undefined)) {
      throw new ApiError(
        'InvalidInputException',
        'applicationName and deploymentGroupName must be given together.',
      );
    }
    const records = await useCases.store.listDeployments({ applicationName, deploymentGroupName });
    return { deployments: records.map((record) => record.deploymentId) };
  },
  async ListDeploymentTargets(useCases, body) {
    const id = field(body, 'deploymentId');
    await deployment(useCases, id);
    return { targetIds: (await useCases.store.listDeploymentTargets(id)).map((target) => target.targetId) };
  },
  async BatchGetDeploymentTargets(useCases, body) {
    const id = field(body, 'deploymentId');
    await deployment(useCases, id);
    const wanted = Array.isArray(body.targetIds) ? new Set(body.targetIds.map(String)) : undefined;
    const targets = (await useCases.store.listDeploymentTargets(id)).filter(
      (t) => !wanted || wanted.has(t.targetId),
    );
    return { deploymentTargets: targets.map(instanceTarget) };
  },
  async StopDeployment(useCases, body) {
    return useCases.stopDeployment(field(body, 'deploymentId'), {
      autoRollbackEnabled: body.autoRollbackEnabled === true,
    });
  },
  async PutLifecycleEventHookExecutionStatus(useCases, body) {
    return useCases.putLifecycleEventHookExecutionStatus({
      deploymentId: field(body, 'deploymentId'),
      lifecycleEventHookExecutionId: field(body, 'lifecycleEventHookExecutionId'),
      status: field(body, 'status'),
    });
  },
};

export const SUPPORTED_OPERATIONS = Object.keys(OPERATIONS);

/** Handles one API call; never throws (errors become CodeDeploy's error responses). */
export async function handleCodeDeployRequest(
  useCases: CodeDeployUseCases,
  target: string | undefined,
  rawBody: string,
  allowedOperations: readonly string[] = SUPPORTED_OPERATIONS,
): Promise<ApiResponse> {
  try {
    const operation = target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
    const handler = operation && allowedOperations.includes(operation) ? OPERATIONS[operation] : undefined;
    if (!handler)
      throw new ApiError(
        'UnknownOperationException',
        `Unsupported operation: ${target ?? '(no X-Amz-Target)'}`,
      );
    let body: unknown;
    try {
      body = rawBody.trim() === '' ? {} : JSON.parse(rawBody);
    } catch {
      throw new ApiError('SerializationException', 'The request body is not valid JSON.');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ApiError('SerializationException', 'The request body must be a JSON object.');
    }
    return { statusCode: 200, body: await handler(useCases, body as Record<string, unknown>) };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'InternalFailure';
    const message = error instanceof Error ? error.message : String(error);
    const known = name.endsWith('Exception') || name === 'ValidationException';
    return { statusCode: known ? 400 : 500, body: { __type: known ? name : 'InternalFailure', message } };
  }
}
