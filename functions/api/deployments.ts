/**
 * The deployment operations the engine serves today: GetDeployment, ListDeployments,
 * ListDeploymentTargets, BatchGetDeploymentTargets, StopDeployment and
 * PutLifecycleEventHookExecutionStatus. They keep their current answers (part two of the control
 * plane completes DeploymentInfo and adds the rest), now behind the model's input validation.
 */
import { CodeDeployException } from '../domain/codedeploy-exception.js';
import { isDeploymentId } from '../domain/deployment-id.js';
import type { DeploymentStore } from '../ports/deployment-store.js';
import type { DeploymentRecord, InstanceTargetRecord } from '../ports/records.js';
import { operation, type OperationEntry } from './operation-table.js';

/** The use cases the deployment operations call; the engine (local or AWS) provides them. */
export interface DeploymentUseCases {
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

/** A deployment id of CodeDeploy's form, or InvalidDeploymentIdException. */
function checkDeploymentId(deploymentId: string): string {
  if (!isDeploymentId(deploymentId)) {
    throw new CodeDeployException(
      'InvalidDeploymentIdException',
      `${JSON.stringify(String(deploymentId).slice(0, 40))} is not a deployment id: they read d- and 9 capital letters or digits (d-ABCD12345).`,
    );
  }
  return deploymentId;
}

async function deployment(useCases: DeploymentUseCases, deploymentId: string): Promise<DeploymentRecord> {
  const record = await useCases.store.getDeployment(checkDeploymentId(deploymentId));
  if (!record) {
    throw new CodeDeployException(
      'DeploymentDoesNotExistException',
      `The deployment ${deploymentId} could not be found`,
    );
  }
  return record;
}

// The answers below keep today's shapes, which part two brings to the model's (DeploymentInfo is not
// complete yet): their handlers are typed loosely on purpose.
type Loose = never;

export function deploymentOperations(): Record<string, OperationEntry<DeploymentUseCases>> {
  return {
    GetDeployment: operation('GetDeployment', async (input, useCases) => ({
      deploymentInfo: deploymentInfo(await deployment(useCases, input.deploymentId)) as Loose,
    })),
    ListDeployments: operation('ListDeployments', async (input, useCases) => {
      const { applicationName, deploymentGroupName } = input;
      if ((applicationName === undefined) !== (deploymentGroupName === undefined)) {
        throw new CodeDeployException(
          applicationName === undefined
            ? 'ApplicationNameRequiredException'
            : 'DeploymentGroupNameRequiredException',
          'applicationName and deploymentGroupName must be given together, or neither.',
        );
      }
      const records = await useCases.store.listDeployments({
        ...(applicationName !== undefined ? { applicationName } : {}),
        ...(deploymentGroupName !== undefined ? { deploymentGroupName } : {}),
      });
      return { deployments: records.map((record) => record.deploymentId) };
    }),
    ListDeploymentTargets: operation('ListDeploymentTargets', async (input, useCases) => {
      const id = (await deployment(useCases, input.deploymentId)).deploymentId;
      return { targetIds: (await useCases.store.listDeploymentTargets(id)).map((target) => target.targetId) };
    }),
    BatchGetDeploymentTargets: operation(
      'BatchGetDeploymentTargets',
      async (input, useCases) => {
        const id = (await deployment(useCases, input.deploymentId)).deploymentId;
        const wanted = input.targetIds ? new Set(input.targetIds) : undefined;
        const targets = (await useCases.store.listDeploymentTargets(id)).filter(
          (t) => !wanted || wanted.has(t.targetId),
        );
        return { deploymentTargets: targets.map(instanceTarget) as Loose };
      },
      // cli/records-access.ts asks for every target of a deployment by leaving targetIds out.
      { optionalMembers: ['targetIds'] },
    ),
    StopDeployment: operation('StopDeployment', async (input, useCases) => {
      const result = await useCases.stopDeployment(checkDeploymentId(input.deploymentId), {
        autoRollbackEnabled: input.autoRollbackEnabled === true,
      });
      return result as Loose;
    }),
    PutLifecycleEventHookExecutionStatus: operation(
      'PutLifecycleEventHookExecutionStatus',
      async (input, useCases) => {
        if (!input.deploymentId) {
          throw new CodeDeployException('DeploymentIdRequiredException', 'deploymentId is required.');
        }
        if (!input.lifecycleEventHookExecutionId) {
          throw new CodeDeployException(
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
