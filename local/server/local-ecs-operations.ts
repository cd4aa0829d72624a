/**
 * stepdeploy's own operations on the server's local ECS service, served beside CodeDeploy's API on
 * the same listener and signed with the same key. They stand for what is done outside CodeDeploy in
 * AWS (`aws ecs register-task-definition`, `aws ecs create-service --deployment-controller
 * type=EXTERNAL` with its first task set, the load balancer's listeners, a CloudWatch alarm), so that
 * `stepdeploy deploy DIR` can prepare a service on a server in another process as well as on its own,
 * and then deploy it through CodeDeploy's API like any client:
 *
 * - `EnsureService` registers a task-definition file (same content, same revision), creates the
 *   service with it as its only task set (all traffic on it) when the service does not exist yet,
 *   adds a test listener if asked, keeps the directory of the service's hook programs, and with
 *   `alarm5xxRatePercent` creates a 5xx-rate alarm on the production listener.
 * - `DescribeService` reports the task sets with their weights on each listener, and the listeners.
 */
import type { ApiResponse } from '../../functions/api/codedeploy-api.js';
import type { EcsEnvironment, LocalTaskSetReport } from '../ecs/ecs-environment.js';
import type { LocalAlarms } from './alarms.js';
import type { ServiceListenerUrls } from './server-file.js';

export const LOCAL_ECS_TARGET_PREFIX = 'StepDeployLocalEcs.';

export interface EnsureServiceInput {
  /** Default `local`. */
  clusterName?: string;
  serviceName: string;
  /** An absolute path to a RegisterTaskDefinition JSON file; its images are relative to it. */
  taskDefinitionFile?: string;
  /** A registered task definition (ARN or family:revision), when no file is given. */
  taskDefinition?: string;
  /** The container and port the load balancer sends to (the AppSpec's LoadBalancerInfo). */
  containerName: string;
  containerPort: number;
  /** Tasks per task set when the service is created (default 2); refused when it differs otherwise. */
  desiredCount?: number;
  /** The production listener's port when the service is created (default: a free one). */
  productionListenerPort?: number;
  /** Adds a test listener on this port (0: a free one). */
  testListenerPort?: number;
  /** An absolute directory whose `hooks/` holds the service's hook programs. */
  hooksDirectory?: string;
  alarm5xxRatePercent?: number;
}

export interface EnsureServiceOutput {
  created: boolean;
  taskDefinitionArn: string;
  listeners: ServiceListenerUrls;
  /** The deployment group's ECS fields: the service, and the target-group pair with its listeners. */
  deploymentGroup: ReturnType<EcsEnvironment['deploymentGroup']>;
  /** The alarm the group should name, with `alarm5xxRatePercent`. */
  alarmName?: string;
}

export interface DescribeServiceOutput {
  taskSets: LocalTaskSetReport[];
  listeners: ServiceListenerUrls;
}

/** A request the operations refuse; its name is the `__type` of the answer, as ECS names its errors. */
class InvalidParameter extends Error {
  override name = 'InvalidParameterException';
}

const NAME = /^[A-Za-z0-9_-]{1,255}$/;

function text(body: Record<string, unknown>, field: string, required: true): string;
function text(body: Record<string, unknown>, field: string, required?: false): string | undefined;
function text(body: Record<string, unknown>, field: string, required = false): string | undefined {
  const value = body[field];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new InvalidParameter(`${field} must be a non-empty string.`);
  return value;
}

function whole(body: Record<string, unknown>, field: string, min: number, max: number): number | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidParameter(`${field} must be a whole number from ${min} to ${max}.`);
  }
  return value;
}

function checkedInput(body: unknown): EnsureServiceInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidParameter('The request body must be a JSON object.');
  }
  const input = body as Record<string, unknown>;
  const serviceName = text(input, 'serviceName', true);
  const clusterName = text(input, 'clusterName');
  for (const [field, value] of [
    ['serviceName', serviceName],
    ['clusterName', clusterName],
  ] as const) {
    if (value !== undefined && !NAME.test(value)) {
      throw new InvalidParameter(`${field} must be 1-255 letters, digits, hyphens or underscores.`);
    }
  }
  const taskDefinitionFile = text(input, 'taskDefinitionFile');
  const taskDefinition = text(input, 'taskDefinition');
  if ((taskDefinitionFile === undefined) === (taskDefinition === undefined)) {
    throw new InvalidParameter('Give either taskDefinitionFile or taskDefinition.');
  }
  const hooksDirectory = text(input, 'hooksDirectory');
  for (const [field, path] of [
    ['taskDefinitionFile', taskDefinitionFile],
    ['hooksDirectory', hooksDirectory],
  ] as const) {
    if (path !== undefined && !path.startsWith('/')) {
      throw new InvalidParameter(
        `${field} must be an absolute path (the server resolves nothing against its own directory).`,
      );
    }
  }
  const rate = input['alarm5xxRatePercent'];
  if (rate !== undefined && (typeof rate !== 'number' || !(rate > 0 && rate <= 100))) {
    throw new InvalidParameter('alarm5xxRatePercent must be a percentage above 0 and at most 100.');
  }
  const desiredCount = whole(input, 'desiredCount', 1, 100);
  const productionListenerPort = whole(input, 'productionListenerPort', 0, 65535);
  const testListenerPort = whole(input, 'testListenerPort', 0, 65535);
  return {
    serviceName,
    ...(clusterName !== undefined ? { clusterName } : {}),
    ...(taskDefinitionFile !== undefined ? { taskDefinitionFile } : {}),
    ...(taskDefinition !== undefined ? { taskDefinition } : {}),
    containerName: text(input, 'containerName', true),
    containerPort: whole(input, 'containerPort', 1, 65535) ?? failMissing('containerPort'),
    ...(desiredCount !== undefined ? { desiredCount } : {}),
    ...(productionListenerPort !== undefined ? { productionListenerPort } : {}),
    ...(testListenerPort !== undefined ? { testListenerPort } : {}),
    ...(hooksDirectory !== undefined ? { hooksDirectory } : {}),
    ...(typeof rate === 'number' ? { alarm5xxRatePercent: rate } : {}),
  };
}

