/**
 * The deployment operations: CreateDeployment, GetDeployment, BatchGetDeployments, ListDeployments,
 * StopDeployment, ContinueDeployment, SkipWaitTimeForInstanceTermination, the targets
 * (ListDeploymentTargets, BatchGetDeploymentTargets, GetDeploymentTarget), the older instance
 * operations scripts still call (ListDeploymentInstances, GetDeploymentInstance,
 * BatchGetDeploymentInstances), and PutLifecycleEventHookExecutionStatus.
 */
import { CodeDeployException } from '../domain/codedeploy-exception.js';
import type { CodeDeployExceptionName, DeploymentTarget } from '../domain/codedeploy-shapes.js';
import { isDeploymentId } from '../domain/deployment-id.js';
import { TARGET_STATUS_VALUES, type DeploymentStatus, type TargetStatus } from '../domain/status.js';
import type { DeploymentRecord } from '../ports/records.js';
import {
  checkDeploymentGroupName,
  DEFAULT_PAGE_SIZE,
  offsetPage,
  requireApplication,
  requireDeploymentGroup,
} from './control-plane.js';
import { createDeployment } from './create-deployment.js';
import {
  deploymentInfo,
  instanceSummary,
  instanceTarget,
  singleTarget,
  singleTargetId,
} from './deployment-info.js';
import type { DeploymentUseCases } from './deployment-use-cases.js';
import { operation, type OperationEntry } from './operation-table.js';

export { deploymentInfo, instanceTarget } from './deployment-info.js';

export type { DeploymentOperationsStore, DeploymentUseCases } from './deployment-use-cases.js';

export const BATCH_GET_DEPLOYMENTS_LIMIT = 25;
export const BATCH_GET_DEPLOYMENT_TARGETS_LIMIT = 25;
export const BATCH_GET_DEPLOYMENT_INSTANCES_LIMIT = 100;

const fail = (name: CodeDeployExceptionName, message: string) => new CodeDeployException(name, message);

/** A deployment id of CodeDeploy's form, or InvalidDeploymentIdException; absent is DeploymentIdRequiredException. */
function checkDeploymentId(deploymentId: string | undefined): string {
  if (deploymentId === undefined || deploymentId === '') {
    throw fail('DeploymentIdRequiredException', 'deploymentId is required.');
  }
  if (!isDeploymentId(deploymentId)) {
    throw fail(
      'InvalidDeploymentIdException',
      `${JSON.stringify(String(deploymentId).slice(0, 40))} is not a deployment id: they read d- and 9 capital letters or digits (d-ABCD12345).`,
    );
  }
  return deploymentId;
}

async function deployment(useCases: DeploymentUseCases, deploymentId: string | undefined) {
  const id = checkDeploymentId(deploymentId);
  const record = await useCases.store.getDeployment(id);
  if (!record) throw fail('DeploymentDoesNotExistException', `The deployment ${id} could not be found`);
  return record;
}

/** Targets exist once the deployment has started (Prepare made them). */
function assertStarted(record: DeploymentRecord): void {
  if (record.status === 'Created' || record.status === 'Queued') {
    throw fail(
      'DeploymentNotStartedException',
      `The deployment ${record.deploymentId} has not started yet (${record.status}): its targets are not known.`,
    );
  }
}

function pageSize(useCases: DeploymentUseCases): number {
  return useCases.controlPlane?.pageSize ?? DEFAULT_PAGE_SIZE;
}

function checkStatuses(
  values: readonly string[] | undefined,
  exception: CodeDeployExceptionName,
): TargetStatus[] {
  for (const value of values ?? []) {
    if (!(TARGET_STATUS_VALUES as readonly string[]).includes(value)) {
      throw fail(
        exception,
        `${JSON.stringify(value)} is not a target status: use ${TARGET_STATUS_VALUES.join(', ')}.`,
      );
    }
  }
  return [...(values ?? [])] as TargetStatus[];
}

function checkLabels(values: readonly string[] | undefined, exception: CodeDeployExceptionName) {
  for (const value of values ?? []) {
    if (value !== 'Blue' && value !== 'Green') {
      throw fail(exception, `${JSON.stringify(value)} is not an instance label: use Blue or Green.`);
    }
  }
  return [...(values ?? [])] as Array<'Blue' | 'Green'>;
}