function failMissing(field: string): never {
  throw new InvalidParameter(`${field} is required.`);
}

/** The alarm's name says its threshold: another threshold is another alarm, which the group then names. */
export function productionAlarmName(serviceName: string, percent: number): string {
  return `local-ecs-${serviceName}-5xx-${percent}pct`;
}

export interface LocalEcsOperations {
  prefix: string;
  handle(target: string, body: string): Promise<ApiResponse>;
}

export function localEcsOperations(
  environment: () => Promise<EcsEnvironment>,
  alarms: LocalAlarms,
): LocalEcsOperations {
  const ensureService = async (input: EnsureServiceInput): Promise<EnsureServiceOutput> => {
    const ecs = await environment();
    const spec = {
      ...(input.clusterName ? { clusterName: input.clusterName } : {}),
      serviceName: input.serviceName,
      ...(input.desiredCount !== undefined ? { desiredCount: input.desiredCount } : {}),
      ...(input.productionListenerPort ? { productionPort: input.productionListenerPort } : {}),
      ...(input.testListenerPort !== undefined ? { testListener: input.testListenerPort || true } : {}),
      ...(input.hooksDirectory ? { hooksDirectory: input.hooksDirectory } : {}),
    };
    const taskDefinitionArn = input.taskDefinitionFile
      ? ecs.registerTaskDefinitionFile(input.taskDefinitionFile).taskDefinitionArn
      : (await ecs.ecs.describeTaskDefinition(input.taskDefinition!)).taskDefinitionArn;
    const { created, listeners } = await ecs.ensureService(spec, {
      taskDefinition: taskDefinitionArn,
      containerName: input.containerName,
      containerPort: input.containerPort,
    });
    let alarmName: string | undefined;
    if (input.alarm5xxRatePercent !== undefined) {
      alarmName = productionAlarmName(input.serviceName, input.alarm5xxRatePercent);
      if (!alarms.has(alarmName)) {
        // As the Server platform's alarm: evaluated every second, ALARM after two breaching periods
        // of at least 5 requests each.
        await alarms.add(
          await ecs.createProductionAlarm(spec, {
            name: alarmName,
            periodMs: 1000,
            evaluationPeriods: 2,
            thresholdPercent: input.alarm5xxRatePercent,
            minRequests: 5,
          }),
        );
      }
    }
    return {
      created,
      taskDefinitionArn,
      listeners,
      deploymentGroup: ecs.deploymentGroup(spec),
      ...(alarmName ? { alarmName } : {}),
    };
  };

  const describeService = async (body: Record<string, unknown>): Promise<DescribeServiceOutput> => {
    const ecs = await environment();
    const clusterName = text(body, 'clusterName');
    const spec = { ...(clusterName ? { clusterName } : {}), serviceName: text(body, 'serviceName', true) };
    if (!ecs.hasService(spec)) {
      const error = new Error(`The local ECS service ${spec.serviceName} does not exist.`);
      error.name = 'ServiceNotFoundException';
      throw error;
    }
    return { taskSets: await ecs.taskSets(spec), listeners: ecs.listenerUrls(spec) };
  };

  return {
    prefix: LOCAL_ECS_TARGET_PREFIX,
    async handle(target, body) {
      const operation = target.slice(LOCAL_ECS_TARGET_PREFIX.length);
      try {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body || '{}');
        } catch {
          throw new InvalidParameter('The request body is not JSON.');
        }
        switch (operation) {
          case 'EnsureService':
            return { statusCode: 200, body: await ensureService(checkedInput(parsed)) };
          case 'DescribeService':
            return {
              statusCode: 200,
              body: await describeService((parsed ?? {}) as Record<string, unknown>),
            };
          default:
            return {
              statusCode: 400,
              body: {
                __type: 'UnknownOperationException',
                message: `${target} is not an operation of the local ECS service (EnsureService, DescribeService).`,
              },
            };
        }
      } catch (error) {
        const answer = errorBody(error);
        return { statusCode: answer.__type === 'ServerException' ? 500 : 400, body: answer };
      }
    },
  };
}

/** What the caller is told: the error's name as ECS's `__type` (a LocalEcsError is a bad parameter). */
function errorBody(error: unknown): { __type: string; message: string } {
  const name = error instanceof Error ? error.name : 'ServerException';
  const message = error instanceof Error ? error.message : String(error);
  const type =
    name === 'ServiceMismatchError'
      ? 'ServiceMismatchException'
      : name === 'LocalEcsError' || name === 'EcsUpdateError' || name === 'InvalidParameterException'
        ? 'InvalidParameterException'
        : name === 'ServiceNotFoundException' || name === 'ResourceNotFoundError'
          ? 'ServiceNotFoundException'
          : 'ServerException';
  return { __type: type, message };
}