/** A Lambda or ECS deployment's one target, when it passes the filters. */
function singleTargetPage(
  record: DeploymentRecord,
  statuses: readonly TargetStatus[],
  labels: readonly string[],
  nextToken: string | undefined,
  limit: number,
) {
  const target = singleTarget(record);
  const status = target?.lambdaTarget?.status ?? target?.ecsTarget?.status;
  const ids =
    target && (statuses.length === 0 || statuses.includes(status!)) && labels.length === 0
      ? [singleTargetId(record)!]
      : [];
  return offsetPage(ids, nextToken, limit);
}

/** The DeploymentTarget `targetId` names, or DeploymentTargetDoesNotExistException. */
async function target(
  useCases: DeploymentUseCases,
  record: DeploymentRecord,
  targetId: string,
): Promise<DeploymentTarget> {
  if (record.computePlatform === 'Server') {
    const found = await useCases.store.getDeploymentTarget(record.deploymentId, targetId);
    if (found) return instanceTarget(found);
  } else if (singleTargetId(record) === targetId) {
    return singleTarget(record)!;
  }
  throw fail(
    'DeploymentTargetDoesNotExistException',
    `The deployment ${record.deploymentId} has no target ${JSON.stringify(targetId)}.`,
  );
}

function checkTargetId(targetId: string | undefined, field: string): string {
  if (targetId === undefined || targetId === '') {
    throw fail('DeploymentTargetIdRequiredException', `${field} is required.`);
  }
  if (targetId.length > 512) {
    throw fail('InvalidDeploymentTargetIdException', `${field} is longer than 512 characters.`);
  }
  return targetId;
}

/**
 * An instance id as the old instance operations take it: an id longer than any a deployment's target
 * can have (they are target ids) is refused before it is looked up, naming the field.
 */
function checkInstanceId(instanceId: string, field: string): string {
  if (instanceId.length > 512) {
    throw fail('InvalidInstanceNameException', `${field} is longer than 512 characters.`);
  }
  return instanceId;
}

/** The old instance operations are about EC2/On-premises instances only. */
function assertServer(record: DeploymentRecord, operationName: string): void {
  if (record.computePlatform !== 'Server') {
    throw fail(
      'InvalidComputePlatformException',
      `${operationName} reports EC2/On-premises instances; ${record.deploymentId} is a ${record.computePlatform} deployment: use the deployment target operations.`,
    );
  }
}

export function deploymentOperations(): Record<string, OperationEntry<DeploymentUseCases>> {
  return {
    CreateDeployment: operation('CreateDeployment', (input, useCases) => createDeployment(input, useCases)),

    GetDeployment: operation('GetDeployment', async (input, useCases) => ({
      deploymentInfo: deploymentInfo(await deployment(useCases, input.deploymentId)),
    })),

    BatchGetDeployments: operation('BatchGetDeployments', async (input, useCases) => {
      const ids = input.deploymentIds ?? [];
      if (ids.length === 0)
        throw fail('DeploymentIdRequiredException', 'deploymentIds is required: give at least one.');
      if (ids.length > BATCH_GET_DEPLOYMENTS_LIMIT) {
        throw fail(
          'BatchLimitExceededException',
          `deploymentIds has ${ids.length} entries; the maximum number of names or IDs allowed for this request is ${BATCH_GET_DEPLOYMENTS_LIMIT}.`,
        );
      }
      const records: DeploymentRecord[] = [];
      // CodeDeploy answers with the deployments it found and leaves the others out.
      for (const id of new Set(ids)) {
        const record = await useCases.store.getDeployment(checkDeploymentId(id));
        if (record) records.push(record);
      }
      return { deploymentsInfo: records.map(deploymentInfo) };
    }),

    ListDeployments: operation('ListDeployments', async (input, useCases) => {
      const { applicationName, deploymentGroupName } = input;
      if ((applicationName === undefined) !== (deploymentGroupName === undefined)) {
        throw fail(
          applicationName === undefined
            ? 'ApplicationNameRequiredException'
            : 'DeploymentGroupNameRequiredException',
          'applicationName and deploymentGroupName must be given together, or neither.',
        );
      }
      if (applicationName !== undefined && deploymentGroupName !== undefined && useCases.controlPlane) {
        await requireApplication(useCases.controlPlane, applicationName);
        await requireDeploymentGroup(
          useCases.controlPlane,
          applicationName,
          checkDeploymentGroupName(deploymentGroupName),
        );
      }
      const range = input.createTimeRange;
      const from = range?.start !== undefined ? new Date(range.start * 1000) : undefined;
      const to = range?.end !== undefined ? new Date(range.end * 1000) : undefined;
      if ((from && Number.isNaN(from.getTime())) || (to && Number.isNaN(to.getTime()))) {
        throw fail('InvalidTimeRangeException', 'createTimeRange has a time that is not a valid timestamp.');
      }
      if (from && to && from > to) {
        throw fail('InvalidTimeRangeException', 'createTimeRange.start is after createTimeRange.end.');
      }
      const page = await useCases.store.listDeploymentIds(
        {
          ...(applicationName !== undefined ? { applicationName } : {}),
          ...(deploymentGroupName !== undefined ? { deploymentGroupName } : {}),
          ...(input.includeOnlyStatuses?.length
            ? { statuses: input.includeOnlyStatuses as DeploymentStatus[] }
            : {}),
          ...(from ? { createdFrom: from.toISOString() } : {}),
          ...(to ? { createdTo: to.toISOString() } : {}),
          ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
        },
        { limit: pageSize(useCases), ...(input.nextToken ? { nextToken: input.nextToken } : {}) },
      );
      return { deployments: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    }),

    StopDeployment: operation('StopDeployment', async (input, useCases) => {
      const record = await deployment(useCases, input.deploymentId);
      return useCases.stopDeployment(record.deploymentId, {
        ...(input.autoRollbackEnabled !== undefined
          ? { autoRollbackEnabled: input.autoRollbackEnabled }
          : {}),
      });
    }),

    ContinueDeployment: operation('ContinueDeployment', async (input, useCases) => {
      const record = await deployment(useCases, input.deploymentId);
      await useCases.continueDeployment(record.deploymentId, input.deploymentWaitType ?? 'READY_WAIT');
      return {};
    }),

    SkipWaitTimeForInstanceTermination: operation(
      'SkipWaitTimeForInstanceTermination',
      async (input, useCases) => {
        const record = await deployment(useCases, input.deploymentId);
        assertStarted(record);
        // Deprecated by CodeDeploy in favour of ContinueDeployment with TERMINATION_WAIT, which it is.
        await useCases.continueDeployment(record.deploymentId, 'TERMINATION_WAIT');
        return {};
      },
    ),

    ListDeploymentTargets: operation('ListDeploymentTargets', async (input, useCases) => {
      const record = await deployment(useCases, input.deploymentId);
      assertStarted(record);
      const filters = input.targetFilters ?? {};
      const statuses = checkStatuses(filters.TargetStatus, 'InvalidInstanceStatusException');
      const labels = checkLabels(filters.ServerInstanceLabel, 'InvalidInstanceTypeException');
      const limit = pageSize(useCases);
      const page =
        record.computePlatform === 'Server'
          ? await useCases.store.listDeploymentTargetIds(
              record.deploymentId,
              { statuses, labels },
              { limit, ...(input.nextToken ? { nextToken: input.nextToken } : {}) },
            )
          : singleTargetPage(record, statuses, labels, input.nextToken, limit);
      return { targetIds: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    }),

    BatchGetDeploymentTargets: operation('BatchGetDeploymentTargets', async (input, useCases) => {
      const record = await deployment(useCases, input.deploymentId);
      const ids = input.targetIds ?? [];
      if (ids.length === 0)
        throw fail('DeploymentTargetIdRequiredException', 'targetIds is required: give at least one.');
      if (ids.length > BATCH_GET_DEPLOYMENT_TARGETS_LIMIT) {
        throw fail(
          'DeploymentTargetListSizeExceededException',
          `targetIds has ${ids.length} entries; the maximum is ${BATCH_GET_DEPLOYMENT_TARGETS_LIMIT}.`,
        );
      }
      assertStarted(record);
      const targets: DeploymentTarget[] = [];
      for (const id of new Set(ids))
        targets.push(await target(useCases, record, checkTargetId(id, 'targetIds')));
      return { deploymentTargets: targets };
    }),

    GetDeploymentTarget: operation('GetDeploymentTarget', async (input, useCases) => {
      const record = await deployment(useCases, input.deploymentId);
      const targetId = checkTargetId(input.targetId, 'targetId');
      assertStarted(record);
      return { deploymentTarget: await target(useCases, record, targetId) };
    }),

    ListDeploymentInstances: operation('ListDeploymentInstances', async (input, useCases) => {
      const record = await deployment(useCases, input.deploymentId);
      assertServer(record, 'ListDeploymentInstances');
      assertStarted(record);
      const statuses = checkStatuses(input.instanceStatusFilter, 'InvalidInstanceStatusException');
      const labels = checkLabels(input.instanceTypeFilter, 'InvalidInstanceTypeException');
      const page = await useCases.store.listDeploymentTargetIds(
        record.deploymentId,
        { statuses, labels },
        { limit: pageSize(useCases), ...(input.nextToken ? { nextToken: input.nextToken } : {}) },
      );
      return { instancesList: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    }),

    GetDeploymentInstance: operation('GetDeploymentInstance', async (input, useCases) => {
      const record = await deployment(useCases, input.deploymentId);
      if (!input.instanceId) throw fail('InstanceIdRequiredException', 'instanceId is required.');
      assertServer(record, 'GetDeploymentInstance');
      const instanceId = checkInstanceId(input.instanceId, 'instanceId');
      const found = await useCases.store.getDeploymentTarget(record.deploymentId, instanceId);
      if (!found) {
        throw fail(
          'InstanceDoesNotExistException',
          `The deployment ${record.deploymentId} has no instance ${JSON.stringify(input.instanceId)}.`,
        );
      }
      return { instanceSummary: instanceSummary(found) };
    }),

    BatchGetDeploymentInstances: operation('BatchGetDeploymentInstances', async (input, useCases) => {
      const record = await deployment(useCases, input.deploymentId);
      const ids = input.instanceIds ?? [];
      if (ids.length === 0)
        throw fail('InstanceIdRequiredException', 'instanceIds is required: give at least one.');
      if (ids.length > BATCH_GET_DEPLOYMENT_INSTANCES_LIMIT) {
        throw fail(
          'BatchLimitExceededException',
          `instanceIds has ${ids.length} entries; the maximum number of names or IDs allowed for this request is ${BATCH_GET_DEPLOYMENT_INSTANCES_LIMIT}.`,
        );
      }
      assertServer(record, 'BatchGetDeploymentInstances');
      for (const id of ids) checkInstanceId(id, 'instanceIds');
      const found = [];
      const missing: string[] = [];
      for (const id of new Set(ids)) {
        const summary = await useCases.store.getDeploymentTarget(record.deploymentId, id);
        if (summary) found.push(instanceSummary(summary));
        else missing.push(id);
      }
      return {
        instancesSummary: found,
        ...(missing.length
          ? {
              errorMessage: `Instances not found in deployment ${record.deploymentId}: ${missing.join(', ')}`,
            }
          : {}),
      };
    }),

    PutLifecycleEventHookExecutionStatus: operation(
      'PutLifecycleEventHookExecutionStatus',
      async (input, useCases) => {
        if (!input.deploymentId) {
          throw fail('DeploymentIdRequiredException', 'deploymentId is required.');
        }
        if (!input.lifecycleEventHookExecutionId) {
          throw fail(
            'InvalidLifecycleEventHookExecutionIdException',
            'lifecycleEventHookExecutionId is required: the id the hook function was invoked with.',
          );
        }
        return useCases.putLifecycleEventHookExecutionStatus({
          deploymentId: checkDeploymentId(input.deploymentId),
          lifecycleEventHookExecutionId: input.lifecycleEventHookExecutionId,
          status: input.status ?? '',
        });
      },
      { auth: 'hook-execution-id' },
    ),
  };
}
